/* The dc_request builder (request.h) and the content checks shared by the
 * URL builders (proto/request.h). */
#include <stdlib.h>
#include <string.h>

#include "core/validate.h"
#include "proto/names.h"
#include "domainconnect/names.h"
#include "proto/request.h"
#include "proto/settings.h"

/* ---- builder ------------------------------------------------------------ */

/* Length of `s`, looking at no more than max + 1 bytes. */
static size_t bounded_len(const char *s, size_t max)
{
  size_t n = 0;
  while (n <= max && s[n] != '\0') n++;
  return n;
}

/* Copies a value of at most DC_MAX_PARAM_VALUE bytes. */
static dc_status copy_value(const char *v, char **out)
{
  *out = NULL;
  size_t n = bounded_len(v, DC_MAX_PARAM_VALUE);
  if (n > DC_MAX_PARAM_VALUE) return DC_E_LIMIT;
  *out = dci_strndup(v, n);
  return *out ? DC_OK : DC_E_NOMEM;
}

/* Replaces *slot with a copy of v (NULL clears). The old value stays when
 * the copy fails, so a setter never half-fails. */
static dc_status set_field(char **slot, const char *v, bool secret)
{
  char *p = NULL;
  if (v != NULL) {
    dc_status st = copy_value(v, &p);
    if (st != DC_OK) return st;
  }
  if (secret) dci_free_secret(*slot);
  else free(*slot);
  *slot = p;
  return DC_OK;
}

static void list_clear(char **list, size_t *n)
{
  for (size_t i = 0; i < *n; i++) {
    free(list[i]);
    list[i] = NULL;
  }
  *n = 0;
}

/* Appends a copy of v (NULL clears the list). */
static dc_status list_add(char **list, size_t *n, const char *v)
{
  if (v == NULL) {
    list_clear(list, n);
    return DC_OK;
  }
  if (*n >= DC_MAX_IDS) return DC_E_LIMIT;
  char *p = NULL;
  dc_status st = copy_value(v, &p);
  if (st != DC_OK) return st;
  list[(*n)++] = p;
  return DC_OK;
}

DC_API dc_status dc_request_new(dc_request **out)
{
  if (out == NULL) return DC_E_INVALID_ARG;
  *out = calloc(1, sizeof **out);
  return *out ? DC_OK : DC_E_NOMEM;
}

DC_API void dc_request_free(dc_request *r)
{
  if (r == NULL) return;
  free(r->domain);
  free(r->provider_id);
  free(r->redirect_uri);
  dci_free_secret(r->state);
  free(r->provider_name);
  free(r->service_name);
  free(r->instance_id);
  free(r->client_id);
  list_clear(r->hosts, &r->n_hosts);
  list_clear(r->service_ids, &r->n_service_ids);
  list_clear(r->group_ids, &r->n_group_ids);
  for (size_t i = 0; i < r->n_vars; i++) {
    free(r->vars[i].name);
    free(r->vars[i].value);
  }
  free(r);
}

DC_API dc_status dc_request_set_domain(dc_request *r, const char *zone)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  return set_field(&r->domain, zone, false);
}

DC_API dc_status dc_request_set_host(dc_request *r, const char *host)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  char *p = NULL;
  if (host != NULL) {
    dc_status st = copy_value(host, &p);
    if (st != DC_OK) return st;
  }
  list_clear(r->hosts, &r->n_hosts);
  if (p != NULL) r->hosts[r->n_hosts++] = p;
  return DC_OK;
}

DC_API dc_status dc_request_add_host(dc_request *r, const char *host)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  return list_add(r->hosts, &r->n_hosts, host);
}

DC_API dc_status dc_request_set_provider_id(dc_request *r, const char *provider_id)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  return set_field(&r->provider_id, provider_id, false);
}

DC_API dc_status dc_request_set_service_id(dc_request *r, const char *service_id)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  if (service_id == NULL || r->n_service_ids == 0)
    return list_add(r->service_ids, &r->n_service_ids, service_id);
  return set_field(&r->service_ids[0], service_id, false);
}

DC_API dc_status dc_request_add_service_id(dc_request *r, const char *service_id)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  return list_add(r->service_ids, &r->n_service_ids, service_id);
}

