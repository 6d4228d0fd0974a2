/* The settings document (docs/protocol.md §1.3; IETF draft "DNS Provider
 * Discovery", settings table; docs/security.md §4.3 for the URL fields and
 * §4.4 for the others). */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/validate.h"
#include "proto/settings.h"
#include "domainconnect/names.h"
#include "domainconnect/net.h" /* dc_settings_host */
#include "guard/url_rules.h"

/* The one substitution token of urlControlPanel (IETF draft: "%domain%" is
 * the only token; it takes the percent-encoded ACE zone). */
#define DOMAIN_TOKEN "%domain%"
/* Stands in for the zone when urlControlPanel is checked without one. */
#define PLACEHOLDER_ZONE "example.com"

/* Looks up a member; JSON null counts as absent (providers emit
 * "urlAsyncUX": null for "not offered"). */
static json_t *member(json_t *root, const char *key)
{
  json_t *v = json_object_get(root, key);
  return (v == NULL || json_is_null(v)) ? NULL : v;
}

/* A string member: *val is NULL when absent (then MISSING if required). */
static dc_status get_string(dc_client *c, json_t *root, const char *key,
                            bool required, const char **val)
{
  *val = NULL;
  json_t *v = member(root, key);
  if (v == NULL) {
    if (!required) return DC_OK;
    return dci_fail(c, DC_E_SETTINGS_MISSING, "settings: required field %s is missing",
                    key);
  }
  if (!json_is_string(v))
    return dci_fail(c, DC_E_SETTINGS_TYPE, "settings: %s is not a string", key);
  *val = json_string_value(v);
  return DC_OK;
}

/* dc-display-name (IETF draft "Terminology"): 1..255 Unicode Assignables
 * (RFC 9839 4.3). Stricter: tab, CR and LF are refused as well, since the
 * name is shown to users. jansson has already checked the UTF-8. */
static const char *display_name_problem(const char *s)
{
  size_t chars = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p != '\0') {
    uint32_t cp;
    size_t n;
    if (p[0] < 0x80) { cp = p[0]; n = 1; }
    else if (p[0] < 0xe0) { cp = p[0] & 0x1fu; n = 2; }
    else if (p[0] < 0xf0) { cp = p[0] & 0x0fu; n = 3; }
    else { cp = p[0] & 0x07u; n = 4; }
    for (size_t i = 1; i < n; i++) {
      if ((p[i] & 0xc0) != 0x80) return "invalid UTF-8";
      cp = (cp << 6) | (p[i] & 0x3fu);
    }
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return "control character";
    if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffeu) == 0xfffeu)
      return "Unicode noncharacter";
    p += n;
    if (++chars > DC_MAX_DISPLAY_NAME) return "longer than 255 characters";
  }
  return chars == 0 ? "empty" : NULL;
}

static dc_status get_display_name(dc_client *c, json_t *root, const char *key,
                                  bool required, char **out)
{
  const char *v;
  dc_status st = get_string(c, root, key, required, &v);
  if (st != DC_OK || v == NULL) return st;
  const char *why = display_name_problem(v);
  if (why != NULL)
    return dci_fail(c, DC_E_SETTINGS_TYPE, "settings: %s is not a display name: %s",
                    key, why);
  *out = dci_strdup(v);
  return *out ? DC_OK : DC_E_NOMEM;
}

/* An https URL prefix field (urlAPI, urlSyncUX, urlAsyncUX). */
static dc_status get_url(dc_client *c, json_t *root, const char *key,
                         bool required, char **out)
{
  const char *v;
  dc_status st = get_string(c, root, key, required, &v);
  if (st != DC_OK || v == NULL) return st;
  return dci_check_https_url(c, key, v, false, out);
}

/* Replaces every "%domain%" in `tmpl` by the percent-encoded `zone`. */
static dc_status fill_domain(const char *tmpl, const char *zone, char **out)
{
  dc_status status = DC_OK;
  dci_buf b;
  /* One byte over the URL cap: the URL check then reports the length. */
  dci_buf_init(&b, DC_MAX_URL_LEN + 1);
  const size_t toklen = sizeof DOMAIN_TOKEN - 1;
  const char *p = tmpl;
  for (;;) {
    const char *hit = strstr(p, DOMAIN_TOKEN);
    if (hit == NULL) break;
    DCI_TRY(dci_buf_append(&b, p, (size_t)(hit - p)));
    DCI_TRY(dci_pct_encode(&b, zone, strlen(zone), false));
    p = hit + toklen;
  }
  DCI_TRY(dci_buf_append_str(&b, p));
  *out = dci_buf_take(&b);
  if (*out == NULL) status = DC_E_NOMEM;
done:
  dci_buf_free(&b);
  return status;
}

