/* What both resolvers (the c-ares one, dns/resolver.c, and the validating
 * one, dns/validate.c) report the same way: the A and AAAA answers merged
 * into one outcome, and the text of a failed lookup. */
#ifndef DC_DNS_OUTCOME_H
#define DC_DNS_OUTCOME_H

#include "dns/resolver.h"

/* One of the two answers of an A/AAAA lookup: its result, addresses and
 * the reason text of a BADRESP/LIMIT (or NULL). */
typedef struct dci_dns_half {
  dci_dns_result res;
  const dci_addr_list *addrs;
  const char *why;
} dci_dns_half;

/* The lookup's result: A then AAAA addresses in *all when either has any
 * (DCI_DNS_OK), else the first failure, else NXDOMAIN when both said so,
 * else NODATA; more than DCI_MAX_ADDRS together is DCI_DNS_LIMIT. *why is
 * the reason text that goes with the result (or NULL). */
dci_dns_result dci_dns_merge_addrs(dci_dns_half a, dci_dns_half aaaa, dci_addr_list *all,
                                   const char **why);

/* Clears *o and sets its kind, name, result and status (an SOA lookup's
 * NXDOMAIN and NODATA are DC_OK: the walk goes on), an empty detail, and
 * for a TXT lookup its answer `txt` (emptied first when the lookup failed). */
void dci_dns_outcome_init(dci_dns_outcome *o, dci_dns_kind kind, const char *name,
                          dci_dns_result res, dci_txt_answer *txt);

/* "TXT", "A/AAAA", "SOA" or "RRset": a lookup's kind in details. */
const char *dci_dns_kind_name(dci_dns_kind k);

/* Room for the detail of a failed lookup (dci_dns_failure_detail). */
#define DCI_DNS_DETAIL_MAX (DC_MAX_NAME_LEN + 200)

/* "DNS TYPE lookup of NAME: WHAT" for a failed lookup into buf: `type` as
 * shown (e.g. "TXT", "A/AAAA"); `nodata_type` what "no ... record" names;
 * `servfail_by` who answered SERVFAIL; the name is sanitised. */
void dci_dns_failure_detail(const char *type, const char *nodata_type, const char *name,
                            dci_dns_result res, const char *why, long timeout_ms,
                            const char *servfail_by, char *buf, size_t n);

#endif
