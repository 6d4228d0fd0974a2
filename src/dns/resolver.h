/* DNS over c-ares (internal): the client's servers and DNS timeout, no
 * search domains, no hosts file, for every DNS-influenced name. */
#ifndef DC_DNS_RESOLVER_H
#define DC_DNS_RESOLVER_H

#include "core/internal.h"
#include "domainconnect/settings.h"
#include "core/addr.h"

/* DNS RR types and the class IN (RFC 1035, 3596, 2782, 6891, 8659): the one
 * definition of the numbers the resolver, the parser and verify use. */
enum {
  DCI_T_A = 1, DCI_T_NS = 2, DCI_T_CNAME = 5, DCI_T_SOA = 6, DCI_T_MX = 15,
  DCI_T_TXT = 16, DCI_T_AAAA = 28, DCI_T_SRV = 33, DCI_T_OPT = 41, DCI_T_CAA = 257,
  DCI_C_IN = 1
};

/* What a lookup ended with, so callers and tests can tell them apart. */
typedef enum dci_dns_result {
  DCI_DNS_OK = 0,
  DCI_DNS_NXDOMAIN,  /* name does not exist       -> DC_E_NO_RECORD */
  DCI_DNS_NODATA,    /* name exists, no such type -> DC_E_NO_RECORD */
  DCI_DNS_SERVFAIL,  /*                           -> DC_E_DNS */
  DCI_DNS_REFUSED,   /*                           -> DC_E_DNS */
  DCI_DNS_TIMEOUT,   /*                           -> DC_E_DNS_TIMEOUT */
  DCI_DNS_BADRESP,   /* malformed answer etc.     -> DC_E_DNS */
  DCI_DNS_NOMEM,     /*                           -> DC_E_NOMEM */
  DCI_DNS_LIMIT      /* answer over a limit       -> DC_E_LIMIT
                        (DC_MAX_DNS_TXT_RRS/_BYTES, DCI_MAX_ADDRS) */
} dci_dns_result;

/* The status a result maps to (table above), and a short outcome text for
 * details ("NXDOMAIN", "SERVFAIL", "timed out", ...). */
dc_status dci_dns_result_status(dci_dns_result r);
const char *dci_dns_result_name(dci_dns_result r);

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

/* Any RRset, in presentation form (dci_dns_rrset, dc_dns_check_applied).
 * One dci_rr per RR; every string is NUL-terminated and owned by the set:
 *   A, AAAA  data = the address as inet_ntop writes it ("2606:4700::1111")
 *   CNAME,NS data = the name: lower case, no trailing dot ("." = the root),
 *            bytes other than [a-z0-9_*-] escaped as in zone files (\. \DDD)
 *   MX       data = exchange (a name as above), priority = preference
 *   SRV      data = target (a name), priority, weight, port
 *   TXT      data = the RR's character-strings joined with nothing between
 *            them (len counts the bytes: a string may hold NUL bytes)
 *   CAA      data = 'flags tag "value"' (value: '"' and '\' escaped with a
 *            backslash, bytes outside 0x20..0x7e as \DDD); priority = flags,
 *            tag (raw bytes lower-cased; RFC 8659 allows letters and digits)
 *            and value/value_len (raw bytes) apart
 *   other    data = RFC 3597 generic form "\# LEN HEX" (lower-case hex)
 * At most DCI_MAX_ADDRS A/AAAA RRs, DC_MAX_DNS_TXT_RRS TXT RRs (their
 * strings DC_MAX_DNS_TXT_BYTES in all), DCI_MAX_RRSET_RRS RRs of any other
 * type; more is DCI_DNS_LIMIT (never truncated). */
#define DCI_MAX_RRSET_RRS 64
typedef struct dci_rr {
  unsigned type;
  uint32_t ttl;
  const char *data;
  size_t len;             /* bytes in data (without the NUL) */
  unsigned priority;      /* MX preference, SRV priority, CAA flags; else 0 */
  unsigned weight, port;  /* SRV; else 0 */
  const char *tag;        /* CAA; else NULL */
  const char *value;      /* CAA value bytes; else NULL */
  size_t value_len;
} dci_rr;
typedef struct dci_rrset {
  dci_rr *rrs;
  size_t n;
  void *storage; /* private */
} dci_rrset;
void dci_rrset_free(dci_rrset *s);
/* Record type mnemonics: "A", "MX", ... or "TYPEnnn" (RFC 3597) into buf;
 * returns buf. And back (case-insensitive; "TYPEnnn" accepted), 0 when
 * unknown. */
