/* DNSSEC-validated discovery (include/domainconnect/net.h,
 * docs/security.md §8): the policy applied to each lookup that steers
 * discovery, the states kept on the caller's record and on the settings,
 * and dc_discover's validating path.
 *
 * Decisions beyond net.h:
 *   - Order of judgement for one lookup: bogus (under validate/require)
 *     first, because a failed validation is the more useful answer than the
 *     failure libunbound may also report; then the lookup's own failure;
 *     then require's "not secure". A secure NXDOMAIN is a plain
 *     DC_E_NO_RECORD.
 *   - The TXT state includes the SOA walk's answers: they chose the name
 *     whose TXT was asked.
 *   - The provider host is resolved once on the validating resolver and
 *     those addresses are what the transport checks and pins
 *     (dci_http_prepare_resolved): no second, unvalidated lookup. */
#include <stdio.h>
#include <string.h>


#include "discovery/discover_steps.h"
#include "dns/validate.h"
#include "domainconnect/net.h"
#include "http/transport.h"
#include "proto/settings.h"

/* A bogus reason that says the chain broke at the anchor itself: the usual
 * sign of DNS servers that strip DNSSEC records (or of a stale anchor). */
static const char *anchor_hint(const char *why)
{
  if (why == NULL || strstr(why, "trust anchor") == NULL) return "";
  if (strstr(why, "no DNSKEY") || strstr(why, "no signatures") || strstr(why, "missing"))
    return " (no DNSSEC records for the trust anchor: do these servers support DNSSEC?"
           " Is the anchor current?)";
  return "";
}

dc_status dci_disc_dnssec_judge(dc_client *c, int part, const dci_dns_outcome *o,
                                const char *what)
{
  struct dci_call *call = dci_call_of(c);
  int policy = c->cfg->dnssec_policy;
  if (o->dnssec != DC_DNSSEC_UNCHECKED) {
    call->dnssec[part] = dci_dnssec_weakest(call->dnssec[part], o->dnssec);
    call->dnssec[0] = dci_dnssec_weakest(call->dnssec[0], o->dnssec);
    if (o->dnssec == DC_DNSSEC_BOGUS && call->dnssec_why[0] == '\0')
      snprintf(call->dnssec_why, sizeof call->dnssec_why, "%s",
               o->dnssec_why ? o->dnssec_why : "bogus");
  }
  if (o->dnssec == DC_DNSSEC_BOGUS && policy >= DC_DNSSEC_VALIDATE)
    return dci_fail(c, DC_E_DNSSEC_BOGUS, "DNSSEC: the %s answer for %s is bogus: %s%s",
                    what, o->name, o->dnssec_why ? o->dnssec_why : "validation failed",
                    anchor_hint(o->dnssec_why));
  if (o->status != DC_OK) return dci_fail(c, o->status, "%s", o->detail);
  if (policy == DC_DNSSEC_REQUIRE && o->dnssec != DC_DNSSEC_SECURE)
    return dci_fail(c, DC_E_DNSSEC_INSECURE,
                    "DNSSEC: the %s answer for %s is %s; policy require accepts only "
                    "secure answers", what, o->name,
                    dc_dnssec_state_name((dc_dnssec_state)o->dnssec));
  return DC_OK;
}

void dci_disc_dnssec_attach(dc_client *c, dc_settings *s)
{
  const struct dci_call *call = dci_call_of(c);
  s->dnssec = call->dnssec[0];
  s->dnssec_txt = call->dnssec[1];
  s->dnssec_host = call->dnssec[2];
  snprintf(s->dnssec_why, sizeof s->dnssec_why, "%s", call->dnssec_why);
}

/* ---- dc_discover's validating path */

struct one {
  dc_client *c;
  int part;
  const char *what;
  dc_status status;
  bool called, has_soa;
  dci_txt_answer txt;
  dci_addr_list addrs;
};

static void one_cb(void *arg, dci_dns_outcome *o)
{
  struct one *s = arg;
  s->called = true;
  s->status = dci_disc_dnssec_judge(s->c, s->part, o, s->what);
  s->has_soa = o->has_soa;
  if (o->txt) {
    s->txt = *o->txt;
    memset(o->txt, 0, sizeof *o->txt);
  }
  if (o->addrs) s->addrs = *o->addrs;
}