/* urlControlPanel (IETF draft: after substitution an https URI;
 * docs/security.md §4.3: same checks as the other URLs). A query is
 * allowed. With a zone the filled URL is checked and stored in canonical
 * form; without one a copy filled with a placeholder is checked and the
 * value is kept as given, token included. */
static dc_status get_control_panel(dc_client *c, json_t *root, const char *zone,
                                   char **out)
{
  static const char key[] = "urlControlPanel";
  dc_status status = DC_OK;
  char *filled = NULL, *canon = NULL;
  const char *v;
  DCI_TRY(get_string(c, root, key, false, &v));
  if (v == NULL) goto done;
  if (strlen(v) > DC_MAX_URL_LEN) {
    /* Let the URL check word the refusal (it sees the long value). */
    status = dci_check_https_url(c, key, v, true, &canon);
    goto done;
  }
  status = fill_domain(v, zone ? zone : PLACEHOLDER_ZONE, &filled);
  if (status == DC_E_LIMIT) {
    status = dci_fail(c, DC_E_UNSAFE_URL, "%s: URL longer than %d bytes once %s is filled",
                      key, DC_MAX_URL_LEN, DOMAIN_TOKEN);
    goto done;
  }
  if (status != DC_OK) goto done;
  DCI_TRY(dci_check_https_url(c, key, filled, true, &canon));
  if (zone != NULL) {
    *out = canon;
    canon = NULL;
  } else {
    *out = dci_strdup(v);
    if (*out == NULL) status = DC_E_NOMEM;
  }
done:
  free(filled);
  free(canon);
  return status;
}

/* width / height: a JSON number (integral) or a decimal string such as
 * "800" (seen in the wild), 1..DC_MAX_WINDOW_SIZE; absent means
 * DC_DEFAULT_WINDOW_SIZE (spec: "the default MUST be assumed to be 750"). */
static dc_status get_window_size(dc_client *c, json_t *root, const char *key,
                                 long *out)
{
  *out = DC_DEFAULT_WINDOW_SIZE;
  json_t *v = member(root, key);
  if (v == NULL) return DC_OK;
  long val = -1;
  if (json_is_integer(v)) {
    json_int_t x = json_integer_value(v);
    if (x >= 1 && x <= DC_MAX_WINDOW_SIZE) val = (long)x;
  } else if (json_is_real(v)) {
    double d = json_real_value(v);
    if (d >= 1.0 && d <= (double)DC_MAX_WINDOW_SIZE && (double)(long)d == d)
      val = (long)d;
  } else if (json_is_string(v)) {
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n >= 1 && n <= 5) {
      val = 0;
      for (size_t i = 0; i < n; i++) {
        if (!dci_is_digit((unsigned char)s[i])) { val = -1; break; }
        val = val * 10 + (s[i] - '0');
      }
      if (val < 1 || val > DC_MAX_WINDOW_SIZE) val = -1;
    }
  } else {
    return dci_fail(c, DC_E_SETTINGS_TYPE,
                    "settings: %s is neither a number nor a decimal string", key);
  }
  if (val < 0)
    return dci_fail(c, DC_E_SETTINGS_TYPE, "settings: %s is not an integer in 1..%d",
                    key, DC_MAX_WINDOW_SIZE);
  *out = val;
  return DC_OK;
}

/* nameServers: array of host names (IETF draft: domain-name syntax). Kept
 * in lower case without a trailing dot. */
