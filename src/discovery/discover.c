/* Discovery over the network (docs/protocol.md §1.1-§1.3, §2.1;
 * docs/security.md §2, §4, §5): zone split -> TXT _domainconnect.{zone}
 * -> guarded GET https://{txt}/v2/{zone}/settings, and the template support
 * query.
 *
 * Decisions beyond net.h:
 *   - SOA-walk mode (DC_ZONE_SOA): the public suffix list still gives the
 *     registrable domain, the highest name the walk may reach (a public
 *     suffix is never a zone here). Candidates are the full name and each
 *     name obtained by stripping one more label, down to (but not including)
 *     the registrable domain, at most DC_MAX_SOA_WALK SOA queries. The first
 *     candidate owning an SOA is the zone; when none does (or the bound is
 *     reached first) the zone is the registrable domain, exactly as in PSL
 *     mode. A DNS failure during the walk (SERVFAIL, timeout, ...) ends
 *     discovery with that status: guessing a zone past a failure could pick
 *     the wrong provider.
 *   - The TXT is looked up at the name as given (absolute, no search list);
 *     CNAMEs are followed by the resolver. Identical RRs (e.g. through a
 *     CNAME) are one value; distinct ones are DC_E_TXT_MULTIPLE
 *     (dc_txt_select).
 *   - Settings: any 2xx is parsed; every other status is DC_E_HTTP_STATUS
 *     with the code in the detail (dc_client_http_status() has it too).
 *   - Template query: a 2xx body is inspected for {"version": N} (N an
 *     integer >= 0, or a decimal string); anything else (empty, not JSON, a
 *     full template without "version") still means supported, version -1. */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/validate.h"
#include "proto/settings.h"
#include "dns/resolver.h"
#include "domainconnect/names.h"
#include "domainconnect/net.h"
#include "discovery/discover_steps.h"
#include "http/transport.h"

/* Room for "https://" + TXT value + "/v2/" + encoded zone + "/settings". */
#define SETTINGS_URL_MAX (DC_MAX_TXT_VALUE + 3 * DC_MAX_NAME_LEN + 64)
/* Room for urlAPI + the template path with two dc-ids. */
#define TEMPLATE_URL_MAX (DC_MAX_URL_LEN + 256)

/* ---- steps (discover_steps.h) */

/* Number of labels of a non-empty host part ("a.b" -> 2, "" -> 0). */
static size_t count_labels(const char *host)
{
  if (host[0] == '\0') return 0;
  size_t n = 1;
  for (const char *p = host; *p != '\0'; p++)
    if (*p == '.') n++;
  return n;
}

void dci_disc_init(dci_disc *d)
{
  memset(d, 0, sizeof *d);
}

void dci_disc_free(dci_disc *d)
{
  if (d == NULL) return;
  free(d->pzone);
  free(d->phost);
  free(d->full);
  free(d->zone);
  free(d->host);
  free(d->txt_name);
  free(d->txt);
  free(d->url);
  memset(d, 0, sizeof *d);
}

/* Fixes the zone: the SOA walk's `found` (a suffix of d->full), or the PSL
 * answer when NULL. */
static dc_status set_zone(dc_client *c, dci_disc *d, const char *found)
{
  if (found == NULL) {
    /* No cut below the registrable domain: the PSL answer stands. */
    d->zone = dci_strdup(d->pzone);
    d->host = dci_strdup(d->phost);
  } else {
    size_t hlen = found == d->full ? 0 : (size_t)(found - d->full) - 1;
    d->zone = dci_strdup(found);
    d->host = dci_strndup(d->full, hlen);
  }
  if (d->zone == NULL || d->host == NULL) {
    free(d->zone);
    free(d->host);
    d->zone = d->host = NULL;
    return dci_fail(c, DC_E_NOMEM, "discovery: out of memory");
  }
  return DC_OK;
}

/* SOA walk (docs/protocol.md §1.1: find the zone cut): candidates are
 * the full name and each name with one more label stripped, down to (not
 * including) the registrable domain, at most DC_MAX_SOA_WALK of them. */
