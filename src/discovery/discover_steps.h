/* Discovery as steps (internal), shared by dc_discover (one domain, blocking
 * DNS and HTTPS) and dc_batch (many domains on one event loop), so that
 * both give the same result for every domain:
 *
 *   dci_disc_start          zone split (PSL); first SOA candidate or none
 *   dci_disc_soa            (SOA mode) the candidate's answer; next one or none
 *   dci_disc_txt_name       "_domainconnect.{zone}"
 *   dci_disc_txt            the TXT answer -> selected value -> settings URL
 *   dci_disc_settings       the HTTP response -> dc_settings (zone and host set)
 *
 * Every step records its failure's detail on `c` (dci_fail). The network
 * lookups between the steps are the caller's; a lookup failure is recorded
 * on `c` with the resolver's detail (as dci_dns_* do). */
#ifndef DC_DISCOVERY_DISCOVER_STEPS_H
#define DC_DISCOVERY_DISCOVER_STEPS_H

#include "core/internal.h"
#include "dns/resolver.h"
#include "http/transport.h"

typedef struct dci_disc {
  char *pzone, *phost;   /* PSL split */
  char *full;            /* SOA walk: host.zone */
  const char *cand;      /* SOA walk: current candidate (into full) */
  size_t labels, step;
  char *zone, *host;     /* the zone found (after the walk) */
  char *txt_name;        /* _domainconnect.{zone} */
  char *txt;             /* canonical TXT value */
  char *url;             /* settings URL */
} dci_disc;

void dci_disc_init(dci_disc *d);
void dci_disc_free(dci_disc *d);
/* Zone split of `domain`. *soa_name = the first name to ask for an SOA
 * (SOA mode with labels below the registrable domain), else NULL (the zone
 * is fixed). */
dc_status dci_disc_start(dc_client *c, dci_disc *d, const char *domain,
                         const char **soa_name);
/* The current candidate owns an SOA (`has`) or not; *soa_name = the next
 * candidate or NULL (the zone is fixed). */
dc_status dci_disc_soa(dc_client *c, dci_disc *d, bool has, const char **soa_name);
/* The TXT name to look up (owned by d). */
dc_status dci_disc_txt_name(dc_client *c, dci_disc *d, const char **name);
/* The TXT answer (DC_OK lookups only): no RR is DC_E_NO_RECORD, else
 * dc_txt_select; then builds the settings URL (d->url). */
dc_status dci_disc_txt(dc_client *c, dci_disc *d, const dci_txt_answer *ans);
/* The settings request as dc_discover sends it (strings borrowed from d). */
void dci_disc_request(const dci_disc *d, dci_http_req *req);
/* The overall deadline (dc_client_set_deadline_ms; docs/limits.md): starts
 * it on c's record (dci_call_of(c)->deadline_us = now + the deadline). */
void dci_disc_deadline_start(dc_client *c);
/* Before a step: DC_OK while time is left, else DC_E_TIMEOUT with the
 * deadline's detail naming `step`. */
dc_status dci_disc_deadline_check(dc_client *c, const char *domain, const char *step);
/* After a failed step: a timeout (DC_E_TIMEOUT, DC_E_DNS_TIMEOUT) once the
 * deadline has passed becomes DC_E_TIMEOUT with the detail "discovery of
 * NAME: overall deadline of N ms exceeded (during STEP: <the step's
 * detail>)"; any other status is returned unchanged. */
dc_status dci_disc_deadline_status(dc_client *c, const char *domain, dc_status st,
                                   const char *step);

/* The response (transport DC_OK): non-2xx is DC_E_HTTP_STATUS; else the
 * parsed settings with zone and host. */
dc_status dci_disc_settings(dc_client *c, dci_disc *d, const dci_http_resp *resp,
                            dc_settings **out);

/* ---- DNSSEC (discovery/dnssec.c; docs/security.md §8) */
/* A lookup's outcome for discovery: folds its state into c's record
 * (dci_call_of(c)->dnssec: overall, and part 1 = TXT with the SOA walk or
 * 2 = the provider host), then applies the policy: a bogus answer under
 * validate/require is DC_E_DNSSEC_BOGUS; a failed lookup keeps its own
 * status and detail; under require an answer not secure is
 * DC_E_DNSSEC_INSECURE. `what` names the answer in the detail ("TXT"). */
dc_status dci_disc_dnssec_judge(dc_client *c, int part, const dci_dns_outcome *o,
                                const char *what);
/* Copies c's recorded states and bogus reason into the settings. */
void dci_disc_dnssec_attach(dc_client *c, dc_settings *s);
/* dc_discover with a policy other than off: the steps above on one
 * validating resolver, the provider host's addresses from it pinned through
 * dci_http_prepare_resolved. *step names the running step for the
 * deadline's detail. */
dc_status dci_disc_validated(dc_client *c, dci_disc *d, const char *domain,
                             dc_settings **out, const char **step);

#endif