/* One lookup on r, within the DNS timeout cut to the deadline's time left. */
static dc_status lookup(dc_client *c, dci_dres *r, dci_dns_kind kind, const char *name,
                        struct one *s)
{
  dc_status st;
  long dns = c->cfg->timeout_dns_ms > 0 ? c->cfg->timeout_dns_ms : DC_DEFAULT_DNS_TIMEOUT_MS;
  dci_dres_set_timeout_ms(r, dci_deadline_cap(c, dns));
  s->c = c;
  s->called = false;
  if (kind == DCI_DNS_KIND_SOA) st = dci_dres_soa(r, name, one_cb, s);
  else if (kind == DCI_DNS_KIND_TXT) st = dci_dres_txt(r, name, one_cb, s);
  else st = dci_dres_addrs(r, name, one_cb, s);
  if (st != DC_OK) return dci_fail(c, st, "%s", dci_dres_error(r));
  st = dci_dres_run(r);
  if (st != DC_OK) return st;
  if (!s->called) return dci_fail(c, DC_E_INTERNAL, "DNS lookup ended without an outcome");
  return s->status;
}

dc_status dci_disc_validated(dc_client *c, dci_disc *d, const char *domain,
                             dc_settings **out, const char **step)
{
  dc_status status = DC_OK;
  dci_dres r;
  struct one s;
  dci_http_resp resp;
  dci_http_xfer *x = NULL;
  char host[DC_MAX_NAME_LEN + 1];
  const char *name = NULL;
  memset(&s, 0, sizeof s);
  dci_http_resp_init(&resp);
  DCI_TRY(dci_dres_new(c, &r));
  DCI_TRY(dci_disc_start(c, d, domain, &name));
  s.part = 1;
  while (name != NULL) {
    *step = "the SOA walk";
    s.what = "SOA";
    DCI_TRY(dci_disc_deadline_check(c, domain, *step));
    DCI_TRY(lookup(c, &r, DCI_DNS_KIND_SOA, name, &s));
    DCI_TRY(dci_disc_soa(c, d, s.has_soa, &name));
  }
  DCI_TRY(dci_disc_txt_name(c, d, &name));
  *step = "the TXT lookup";
  s.what = "TXT";
  DCI_TRY(dci_disc_deadline_check(c, domain, *step));
  DCI_TRY(lookup(c, &r, DCI_DNS_KIND_TXT, name, &s));
  DCI_TRY(dci_disc_txt(c, d, &s.txt));
  dci_http_req req;
  dci_disc_request(d, &req);
  *step = "the settings request";
  DCI_TRY(dci_disc_deadline_check(c, domain, *step));
  DCI_TRY(dci_http_target_host(c, &req, host));
  s.part = 2;
  s.what = "A/AAAA";
  DCI_TRY(lookup(c, &r, DCI_DNS_KIND_ADDRS, host, &s));
  DCI_TRY(dci_http_prepare_resolved(c, &req, &resp, host, &s.addrs, &x));
  status = dci_http_run(c, x); /* frees x */
  x = NULL;
  DCI_TRY(status);
  DCI_TRY(dci_disc_settings(c, d, &resp, out));
  dci_disc_dnssec_attach(c, *out);
done:
  dci_http_xfer_free(x);
  dci_txt_answer_free(&s.txt);
  dci_http_resp_free(&resp);
  dci_dres_free(&r);
  return status;
}

/* ---- settings accessors (settings.h) */

DC_API dc_dnssec_state dc_settings_dnssec(const dc_settings *s)
{
  return s ? (dc_dnssec_state)s->dnssec : DC_DNSSEC_UNCHECKED;
}

DC_API dc_dnssec_state dc_settings_dnssec_txt(const dc_settings *s)
{
  return s ? (dc_dnssec_state)s->dnssec_txt : DC_DNSSEC_UNCHECKED;
}

DC_API dc_dnssec_state dc_settings_dnssec_host(const dc_settings *s)
{
  return s ? (dc_dnssec_state)s->dnssec_host : DC_DNSSEC_UNCHECKED;
}

DC_API const char *dc_settings_dnssec_why(const dc_settings *s)
{
  return s && s->dnssec_why[0] != '\0' ? s->dnssec_why : NULL;
}