dc_status dci_disc_start(dc_client *c, dci_disc *d, const char *domain,
                         const char **soa_name)
{
  dc_status status = DC_OK;
  dci_buf b;
  dci_buf_init(&b, DC_MAX_NAME_LEN + 1);
  *soa_name = NULL;
  DCI_TRY(dc_zone_split(c, domain, &d->pzone, &d->phost));
  if (c->cfg->zone_mode == DC_ZONE_SOA) {
    d->labels = count_labels(d->phost);
    if (d->labels > 0) {
      DCI_TRY(dci_buf_append_str(&b, d->phost));
      DCI_TRY(dci_buf_append_char(&b, '.'));
      DCI_TRY(dci_buf_append_str(&b, d->pzone));
      d->full = dci_buf_take(&b);
      if (d->full == NULL) { status = DC_E_NOMEM; goto done; }
      d->cand = d->full;
      d->step = 0;
      if (DC_MAX_SOA_WALK > 0) {
        *soa_name = d->cand;
        goto done;
      }
    }
  }
  status = set_zone(c, d, NULL);
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "discovery: out of memory");
  dci_buf_free(&b);
  return status;
}

dc_status dci_disc_soa(dc_client *c, dci_disc *d, bool has, const char **soa_name)
{
  *soa_name = NULL;
  if (d->cand == NULL) return dci_fail(c, DC_E_INTERNAL, "discovery: no SOA walk");
  if (has) return set_zone(c, d, d->cand);
  d->step++;
  if (d->step < d->labels && d->step < DC_MAX_SOA_WALK) {
    d->cand = strchr(d->cand, '.') + 1; /* labels remain above: a dot exists */
    *soa_name = d->cand;
    return DC_OK;
  }
  return set_zone(c, d, NULL);
}

dc_status dci_disc_txt_name(dc_client *c, dci_disc *d, const char **name)
{
  dc_status status = DC_OK;
  dci_buf nb;
  dci_buf_init(&nb, DC_MAX_NAME_LEN + 32);
  *name = NULL;
  DCI_TRY(dci_buf_append_str(&nb, "_domainconnect."));
  DCI_TRY(dci_buf_append_str(&nb, d->zone));
  free(d->txt_name);
  d->txt_name = dci_buf_take(&nb);
  if (d->txt_name == NULL) status = DC_E_NOMEM;
  *name = d->txt_name;
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "discovery: out of memory");
  dci_buf_free(&nb);
  return status;
}

/* TXT _domainconnect.{zone} -> canonical value (docs/protocol.md §1.2), then
 * GET https://{+_domainconnect}/v2/{domain}/settings (docs/protocol.md §1.3;
 * "+": the TXT value's path prefix is kept as is). The zone is an A-label
 * name, so encoding leaves it unchanged; it is done for form's sake. */
dc_status dci_disc_txt(dc_client *c, dci_disc *d, const dci_txt_answer *ans)
{
  dc_status status = DC_OK;
  dci_buf u;
  dci_buf_init(&u, SETTINGS_URL_MAX);
  if (ans->n == 0) {
    status = dci_fail(c, DC_E_NO_RECORD, "no TXT record at %s", d->txt_name);
    goto done;
  }
  DCI_TRY(dc_txt_select(c, ans->rrs, ans->n, &d->txt));
  DCI_TRY(dci_buf_append_str(&u, "https://"));
  DCI_TRY(dci_buf_append_str(&u, d->txt));
  DCI_TRY(dci_buf_append_str(&u, "/v2/"));
  DCI_TRY(dci_pct_encode(&u, d->zone, strlen(d->zone), false));
  DCI_TRY(dci_buf_append_str(&u, "/settings"));
  d->url = dci_buf_take(&u);
  if (d->url == NULL) status = DC_E_NOMEM;
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "discovery: out of memory");
  dci_buf_free(&u);
  return status;
}

void dci_disc_request(const dci_disc *d, dci_http_req *req)
{
  memset(req, 0, sizeof *req);
  req->method = "GET";
  req->url = d->url;
  req->max_body = DC_MAX_SETTINGS_BODY;
  req->total_timeout_ms = 0; /* the client's, or DC_DEFAULT_TOTAL_TIMEOUT_MS */
}

static bool is_2xx(long code) { return code >= 200 && code <= 299; }

dc_status dci_disc_settings(dc_client *c, dci_disc *d, const dci_http_resp *resp,
                            dc_settings **out)
{
  dc_status status = DC_OK;
  dc_settings *s = NULL;
  *out = NULL;
  if (!is_2xx(resp->status)) {
    /* docs/protocol.md §1.3: 404 = the provider does not host this zone (a
     * stale TXT); every non-2xx means "Domain Connect not available". */
    return dci_fail(c, DC_E_HTTP_STATUS, "settings: HTTP %ld from %s%s",
                    resp->status, d->url,
                    resp->status == 404 ? " (the provider does not host this zone)"
                                        : "");
  }
  DCI_TRY(dc_settings_parse(c, resp->body.data ? resp->body.data : "", resp->body.len,
                            d->zone, &s));
  s->host = d->host;
  d->host = NULL;
  *out = s;
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "discovery: out of memory");
  return status;
}