const char *dci_dns_type_name(unsigned type, char *buf, size_t n);
unsigned dci_dns_type_from_name(const char *name);

/* Synchronous lookups. Each returns DC_OK or the mapped status above with a
 * detail naming the name and the outcome; *result (may be NULL) gets the
 * dci_dns_result. Names are queried as given (absolute; no search list). */
dc_status dci_dns_txt(dc_client *c, const char *name, dci_txt_answer *out,
                      dci_dns_result *result);
/* A and AAAA (both asked; either may be empty; both empty = NODATA). */
dc_status dci_dns_addrs(dc_client *c, const char *name, dci_addr_list *out,
                        dci_dns_result *result);
/* The RRset of `qtype` (1..65535; not a meta type such as OPT, AXFR or ANY:
 * DC_E_INVALID_ARG) owned by `name`, or by the end of its CNAME chain; a
 * CNAME question is answered by the name's own CNAME (never followed). An
 * NS question about a delegation point is answered from the referral (the
 * NS RRs in the authority section owned by the name). NXDOMAIN/NODATA are
 * DC_E_NO_RECORD as for TXT. *out needs dci_rrset_free either way. */
dc_status dci_dns_rrset(dc_client *c, const char *name, unsigned qtype,
                        struct dci_rrset *out, dci_dns_result *result);
/* Does `name` own an SOA record? (DC_OK with *has set; NXDOMAIN/NODATA give
 * DC_OK with *has = false; failures give their status.) */
dc_status dci_dns_has_soa(dc_client *c, const char *name, bool *has,
                          dci_dns_result *result);

/* Semantics shared by all lookups:
 * - Servers: the client's (dc_client_add_dns_server) or else the system's
 *   resolv.conf servers (at most DC_MAX_DNS_SERVERS of them), tried in
 *   order; never its search list, ndots or other options; no hosts file.
 *   A server that does not answer in time is left for the next one; an
 *   answer (SERVFAIL and REFUSED included) ends the lookup: c-ares 1.18
 *   would otherwise hide their rcode behind ARES_ECONNREFUSED. A truncated
 *   UDP answer is asked again over TCP (by c-ares); no EDNS.
 * - Time: c->timeout_dns_ms bounds one lookup from start to result
 *   (retries, both A and AAAA, and CNAME follow-ups included): at that
 *   deadline it ends with DCI_DNS_TIMEOUT. c-ares gets per-try timeouts
 *   that fill it (2 rounds over the servers, the second twice as long).
 * - One resolver keeps at most DC_MAX_DNS_INFLIGHT lookups on the wire;
 *   later ones wait in order, and their timeout starts when they are sent.
 * - Invalid arguments (DC_E_INVALID_ARG) leave *result = DCI_DNS_BADRESP.
 * - Names: LDH labels plus '_' (1..63 each, <= 253 in all, one optional
 *   trailing dot); anything else is DC_E_INVALID_ARG before any query.
 * - Answers: the rcode is read from the response; the CNAME chain from the
 *   question name is followed inside the answer, and when a server stops at
 *   a CNAME whose target it does not serve (an authoritative server), the
 *   target is asked for next; at most DC_MAX_CNAME_CHAIN CNAMEs in all.
 *   Only records owned by the end of the chain count.
 * - A/AAAA: either may be empty; any address makes the lookup DC_OK even if
 *   the other type failed; both empty gives the failure of either (A's
 *   first), else NXDOMAIN when both say so, else NODATA. More than
 *   DCI_MAX_ADDRS addresses in all: DC_E_LIMIT (never truncated, so the
 *   guard sees every address).
 * - SOA: only an SOA owned by the name itself counts (a CNAME at the name is
 *   not followed). */

/* ---- pure parsers of one raw DNS response (bytes in, struct out; no
 * sockets, no c-ares), also the fuzz targets. */

typedef struct dci_dns_header {
  unsigned id, opcode, rcode;
  unsigned qdcount, ancount, nscount, arcount;
  bool qr, aa, tc, rd, ra;
} dci_dns_header;
/* The 12-byte header. DC_E_DNS if len < 12 (or buf/h NULL: DC_E_INVALID_ARG). */
dc_status dci_dns_parse_header(const unsigned char *buf, size_t len,
                               dci_dns_header *h);