static dc_status get_name_servers(dc_client *c, json_t *root, dc_settings *s)
{
  static const char key[] = "nameServers";
  json_t *v = member(root, key);
  if (v == NULL) return DC_OK;
  if (!json_is_array(v))
    return dci_fail(c, DC_E_SETTINGS_TYPE, "settings: %s is not an array", key);
  size_t n = json_array_size(v);
  if (n > DC_MAX_NAME_SERVERS)
    return dci_fail(c, DC_E_LIMIT, "settings: %s has %zu entries, limit %d", key, n,
                    DC_MAX_NAME_SERVERS);
  if (n == 0) return DC_OK;
  s->name_servers = calloc(n + 1, sizeof *s->name_servers);
  if (s->name_servers == NULL) return DC_E_NOMEM;
  for (size_t i = 0; i < n; i++) {
    json_t *e = json_array_get(v, i);
    if (!json_is_string(e))
      return dci_fail(c, DC_E_SETTINGS_TYPE, "settings: %s[%zu] is not a string", key, i);
    const char *str = json_string_value(e);
    size_t len = json_string_length(e);
    const char *why = dci_hostname_problem(str, len, false);
    if (why != NULL) {
      char safe[96];
      dci_sanitize(safe, sizeof safe, str, len, 80);
      return dci_fail(c, DC_E_SETTINGS_TYPE, "settings: %s[%zu] \"%s\": %s", key, i,
                      safe, why);
    }
    if (str[len - 1] == '.') len--;
    char *copy = dci_strndup(str, len);
    if (copy == NULL) return DC_E_NOMEM;
    for (size_t k = 0; k < len; k++) copy[k] = (char)dci_lower((unsigned char)copy[k]);
    s->name_servers[i] = copy;
    s->n_name_servers = i + 1;
  }
  return DC_OK;
}

DC_API dc_status dc_settings_parse(dc_client *c, const char *json, size_t len,
                                   const char *zone, dc_settings **out)
{
  dc_status status = DC_OK;
  json_t *root = NULL;
  dc_settings *s = NULL;
  char *nzone = NULL;
  dci_clear(c);
  if (out != NULL) *out = NULL;
  if (out == NULL || (json == NULL && len > 0))
    return dci_fail(c, DC_E_INVALID_ARG, "settings: NULL argument");

  if (zone != NULL) DCI_TRY(dc_domain_normalize(c, zone, &nzone));
  DCI_TRY(dci_json_load(c, "settings", json ? json : "", len, DC_MAX_SETTINGS_JSON,
                        true, false, &root));

  s = calloc(1, sizeof *s);
  if (s == NULL) { status = DC_E_NOMEM; goto done; }
  s->zone = nzone;
  nzone = NULL;

  /* Required fields first, in the spec's table order. */
  const char *id;
  DCI_TRY(get_string(c, root, "providerId", true, &id));
  if (!dci_valid_dc_id(id)) {
    char safe[96];
    dci_sanitize(safe, sizeof safe, id, strlen(id), 80);
    status = dci_fail(c, DC_E_SETTINGS_TYPE,
                      "settings: providerId \"%s\" is not a dc-id (1..63 of A-Za-z0-9-_.)",
                      safe);
    goto done;
  }
  s->provider_id = dci_strdup(id);
  if (s->provider_id == NULL) { status = DC_E_NOMEM; goto done; }
  DCI_TRY(get_display_name(c, root, "providerName", true, &s->provider_name));
  DCI_TRY(get_url(c, root, "urlAPI", true, &s->url_api));

  DCI_TRY(get_display_name(c, root, "providerDisplayName", false,
                           &s->provider_display_name));
  DCI_TRY(get_url(c, root, "urlSyncUX", false, &s->url_sync_ux));
  DCI_TRY(get_url(c, root, "urlAsyncUX", false, &s->url_async_ux));
  DCI_TRY(get_control_panel(c, root, s->zone, &s->url_control_panel));
  DCI_TRY(get_window_size(c, root, "width", &s->width));
  DCI_TRY(get_window_size(c, root, "height", &s->height));
  DCI_TRY(get_name_servers(c, root, s));
  /* Any other member is ignored (IETF draft: clients MUST ignore unknown
   * properties), but kept with the document: dc_settings_raw_json and
   * dc_settings_unknown_json give them back as they came. */
  s->raw = dci_strndup(json ? json : "", len);
  if (s->raw == NULL) { status = DC_E_NOMEM; goto done; }
  s->raw_len = len;

  *out = s;
  s = NULL;
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "settings: out of memory");
  json_decref(root);
  dc_settings_free(s);
  free(nzone);
  return status;
}

DC_API void dc_settings_free(dc_settings *s)
{
  if (s == NULL) return;
  free(s->provider_id);
  free(s->provider_name);
  free(s->provider_display_name);
  free(s->url_sync_ux);
  free(s->url_async_ux);
  free(s->url_api);
  free(s->url_control_panel);
  free(s->zone);
  free(s->host);
  free(s->raw);
  if (s->name_servers != NULL) {
    for (size_t i = 0; i < s->n_name_servers; i++) free(s->name_servers[i]);
    free(s->name_servers);
  }
  free(s);
}