/* ---- the overall deadline */

void dci_disc_deadline_start(dc_client *c)
{
  dci_call_of(c)->deadline_us = dci_now_us() + (int64_t)dci_deadline_ms(c) * 1000;
}

static dc_status deadline_fail(dc_client *c, const char *domain, const char *step,
                               const char *prev)
{
  char safe[128];
  dci_sanitize(safe, sizeof safe, domain ? domain : "", domain ? strlen(domain) : 0, 100);
  return dci_fail(c, DC_E_TIMEOUT,
                  "discovery of %s: overall deadline of %ld ms exceeded (%s %s%s%s)", safe,
                  dci_deadline_ms(c), prev ? "during" : "before", step,
                  prev && prev[0] ? ": " : "", prev ? prev : "");
}

dc_status dci_disc_deadline_check(dc_client *c, const char *domain, const char *step)
{
  if (dci_deadline_left_ms(c) > 0) return DC_OK;
  return deadline_fail(c, domain, step, NULL);
}

dc_status dci_disc_deadline_status(dc_client *c, const char *domain, dc_status st,
                                   const char *step)
{
  /* The step's own timeout was cut to the time left, so it fires at (or
   * just after) the deadline; a few ms of slack cover the clocks. */
  if ((st != DC_E_TIMEOUT && st != DC_E_DNS_TIMEOUT) || dci_deadline_left_ms(c) > 5)
    return st;
  char prev[sizeof ((struct dci_call *)0)->err];
  snprintf(prev, sizeof prev, "%s", dc_client_error(c));
  if (strncmp(prev, "discovery of ", 13) == 0 && strstr(prev, "overall deadline") != NULL)
    return DC_E_TIMEOUT; /* already said */
  char cut[200];
  dci_sanitize(cut, sizeof cut, prev, strlen(prev), 160);
  return deadline_fail(c, domain, step, cut);
}

/* ---- public */

DC_API dc_status dc_discover(dc_client *c, const char *domain, dc_settings **out)
{
  dc_status status = DC_OK;
  dci_disc d;
  dci_txt_answer ans = {0};
  dci_http_resp resp;
  const char *step = NULL; /* for the deadline's detail */
  dci_disc_init(&d);
  dci_http_resp_init(&resp);

  if (out != NULL) *out = NULL;
  if (c == NULL) return DC_E_INVALID_ARG;
  dci_clear(c);
  dci_set_http_status(c, 0);
  memset(dci_call_of(c)->dnssec, 0, sizeof dci_call_of(c)->dnssec);
  dci_call_of(c)->dnssec_why[0] = '\0';
  if (domain == NULL || out == NULL) {
    status = dci_fail(c, DC_E_INVALID_ARG, "discover: NULL domain or out");
    goto done;
  }

  /* Every step below runs within the overall deadline: the DNS lookups on a
   * context whose DNS timeout is cut to the time left, the transport cuts
   * its own lookup, connect and total timeouts (docs/limits.md). */
  dci_disc_deadline_start(c);
  if (c->cfg->dnssec_policy != DC_DNSSEC_OFF) { /* docs/security.md §8 */
    status = dci_disc_validated(c, &d, domain, out, &step);
    goto done;
  }
  struct dci_config narrowed;
  dc_client ctx;
  const char *name = NULL;
  DCI_TRY(dci_disc_start(c, &d, domain, &name));
  while (name != NULL) {
    bool has = false;
    step = "the SOA walk";
    DCI_TRY(dci_disc_deadline_check(c, domain, step));
    DCI_TRY(dci_dns_has_soa(dci_deadline_dns(c, &narrowed, &ctx), name, &has, NULL));
    DCI_TRY(dci_disc_soa(c, &d, has, &name));
  }
  DCI_TRY(dci_disc_txt_name(c, &d, &name));
  step = "the TXT lookup";
  DCI_TRY(dci_disc_deadline_check(c, domain, step));
  DCI_TRY(dci_dns_txt(dci_deadline_dns(c, &narrowed, &ctx), name, &ans, NULL));
  DCI_TRY(dci_disc_txt(c, &d, &ans));
  dci_http_req req;
  dci_disc_request(&d, &req);
  step = "the settings request";
  DCI_TRY(dci_disc_deadline_check(c, domain, step));
  DCI_TRY(dci_http_perform(c, &req, &resp));
  DCI_TRY(dci_disc_settings(c, &d, &resp, out));
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "discovery: out of memory");
  if (status != DC_OK && step != NULL)
    status = dci_disc_deadline_status(c, domain, status, step);
  if (c != NULL) dci_call_of(c)->deadline_us = 0;
  dci_txt_answer_free(&ans);
  dci_http_resp_free(&resp);
  dci_disc_free(&d);
  return status;
}

