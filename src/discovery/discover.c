/* Discovery over the network (protocol notes 1.1-1.3, 2.1; security policy
 * 0.1, 4, 6): zone split -> TXT _domainconnect.{zone} -> guarded GET
 * https://{txt}/v2/{zone}/settings, and the template support query.
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
#include "discovery/settings_internal.h"
#include "dns/resolver.h"
#include "domainconnect/names.h"
#include "domainconnect/net.h"
#include "http/transport.h"

/* Room for "https://" + TXT value + "/v2/" + encoded zone + "/settings". */
#define SETTINGS_URL_MAX (DC_MAX_TXT_VALUE + 3 * DC_MAX_NAME_LEN + 64)
/* Room for urlAPI + the template path with two dc-ids. */
#define TEMPLATE_URL_MAX (DC_MAX_URL_LEN + 256)

/* ---- zone split */

/* Number of labels of a non-empty host part ("a.b" -> 2, "" -> 0). */
static size_t count_labels(const char *host)
{
  if (host[0] == '\0') return 0;
  size_t n = 1;
  for (const char *p = host; *p != '\0'; p++)
    if (*p == '.') n++;
  return n;
}

/* SOA walk (protocol notes 1.1 [ADVICE]: find the zone cut). `pzone` and
 * `phost` are the PSL split of the normalised name; on success *zone and
 * *host replace them (new strings). */
static dc_status soa_walk(dc_client *c, const char *pzone, const char *phost,
                          char **zone, char **host)
{
  dc_status status = DC_OK;
  char *full = NULL;
  dci_buf b;
  dci_buf_init(&b, DC_MAX_NAME_LEN + 1);
  *zone = NULL;
  *host = NULL;

  size_t labels = count_labels(phost);
  const char *found = NULL; /* points into `full` */
  if (labels > 0) {
    DCI_TRY(dci_buf_append_str(&b, phost));
    DCI_TRY(dci_buf_append_char(&b, '.'));
    DCI_TRY(dci_buf_append_str(&b, pzone));
    full = dci_buf_take(&b);
    if (full == NULL) { status = DC_E_NOMEM; goto done; }
    const char *cand = full;
    for (size_t step = 0; step < labels && step < DC_MAX_SOA_WALK; step++) {
      bool has = false;
      DCI_TRY(dci_dns_has_soa(c, cand, &has, NULL));
      if (has) {
        found = cand;
        break;
      }
      cand = strchr(cand, '.') + 1; /* labels remain above: a dot exists */
    }
  }
  if (found == NULL) {
    /* No cut below the registrable domain: the PSL answer stands. */
    *zone = dci_strdup(pzone);
    *host = dci_strdup(phost);
  } else {
    size_t hlen = found == full ? 0 : (size_t)(found - full) - 1;
    *zone = dci_strdup(found);
    *host = dci_strndup(full, hlen);
  }
  if (*zone == NULL || *host == NULL) {
    free(*zone);
    free(*host);
    *zone = *host = NULL;
    status = DC_E_NOMEM;
  }
done:
  free(full);
  dci_buf_free(&b);
  return status;
}

static dc_status split_zone(dc_client *c, const char *domain, char **zone,
                            char **host)
{
  dc_status status = DC_OK;
  char *pzone = NULL, *phost = NULL;
  *zone = *host = NULL;
  DCI_TRY(dc_zone_split(c, domain, &pzone, &phost));
  if (c->zone_mode == DC_ZONE_SOA) {
    DCI_TRY(soa_walk(c, pzone, phost, zone, host));
  } else {
    *zone = pzone;
    *host = phost;
    pzone = phost = NULL;
  }
done:
  free(pzone);
  free(phost);
  return status;
}

/* ---- helpers */

/* TXT _domainconnect.{zone} -> canonical value (protocol notes 1.2). */
static dc_status lookup_txt(dc_client *c, const char *zone, char **value)
{
  dc_status status = DC_OK;
  dci_txt_answer ans = {0};
  dci_buf name;
  dci_buf_init(&name, DC_MAX_NAME_LEN + 32);
  *value = NULL;
  DCI_TRY(dci_buf_append_str(&name, "_domainconnect."));
  DCI_TRY(dci_buf_append_str(&name, zone));
  DCI_TRY(dci_dns_txt(c, name.data, &ans, NULL));
  if (ans.n == 0) {
    status = dci_fail(c, DC_E_NO_RECORD, "no TXT record at %s", name.data);
    goto done;
  }
  status = dc_txt_select(c, ans.rrs, ans.n, value);
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "discovery: out of memory");
  dci_txt_answer_free(&ans);
  dci_buf_free(&name);
  return status;
}

static bool is_2xx(long code) { return code >= 200 && code <= 299; }

/* ---- public */

DC_API dc_status dc_discover(dc_client *c, const char *domain, dc_settings **out)
{
  dc_status status = DC_OK;
  char *zone = NULL, *host = NULL, *txt = NULL, *url = NULL;
  dc_settings *s = NULL;
  dci_http_resp resp;
  dci_buf u;
  dci_http_resp_init(&resp);
  dci_buf_init(&u, SETTINGS_URL_MAX);

  if (out != NULL) *out = NULL;
  if (c == NULL) return DC_E_INVALID_ARG;
  dci_clear(c);
  c->http_status = 0;
  if (domain == NULL || out == NULL) {
    status = dci_fail(c, DC_E_INVALID_ARG, "discover: NULL domain or out");
    goto done;
  }

  DCI_TRY(split_zone(c, domain, &zone, &host));
  DCI_TRY(lookup_txt(c, zone, &txt));

  /* GET https://{+_domainconnect}/v2/{domain}/settings (protocol notes 1.3;
   * "+": the TXT value's path prefix is kept as is). The zone is an A-label
   * name, so encoding leaves it unchanged; it is done for form's sake. */
  DCI_TRY(dci_buf_append_str(&u, "https://"));
  DCI_TRY(dci_buf_append_str(&u, txt));
  DCI_TRY(dci_buf_append_str(&u, "/v2/"));
  DCI_TRY(dci_pct_encode(&u, zone, strlen(zone), false));
  DCI_TRY(dci_buf_append_str(&u, "/settings"));
  url = dci_buf_take(&u);
  if (url == NULL) { status = DC_E_NOMEM; goto done; }

  dci_http_req req = {
    .method = "GET",
    .url = url,
    .max_body = DC_MAX_SETTINGS_BODY,
    .total_timeout_ms = 0, /* the client's, or DC_DEFAULT_TOTAL_TIMEOUT_MS */
  };
  DCI_TRY(dci_http_perform(c, &req, &resp));
  if (!is_2xx(resp.status)) {
    /* Protocol notes 1.3: 404 = the provider does not host this zone (a
     * stale TXT); every non-2xx means "Domain Connect not available". */
    status = dci_fail(c, DC_E_HTTP_STATUS, "settings: HTTP %ld from %s%s",
                      resp.status, url,
                      resp.status == 404 ? " (the provider does not host this zone)"
                                         : "");
    goto done;
  }
  DCI_TRY(dc_settings_parse(c, resp.body.data ? resp.body.data : "", resp.body.len,
                            zone, &s));
  s->host = host;
  host = NULL;
  *out = s;
  s = NULL;
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "discovery: out of memory");
  dc_settings_free(s);
  dci_http_resp_free(&resp);
  dci_buf_free(&u);
  free(zone);
  free(host);
  free(txt);
  free(url);
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
  c->http_status = 0;
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

  /* Protocol notes 2.1: GET {urlAPI}/v2/domainTemplates/providers/{p}/services/{s}
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