DC_API dc_status dc_request_set_redirect_uri(dc_request *r, const char *uri)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  return set_field(&r->redirect_uri, uri, false);
}

DC_API dc_status dc_request_set_state(dc_request *r, const char *state)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  return set_field(&r->state, state, true);
}

DC_API dc_status dc_request_add_group_id(dc_request *r, const char *group_id)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  return list_add(r->group_ids, &r->n_group_ids, group_id);
}

DC_API dc_status dc_request_set_provider_name(dc_request *r, const char *name)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  return set_field(&r->provider_name, name, false);
}

DC_API dc_status dc_request_set_service_name(dc_request *r, const char *name)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  return set_field(&r->service_name, name, false);
}

DC_API dc_status dc_request_set_instance_id(dc_request *r, const char *instance_id)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  return set_field(&r->instance_id, instance_id, false);
}

DC_API dc_status dc_request_set_client_id(dc_request *r, const char *client_id)
{
  if (r == NULL) return DC_E_INVALID_ARG;
  return set_field(&r->client_id, client_id, false);
}

DC_API dc_status dc_request_set_param(dc_request *r, const char *name, const char *value)
{
  if (r == NULL || name == NULL) return DC_E_INVALID_ARG;
  if (bounded_len(name, DC_MAX_PARAM_NAME) > DC_MAX_PARAM_NAME) return DC_E_LIMIT;

  size_t at = r->n_vars;
  for (size_t i = 0; i < r->n_vars; i++) {
    if (strcmp(r->vars[i].name, name) == 0) {
      at = i;
      break;
    }
  }
  if (value == NULL) { /* remove, keeping the order of the others */
    if (at == r->n_vars) return DC_OK;
    free(r->vars[at].name);
    free(r->vars[at].value);
    memmove(&r->vars[at], &r->vars[at + 1],
            (r->n_vars - at - 1) * sizeof r->vars[0]);
    r->n_vars--;
    r->vars[r->n_vars].name = NULL;
    r->vars[r->n_vars].value = NULL;
    return DC_OK;
  }
  if (at < r->n_vars) return set_field(&r->vars[at].value, value, false);

  if (r->n_vars >= DC_MAX_PARAMS) return DC_E_LIMIT;
  char *n = NULL, *v = NULL;
  dc_status st = copy_value(value, &v);
  if (st != DC_OK) return st;
  n = dci_strdup(name);
  if (n == NULL) {
    free(v);
    return DC_E_NOMEM;
  }
  r->vars[r->n_vars].name = n;
  r->vars[r->n_vars].value = v;
  r->n_vars++;
  return DC_OK;
}

/* ---- content checks ----------------------------------------------------- */