DCI_GETTER(const char *, dc_settings_provider_id, dc_settings, provider_id, NULL)
DCI_GETTER(const char *, dc_settings_provider_name, dc_settings, provider_name, NULL)
DCI_GETTER(const char *, dc_settings_provider_display_name, dc_settings, provider_display_name, NULL)
DCI_GETTER(const char *, dc_settings_url_sync_ux, dc_settings, url_sync_ux, NULL)
DCI_GETTER(const char *, dc_settings_url_async_ux, dc_settings, url_async_ux, NULL)
DCI_GETTER(const char *, dc_settings_url_api, dc_settings, url_api, NULL)
DCI_GETTER(const char *, dc_settings_url_control_panel, dc_settings, url_control_panel, NULL)
DCI_GETTER(const char *, dc_settings_zone, dc_settings, zone, NULL)

/* net.h: filled by dc_discover (src/discovery/discover.c). */
DCI_GETTER(const char *, dc_settings_host, dc_settings, host, NULL)
DCI_GETTER(long, dc_settings_width, dc_settings, width, 0)
DCI_GETTER(long, dc_settings_height, dc_settings, height, 0)
DCI_GETTER(size_t, dc_settings_name_server_count, dc_settings, n_name_servers, 0)

DC_API const char *dc_settings_name_server(const dc_settings *s, size_t i)
{
  return (s != NULL && i < s->n_name_servers) ? s->name_servers[i] : NULL;
}

/* Adds key: string when the value is present. */
static dc_status put_str(json_t *o, const char *key, const char *val)
{
  if (val == NULL) return DC_OK;
  return json_object_set_new(o, key, json_string(val)) == 0 ? DC_OK : DC_E_NOMEM;
}

DC_API dc_status dc_settings_to_json(const dc_settings *s, char **out)
{
  dc_status status = DC_OK;
  json_t *o = NULL, *ns = NULL;
  if (out != NULL) *out = NULL;
  if (s == NULL || out == NULL) return DC_E_INVALID_ARG;
  o = json_object();
  if (o == NULL) { status = DC_E_NOMEM; goto done; }
  DCI_TRY(put_str(o, "providerId", s->provider_id));
  DCI_TRY(put_str(o, "providerName", s->provider_name));
  DCI_TRY(put_str(o, "providerDisplayName", s->provider_display_name));
  DCI_TRY(put_str(o, "urlSyncUX", s->url_sync_ux));
  DCI_TRY(put_str(o, "urlAsyncUX", s->url_async_ux));
  DCI_TRY(put_str(o, "urlAPI", s->url_api));
  if (json_object_set_new(o, "width", json_integer(s->width)) != 0 ||
      json_object_set_new(o, "height", json_integer(s->height)) != 0) {
    status = DC_E_NOMEM;
    goto done;
  }
  DCI_TRY(put_str(o, "urlControlPanel", s->url_control_panel));
  if (s->n_name_servers > 0) {
    ns = json_array();
    if (ns == NULL) { status = DC_E_NOMEM; goto done; }
    for (size_t i = 0; i < s->n_name_servers; i++) {
      if (json_array_append_new(ns, json_string(s->name_servers[i])) != 0) {
        status = DC_E_NOMEM;
        goto done;
      }
    }
    int rc = json_object_set_new(o, "nameServers", ns);
    ns = NULL; /* set_new took it, also on failure */
    if (rc != 0) { status = DC_E_NOMEM; goto done; }
  }
  /* Serialise into our own malloc'd buffer (an application may have given
   * jansson other allocation functions; dc_free() must release *out). */
  size_t need = json_dumpb(o, NULL, 0, JSON_COMPACT);
  if (need == 0) { status = DC_E_NOMEM; goto done; }
  char *txt = malloc(need + 1);
  if (txt == NULL) { status = DC_E_NOMEM; goto done; }
  if (json_dumpb(o, txt, need, JSON_COMPACT) != need) {
    free(txt);
    status = DC_E_INTERNAL;
    goto done;
  }
  txt[need] = '\0';
  *out = txt;
done:
  json_decref(ns);
  json_decref(o);
  return status;
}

DC_API const char *dc_settings_raw_json(const dc_settings *s, size_t *len)
{
  if (len != NULL) *len = s ? s->raw_len : 0;
  return s ? s->raw : NULL;
}

/* ---- the members we do not know, as they came (dc_settings_unknown_json).
 * The raw document has already parsed (jansson, duplicates refused), so a
 * token scanner is enough here: it finds each top-level member's key and
 * value spans, and copies the unknown ones byte for byte, minus the
 * whitespace between tokens (the CLI prints one line). */