/* {"version": N} from a template query body; -1 when absent or unusable. */
static long body_version(dc_client *c, const dci_http_resp *resp)
{
  json_t *root = NULL;
  long v = -1;
  if (resp->body.len == 0 || resp->body.data == NULL) return -1;
  if (dci_json_load(c, "template", resp->body.data, resp->body.len,
                    DC_MAX_TEMPLATE_BODY, true, false, &root) != DC_OK)
    return -1;
  json_t *jv = json_object_get(root, "version");
  if (json_is_integer(jv)) {
    json_int_t i = json_integer_value(jv);
    if (i >= 0 && i <= (json_int_t)0x7fffffff) v = (long)i;
  } else if (json_is_string(jv)) {
    const char *str = json_string_value(jv);
    size_t n = json_string_length(jv);
    if (n >= 1 && n <= 9) {
      long acc = 0;
      for (size_t i = 0; i < n && acc >= 0; i++)
        acc = dci_is_digit((unsigned char)str[i]) ? acc * 10 + (str[i] - '0') : -1;
      v = acc;
    }
  }
  json_decref(root);
  return v;
}

DC_API dc_status dc_check_template(dc_client *c, const dc_settings *s,
                                   const char *provider_id,
                                   const char *service_id, long *version)
{
  dc_status status = DC_OK;
  char *url = NULL;
  dci_http_resp resp;
  dci_buf u;
  dci_http_resp_init(&resp);
  dci_buf_init(&u, TEMPLATE_URL_MAX);

  if (version != NULL) *version = -1;
  if (c == NULL) return DC_E_INVALID_ARG;
  dci_clear(c);
  dci_set_http_status(c, 0);
  if (s == NULL || provider_id == NULL || service_id == NULL || s->url_api == NULL) {
    status = dci_fail(c, DC_E_INVALID_ARG,
                      "check template: NULL settings, provider id or service id");
    goto done;
  }
  if (!dci_valid_dc_id(provider_id) || !dci_valid_dc_id(service_id)) {
    const char *what = dci_valid_dc_id(provider_id) ? "service id" : "provider id";
    const char *id = dci_valid_dc_id(provider_id) ? service_id : provider_id;
    char safe[96];
    dci_sanitize(safe, sizeof safe, id, strlen(id), 64);
    status = dci_fail(c, DC_E_INVALID_ID,
                      "%s \"%s\" is not a dc-id (1..63 of A-Za-z0-9-_.)", what, safe);
    goto done;
  }

  /* docs/protocol.md §2.1: GET {urlAPI}/v2/domainTemplates/providers/{p}/services/{s}
   * (dc-ids need no encoding in a path segment). */
  DCI_TRY(dci_buf_append_str(&u, s->url_api));
  DCI_TRY(dci_buf_append_str(&u, "/v2/domainTemplates/providers/"));
  DCI_TRY(dci_buf_append_str(&u, provider_id));
  DCI_TRY(dci_buf_append_str(&u, "/services/"));
  DCI_TRY(dci_buf_append_str(&u, service_id));
  url = dci_buf_take(&u);
  if (url == NULL) { status = DC_E_NOMEM; goto done; }

  dci_http_req req = {
    .method = "GET",
    .url = url,
    .max_body = DC_MAX_TEMPLATE_BODY,
    .total_timeout_ms = 0,
  };
  DCI_TRY(dci_http_perform(c, &req, &resp));
  if (resp.status == 404) {
    status = dci_fail(c, DC_E_NOT_SUPPORTED,
                      "template %s/%s: HTTP 404 from %s (not supported)",
                      provider_id, service_id, url);
    goto done;
  }
  if (!is_2xx(resp.status)) {
    status = dci_fail(c, DC_E_HTTP_STATUS, "template %s/%s: HTTP %ld from %s",
                      provider_id, service_id, resp.status, url);
    goto done;
  }
  long v = body_version(c, &resp);
  dci_clear(c); /* a body that is not JSON is no failure */
  if (version != NULL) *version = v;
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "check template: out of memory");
  dci_http_resp_free(&resp);
  dci_buf_free(&u);
  free(url);
  return status;
}