static bool utf8_valid(const char *str, size_t len)
{
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < len) {
    unsigned char b = s[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    size_t need;
    uint32_t cp, min;
    if (b >= 0xC2 && b <= 0xDF) {
      need = 1; cp = b & 0x1Fu; min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2; cp = b & 0x0Fu; min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3; cp = b & 0x07u; min = 0x10000;
    } else {
      return false; /* continuation byte, C0/C1, F5..FF */
    }
    if (len - i - 1 < need) return false;
    for (size_t k = 1; k <= need; k++) {
      unsigned char cb = s[i + k];
      if ((cb & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cb & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += need + 1;
  }
  return true;
}

dc_status dci_request_zone(dc_client *c, const dc_request *r, char **zone)
{
  *zone = NULL;
  if (r->domain == NULL) return dci_fail(c, DC_E_INVALID_ARG, "no domain set");
  char *norm = NULL;
  dc_status st = dc_domain_normalize(c, r->domain, &norm);
  if (st == DC_E_NOMEM) return st;
  if (st != DC_OK) {
    /* keep the normaliser's own detail when it gave one */
    if (st == DC_E_INVALID_DOMAIN && dc_client_error(c)[0] != '\0') return st;
    return dci_fail(c, DC_E_INVALID_DOMAIN, "domain is not a valid domain name (%s)",
                    dc_status_name(st));
  }
  *zone = norm;
  return DC_OK;
}

dc_status dci_request_host(dc_client *c, const char *host, char **out)
{
  *out = NULL;
  size_t n = strlen(host);
  char *p = dci_strndup(host, n);
  if (p == NULL) return DC_E_NOMEM;
  for (size_t i = 0; i < n; i++) p[i] = (char)dci_lower((unsigned char)p[i]);
  if (dci_check_host_part(p) != DC_OK) {
    const char *why = dci_host_part_problem(p);
    char safe[96];
    dci_sanitize(safe, sizeof safe, p, n, 64);
    free(p);
    return dci_fail(c, DC_E_INVALID_HOST, "host \"%s\": %s", safe,
                    why ? why : "not a valid host name");
  }
  *out = p;
  return DC_OK;
}

dc_status dci_request_check_id(dc_client *c, const char *what, const char *id)
{
  if (dci_valid_dc_id(id)) return DC_OK;
  char safe[96];
  dci_sanitize(safe, sizeof safe, id, strlen(id), 64);
  return dci_fail(c, DC_E_INVALID_ID,
                  "%s \"%s\" is not a dc-id (1..63 of A-Za-z0-9-_.)", what, safe);
}

dc_status dci_request_check_vars(dc_client *c, const dc_request *r)
{
  for (size_t i = 0; i < r->n_vars; i++) {
    const struct dci_var *v = &r->vars[i];
    char safe[96];
    dci_sanitize(safe, sizeof safe, v->name, strlen(v->name), 64);
    if (!dci_valid_param_name(v->name))
      return dci_fail(c, DC_E_INVALID_PARAM,
                      "variable name \"%s\" is empty or has a byte outside "
                      "printable ASCII or one of = & # %%", safe);
    if (dci_is_reserved_param(v->name))
      return dci_fail(c, DC_E_RESERVED_PARAM,
                      "variable \"%s\" is a reserved protocol parameter", safe);
    if (!utf8_valid(v->value, strlen(v->value)))
      return dci_fail(c, DC_E_INVALID_PARAM,
                      "value of variable \"%s\" is not valid UTF-8", safe);
  }
  return DC_OK;
}

dc_status dci_request_check_redirect_uri(dc_client *c, const char *uri)
{
  static const char scheme[] = "https://";
  const size_t slen = sizeof scheme - 1;
  size_t n = strlen(uri);
  if (n > DC_MAX_URL_LEN)
    return dci_fail(c, DC_E_LIMIT, "redirect_uri is longer than %d bytes", DC_MAX_URL_LEN);
  /* An absolute https URL with an authority (RFC 3986 section 3). */
  if (n <= slen || memcmp(uri, scheme, slen) != 0 || uri[slen] == '/' ||
      uri[slen] == '?' || uri[slen] == '#')
    return dci_fail(c, DC_E_UNSAFE_URL,
                    "redirect_uri must be an absolute https:// URL with a host");
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)uri[i];
    if (ch <= 0x20 || ch >= 0x7f)
      return dci_fail(c, DC_E_UNSAFE_URL,
                      "redirect_uri has a space, control or non-ASCII byte at offset %zu", i);
    if (ch == '#') /* RFC 6749 section 3.1.2 */
      return dci_fail(c, DC_E_UNSAFE_URL, "redirect_uri must not have a fragment");
  }
  return DC_OK;
}

dc_status dci_request_url_args(dc_client *c, const dc_settings *s, const dc_request *r,
                               char **url)
{
  dci_clear(c);
  if (url == NULL) return dci_fail(c, DC_E_INVALID_ARG, "url is NULL");
  *url = NULL;
  if (s == NULL || r == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "settings or request is NULL");
  return DC_OK;
}

dc_status dci_request_url_needs(dc_client *c, const char *ux, dc_status ux_status,
                                const char *ux_name, const dc_request *r)
{
  if (ux == NULL)
    return dci_fail(c, ux_status, "the provider's settings have no %s", ux_name);
  if (r->provider_id == NULL) return dci_fail(c, DC_E_INVALID_ARG, "no provider id set");
  return DC_OK;
}

/* The settings' zone when the request has no domain, else the request's,
 * which must be the settings' zone when they know one. */
static dc_status target_zone(dc_client *c, const dc_settings *s, const dc_request *r,
                             char **zone)
{
  *zone = NULL;
  if (r->domain == NULL && s->zone == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "no domain set");
  if (r->domain == NULL) {
    *zone = dci_strdup(s->zone);
    return *zone ? DC_OK : DC_E_NOMEM;
  }
  dc_status st = dci_request_zone(c, r, zone);
  if (st != DC_OK || s->zone == NULL || strcmp(*zone, s->zone) == 0) return st;
  char safe[DC_MAX_NAME_LEN + 8];
  dci_sanitize(safe, sizeof safe, *zone, strlen(*zone), DC_MAX_NAME_LEN);
  free(*zone);
  *zone = NULL;
  return dci_fail(c, DC_E_SETTINGS_MISMATCH,
                  "request domain %s is not the zone the settings are for (%s)", safe,
                  s->zone);
}

dc_status dci_request_target(dc_client *c, const dc_settings *s, const dc_request *r,
                             char **zone, char **hosts, size_t *n_hosts)
{
  dc_status status = DC_OK;
  size_t n = 0;
  bool found = false;
  *n_hosts = 0;
  DCI_TRY(target_zone(c, s, r, zone));
  for (; n < r->n_hosts && n < DC_MAX_IDS; n++) {
    DCI_TRY(dci_request_host(c, r->hosts[n], &hosts[n]));
    if (s->host != NULL && strcmp(hosts[n], s->host) == 0) found = true;
  }
  /* dc_discover's host part (src/discovery): "" at the apex. */
  if (s->host != NULL && s->host[0] != '\0') {
    if (n == 0) {
      hosts[n] = dci_strdup(s->host);
      if (hosts[n] == NULL) { status = DC_E_NOMEM; goto done; }
      n++;
    } else if (!found) {
      status = dci_fail(c, DC_E_SETTINGS_MISMATCH,
                        "the settings were discovered for host %s of %s, which the "
                        "request's host%s do%s not name", s->host, *zone,
                        n > 1 ? "s" : "", n > 1 ? "" : "es");
      goto done;
    }
  }
  *n_hosts = n;
done:
  if (status != DC_OK) {
    for (size_t i = 0; i < n; i++) {
      free(hosts[i]);
      hosts[i] = NULL;
    }
    free(*zone);
    *zone = NULL;
  }
  return status;
}

/* Room for the URL prefix and path around the query. */
#define URL_MAX (DC_MAX_URL_LEN + 256 + DC_MAX_QUERY_LEN)

dc_status dci_request_url(const char *ux, const char *provider_id, const char *service,
                          const dci_buf *query, char **url)
{
  dc_status status = DC_OK;
  dci_buf u;
  dci_buf_init(&u, URL_MAX);
  DCI_TRY(dci_buf_append_str(&u, ux));
  DCI_TRY(dci_buf_append_str(&u, "/v2/domainTemplates/providers/"));
  DCI_TRY(dci_buf_append_str(&u, provider_id));
  if (service != NULL) {
    DCI_TRY(dci_buf_append_str(&u, "/services/"));
    DCI_TRY(dci_buf_append_str(&u, service));
    DCI_TRY(dci_buf_append_str(&u, "/apply"));
  }
  DCI_TRY(dci_buf_append_char(&u, '?'));
  DCI_TRY(dci_buf_append(&u, query->data, query->len));
  *url = dci_buf_take(&u);
  if (*url == NULL) status = DC_E_NOMEM;
done:
  dci_buf_free(&u);
  return status;
}

dc_status dci_request_check_vschar(dc_client *c, const char *what, const char *value)
{
  if (value[0] == '\0') return dci_fail(c, DC_E_INVALID_PARAM, "%s is empty", what);
  for (size_t i = 0; value[i] != '\0'; i++) {
    unsigned char ch = (unsigned char)value[i];
    if (ch < 0x20 || ch > 0x7e)
      return dci_fail(c, DC_E_INVALID_PARAM,
                      "%s has a byte outside printable ASCII at offset %zu", what, i);
  }
  return DC_OK;
}

dc_status dci_request_check_text(dc_client *c, const char *what, const char *value)
{
  if (utf8_valid(value, strlen(value))) return DC_OK;
  return dci_fail(c, DC_E_INVALID_PARAM, "%s is not valid UTF-8", what);
}