/* The spec's settings members (IETF draft, settings table). */
static const char *const k_known_members[] = {
  "providerId", "providerName", "providerDisplayName", "urlSyncUX", "urlAsyncUX",
  "urlAPI", "urlControlPanel", "width", "height", "nameServers",
};

static bool json_ws(char ch)
{
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static size_t skip_ws(const char *t, size_t n, size_t i)
{
  while (i < n && json_ws(t[i])) i++;
  return i;
}

/* t[i] is '"': the index after the closing quote. */
static size_t string_end(const char *t, size_t n, size_t i)
{
  for (i++; i < n && t[i] != '"'; i++)
    if (t[i] == '\\') i++;
  return i < n ? i + 1 : n;
}

/* The index after the value that starts at t[i]. */
static size_t value_end(const char *t, size_t n, size_t i)
{
  if (i >= n) return n;
  if (t[i] == '"') return string_end(t, n, i);
  if (t[i] != '{' && t[i] != '[') {
    while (i < n && t[i] != ',' && t[i] != '}' && t[i] != ']' && !json_ws(t[i])) i++;
    return i;
  }
  size_t depth = 0;
  while (i < n) {
    if (t[i] == '"') {
      i = string_end(t, n, i);
      continue;
    }
    if (t[i] == '{' || t[i] == '[') depth++;
    if ((t[i] == '}' || t[i] == ']') && --depth == 0) return i + 1;
    i++;
  }
  return n;
}

/* t[a..e) without the whitespace between tokens. */
static dc_status append_compact(dci_buf *b, const char *t, size_t a, size_t e)
{
  dc_status status = DC_OK;
  while (a < e) {
    if (t[a] == '"') {
      size_t end = string_end(t, e, a);
      DCI_TRY(dci_buf_append(b, t + a, end - a));
      a = end;
    } else {
      if (!json_ws(t[a])) DCI_TRY(dci_buf_append_char(b, t[a]));
      a++;
    }
  }
done:
  return status;
}

/* Is the key token t[a..e) (quotes included, maybe escaped) a known member? */
static dc_status key_known(const char *t, size_t a, size_t e, bool *known)
{
  *known = false;
  json_error_t err;
  json_t *k = json_loadb(t + a, e - a, JSON_DECODE_ANY, &err);
  if (k == NULL || !json_is_string(k)) {
    json_decref(k);
    return DC_E_NOMEM; /* the document parsed before: only memory can fail */
  }
  const char *name = json_string_value(k);
  for (size_t i = 0; i < sizeof k_known_members / sizeof k_known_members[0]; i++)
    if (strcmp(name, k_known_members[i]) == 0 && strlen(name) == json_string_length(k))
      *known = true;
  json_decref(k);
  return DC_OK;
}

DC_API dc_status dc_settings_unknown_json(const dc_settings *s, char **out)
{
  dc_status status = DC_OK;
  dci_buf b;
  dci_buf_init(&b, DC_MAX_SETTINGS_JSON + 2);
  if (out != NULL) *out = NULL;
  if (s == NULL || out == NULL || s->raw == NULL) return DC_E_INVALID_ARG;
  const char *t = s->raw;
  size_t n = s->raw_len, i = skip_ws(t, n, 0);
  bool first = true;
  DCI_TRY(dci_buf_append_char(&b, '{'));
  if (i < n && t[i] == '{') i++;
  for (;;) {
    i = skip_ws(t, n, i);
    if (i >= n || t[i] != '"') break; /* '}' of an empty object, or the end */
    size_t ka = i, ke = string_end(t, n, i);
    i = skip_ws(t, n, ke);
    if (i < n && t[i] == ':') i++;
    size_t va = skip_ws(t, n, i), ve = value_end(t, n, va);
    bool known;
    DCI_TRY(key_known(t, ka, ke, &known));
    if (!known) {
      if (!first) DCI_TRY(dci_buf_append_char(&b, ','));
      first = false;
      DCI_TRY(dci_buf_append(&b, t + ka, ke - ka));
      DCI_TRY(dci_buf_append_char(&b, ':'));
      DCI_TRY(append_compact(&b, t, va, ve));
    }
    i = skip_ws(t, n, ve);
    if (i >= n || t[i] != ',') break;
    i++;
  }
  DCI_TRY(dci_buf_append_char(&b, '}'));
  *out = dci_buf_take(&b);
  if (*out == NULL) status = DC_E_NOMEM;
done:
  dci_buf_free(&b);
  return status;
}
