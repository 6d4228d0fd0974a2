/* DNS over c-ares (internal): the client's servers and DNS timeout, no
 * search domains, no hosts file, for every DNS-influenced name. */
#ifndef DC_DNS_RESOLVER_H
#define DC_DNS_RESOLVER_H

#include "core/internal.h"
#include "domainconnect/settings.h"
#include "guard/addr.h"

/* What a lookup ended with, so callers and tests can tell them apart. */
typedef enum dci_dns_result {
  DCI_DNS_OK = 0,
  DCI_DNS_NXDOMAIN,  /* name does not exist       -> DC_E_NO_RECORD */
  DCI_DNS_NODATA,    /* name exists, no such type -> DC_E_NO_RECORD */
  DCI_DNS_SERVFAIL,  /*                           -> DC_E_DNS */
  DCI_DNS_REFUSED,   /*                           -> DC_E_DNS */
  DCI_DNS_TIMEOUT,   /*                           -> DC_E_DNS_TIMEOUT */
  DCI_DNS_BADRESP,   /* malformed answer etc.     -> DC_E_DNS */
  DCI_DNS_NOMEM      /*                           -> DC_E_NOMEM */
} dci_dns_result;

/* TXT answer: one dc_txt_rr per RR, strings in order (what dc_txt_select
 * takes). All storage owned by the answer. */
typedef struct dci_txt_answer {
  dc_txt_rr *rrs;
  size_t n;
  void *storage; /* private */
} dci_txt_answer;
void dci_txt_answer_free(dci_txt_answer *a);

#define DCI_MAX_ADDRS 32
typedef struct dci_addr_list {
  size_t n;
  dci_addr a[DCI_MAX_ADDRS];
} dci_addr_list;

/* Synchronous lookups. Each returns DC_OK or the mapped status above with a
 * detail naming the name and the outcome; *result (may be NULL) gets the
 * dci_dns_result. Names are queried as given (absolute; no search list). */
dc_status dci_dns_txt(dc_client *c, const char *name, dci_txt_answer *out,
                      dci_dns_result *result);
/* A and AAAA (both asked; either may be empty; both empty = NODATA). */
dc_status dci_dns_addrs(dc_client *c, const char *name, dci_addr_list *out,
                        dci_dns_result *result);
/* Does `name` own an SOA record? (DC_OK with *has set; NXDOMAIN/NODATA give
 * DC_OK with *has = false; failures give their status.) */
dc_status dci_dns_has_soa(dc_client *c, const char *name, bool *has,
                          dci_dns_result *result);

#endif