/* Extra facts from a parse (all optional for callers). */
typedef struct dci_dns_info {
  unsigned rcode;     /* low 4 bits of byte 3 (0 if no header) */
  unsigned cname_hops; /* CNAMEs followed inside this response */
  /* Non-empty when the response ended the chain at a CNAME whose target has
   * no record of the asked type in it (rcode NOERROR, result NODATA): the
   * target, as text without trailing dot, to be asked next. */
  char cname_target[DC_MAX_NAME_LEN + 1];
  const char *why;    /* static text on BADRESP / LIMIT, else NULL */
  /* Addresses: the smallest TTL of the answer section's records (the
   * CNAMEs followed and the addresses), when has_ttl. */
  bool has_ttl;
  uint32_t min_ttl;
} dci_dns_info;

/* A response to a TXT question. DC_OK with one dc_txt_rr per RR owned by the
 * end of the CNAME chain (strings kept separate, in order; a zero-length
 * string is kept; each string is also NUL-terminated), else the status of
 * *result with out->n == 0. *out needs dci_txt_answer_free either way.
 * result and info may be NULL. */
dc_status dci_dns_parse_txt(const unsigned char *buf, size_t len,
                            dci_txt_answer *out, dci_dns_result *result,
                            dci_dns_info *info);
/* A response to an A (qtype 1) or AAAA (qtype 28) question: the addresses
 * are appended to *out (DCI_DNS_LIMIT if they do not fit). */
dc_status dci_dns_parse_addrs(const unsigned char *buf, size_t len,
                              unsigned qtype, dci_addr_list *out,
                              dci_dns_result *result, dci_dns_info *info);
/* A response to an SOA question: DC_OK with *has = true when the question
 * name owns an SOA in the answer; NXDOMAIN and NODATA give DC_OK with
 * *has = false (and *result saying which); failures give their status. */
dc_status dci_dns_parse_soa(const unsigned char *buf, size_t len, bool *has,
                            dci_dns_result *result, dci_dns_info *info);

/* A response to a `qtype` question: the RRset as dci_dns_rrset describes
 * it. DC_OK with out->n > 0, else the status of *result with out->n == 0.
 * *out needs dci_rrset_free either way. result and info may be NULL. */
dc_status dci_dns_parse_rrset(const unsigned char *buf, size_t len,
                              unsigned qtype, dci_rrset *out,
                              dci_dns_result *result, dci_dns_info *info);

/* Is `name` acceptable to query (rules above)? */
bool dci_dns_name_ok(const char *name);
/* Is the response's question exactly `name` (case-insensitive, one trailing
 * dot ignored), `qtype`, class IN? A response without a question section
 * passes only with a non-zero rcode (a bare error answer). c-ares is told
 * not to check responses (so that SERVFAIL and REFUSED reach us with their
 * rcode), hence this check. */
bool dci_dns_question_matches(const unsigned char *buf, size_t len,
                              const char *name, unsigned qtype);

/* ---- asynchronous core: many lookups in flight on one c-ares channel,
 * driven by the caller's event loop (or dci_resolver_run). Not thread-safe:
 * one resolver belongs to one thread. */

typedef struct dci_resolver dci_resolver;

typedef enum dci_dns_kind {
  DCI_DNS_KIND_TXT = 0,
  DCI_DNS_KIND_ADDRS = 1,   /* A and AAAA, asked concurrently */
  DCI_DNS_KIND_SOA = 2,
  DCI_DNS_KIND_RRSET = 3    /* any one type (dci_resolver_rrset) */
} dci_dns_kind;

/* What a lookup's callback receives; valid only during the callback. */
typedef struct dci_dns_outcome {
  dci_dns_kind kind;
  const char *name;          /* as asked (without trailing dot) */
  dc_status status;          /* DC_OK or dci_dns_result_status(result);
                                SOA: NXDOMAIN/NODATA are DC_OK, has_soa false */
  dci_dns_result result;
  const char *detail;        /* "" on DC_OK, else e.g. "DNS TXT lookup of
                                _domainconnect.nodc.test: NXDOMAIN" */
  dci_txt_answer *txt;       /* TXT: the answer (n == 0 unless DC_OK). To
                                keep it, move it out:
                                mine = *o->txt; *o->txt = (dci_txt_answer){0};
                                else it is freed after the callback. */
  const dci_addr_list *addrs; /* ADDRS: A then AAAA addresses */
  bool has_soa;              /* SOA */
  unsigned qtype;            /* RRSET: the type asked */
  dci_rrset *rrset;          /* RRSET: the answer (n == 0 unless DC_OK);
                                moved out like txt, else freed after the
                                callback */
  /* DNSSEC (dns/validate.h): the answer's dc_dnssec_state (0 = unchecked:
   * the c-ares resolver never validates) and libunbound's reason when
   * bogus (NULL otherwise). */
  int dnssec;
  const char *dnssec_why;
} dci_dns_outcome;

