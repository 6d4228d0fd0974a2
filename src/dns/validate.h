/* DNSSEC-validating lookups (internal; docs/security.md §8): a second
 * resolver beside c-ares, on libunbound, with the interface of resolver.h's
 * asynchronous core, and dci_dres, which is one or the other by the
 * client's DNSSEC policy (off: c-ares, unchanged; else libunbound).
 *
 * libunbound validates locally and forwards to the client's DNS servers
 * (else resolv.conf's); one worker thread per resolver (ub_ctx_async), one
 * descriptor (ub_fd) for the caller's loop, callbacks run from
 * dci_dres_process in the caller's thread. The answers go through the
 * parsers of resolver.h (dci_dns_parse_*), so limits and CNAME handling are
 * the c-ares path's. Each lookup has the client's DNS timeout as its
 * deadline, at which its queries are cancelled (ub_cancel): libunbound's
 * own give-up takes 17-29 s. The outcome's `dnssec` is the state:
 *   secure       libunbound's secure flag (a secure NXDOMAIN/NODATA too)
 *   bogus        its bogus flag; `dnssec_why` = why_bogus (sanitised)
 *   insecure     neither, and an anchor covers the name
 *   indeterminate neither and no anchor covers the name; or the lookup
 *               failed (SERVFAIL without bogus, timeout, error)
 * ADDRS takes the weaker of its A and AAAA states.
 * Not thread-safe: a resolver belongs to one thread. fork() while one
 * exists leaves its worker thread behind in the child: do not. */
#ifndef DC_DNS_VALIDATE_H
#define DC_DNS_VALIDATE_H

#include "dns/resolver.h"

/* The weaker of two states (dc_dnssec_state): bogus < indeterminate <
 * insecure < secure; unchecked counts as absent. */
int dci_dnssec_weakest(int a, int b);

typedef struct dci_vres dci_vres;

/* Either resolver; `v` is set when the client's policy is not off. */
typedef struct dci_dres {
  dci_resolver *plain;
  dci_vres *v;
} dci_dres;

/* A resolver for c (policy off: dci_resolver_new; else libunbound with c's
 * servers, timeout and anchors, the default root key file read now when c
 * has none). DC_OK; DC_E_INVALID_ARG; DC_E_NOMEM; DC_E_DNS (libunbound
 * could not be set up); DC_E_IO, DC_E_LIMIT, DC_E_INVALID_ARG (the default
 * anchor file); DC_E_DNSSEC_UNAVAILABLE (a build without libunbound). */
dc_status dci_dres_new(dc_client *c, dci_dres *out);
void dci_dres_free(dci_dres *r);
/* As dci_resolver_txt / _addrs / _soa. */
dc_status dci_dres_txt(dci_dres *r, const char *name, dci_dns_cb cb, void *arg);
dc_status dci_dres_addrs(dci_dres *r, const char *name, dci_dns_cb cb, void *arg);
dc_status dci_dres_soa(dci_dres *r, const char *name, dci_dns_cb cb, void *arg);
const char *dci_dres_error(const dci_dres *r);
/* As dci_resolver_fds (libunbound: its one descriptor while lookups are
 * pending), _timeout_ms, _process, _run. */
size_t dci_dres_fds(dci_dres *r, struct pollfd *fds, size_t max);
long dci_dres_timeout_ms(dci_dres *r);
void dci_dres_process(dci_dres *r, const struct pollfd *fds, size_t n);
dc_status dci_dres_run(dci_dres *r);
/* The deadline of lookups started from now on (ms > 0), for a caller that
 * cuts it to an overall deadline. The c-ares resolver keeps its own. */
void dci_dres_set_timeout_ms(dci_dres *r, long ms);

#endif