typedef void (*dci_dns_cb)(void *arg, dci_dns_outcome *o);

/* A resolver with c's DNS servers and DNS timeout (copied: later changes to
 * c do not affect it; c is not kept). Returns DC_OK, DC_E_INVALID_ARG,
 * DC_E_NOMEM, DC_E_DNS (c-ares could not be set up); details on c. */
dc_status dci_resolver_new(dc_client *c, dci_resolver **out);
/* Frees the resolver. Lookups still pending are dropped WITHOUT their
 * callbacks being called. Must not be called from inside a callback.
 * NULL is a no-op. */
void dci_resolver_free(dci_resolver *r);

/* Start a lookup (sent now, or queued behind DC_MAX_DNS_INFLIGHT others).
 * DC_OK: `cb` will be called exactly once, always from
 * dci_resolver_process, _process_fd or _run (never from inside the start
 * call), unless the resolver is freed first; a query that cannot even be
 * sent is reported there too. Otherwise (DC_E_INVALID_ARG for an
 * unacceptable name or a NULL argument, DC_E_NOMEM) `cb` is never called
 * and dci_resolver_error() has the detail. Callbacks may start new
 * lookups. */
dc_status dci_resolver_txt(dci_resolver *r, const char *name, dci_dns_cb cb,
                           void *arg);
dc_status dci_resolver_addrs(dci_resolver *r, const char *name, dci_dns_cb cb,
                             void *arg);
dc_status dci_resolver_soa(dci_resolver *r, const char *name, dci_dns_cb cb,
                           void *arg);
/* `qtype` as for dci_dns_rrset (else DC_E_INVALID_ARG, cb never called). */
dc_status dci_resolver_rrset(dci_resolver *r, const char *name, unsigned qtype,
                             dci_dns_cb cb, void *arg);
/* Detail of the last failed start ("" if none). */
const char *dci_resolver_error(const dci_resolver *r);
/* Lookups started whose callback has not run yet. */
size_t dci_resolver_pending(const dci_resolver *r);
/* A/AAAA answers are kept by the resolver for their TTL (at most
 * DC_MAX_ADDR_CACHE_TTL seconds, DC_MAX_ADDR_CACHE names): a batch asks
 * for each provider API host's addresses once per TTL, not once per
 * domain. Lookups answered from it so far (for tests and benchmarks). */
size_t dci_resolver_cache_hits(const dci_resolver *r);
/* Lookups on the wire at once: DC_MAX_DNS_INFLIGHT by default; a batch
 * raises it to its concurrency (clamped to DC_MAX_DNS_INFLIGHT ..
 * DC_MAX_DNS_INFLIGHT_BATCH). */
void dci_resolver_set_max_inflight(dci_resolver *r, size_t n);

/* Event loop. Sockets to watch: fills up to `max` entries (fd, events =
 * POLLIN and/or POLLOUT, revents = 0) and returns how many there are (at
 * most DCI_RESOLVER_MAX_FDS). */
#define DCI_RESOLVER_MAX_FDS 16
struct pollfd;
size_t dci_resolver_fds(dci_resolver *r, struct pollfd *fds, size_t max);
/* Milliseconds until dci_resolver_process must be called even if no socket
 * is ready: 0 = now (e.g. results are waiting for their callbacks), -1 =
 * nothing pending. */
long dci_resolver_timeout_ms(dci_resolver *r);
/* Handles the sockets whose revents are set (n may be 0: timeouts only),
 * expired lookups (DCI_DNS_TIMEOUT at their deadline) and then runs the
 * callbacks of every finished lookup. */
void dci_resolver_process(dci_resolver *r, const struct pollfd *fds, size_t n);
/* The same for one socket from another event loop: read_fd / write_fd are
 * the ready socket or -1 (both -1: timeouts only). */
void dci_resolver_process_fd(dci_resolver *r, int read_fd, int write_fd);
/* Runs poll() until no lookup is pending. DC_OK (the outcomes go to the
 * callbacks). */
dc_status dci_resolver_run(dci_resolver *r);

#endif
