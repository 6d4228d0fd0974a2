/* Fuzz target: the settings document parser. The input is parsed without a
 * zone and with one; on success every getter is read and the document is
 * serialised, parsed again and compared (the round trip must hold). The raw
 * document must be the input, and the unknown members
 * (dc_settings_unknown_json, a scanner over the raw text) must be a JSON
 * object without a known member, holding every unknown one of the input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "domainconnect/dc.h"

static const char *const k_known[] = {
  "providerId", "providerName", "providerDisplayName", "urlSyncUX", "urlAsyncUX",
  "urlAPI", "urlControlPanel", "width", "height", "nameServers",
};

static bool known(const char *k)
{
  for (size_t i = 0; i < sizeof k_known / sizeof k_known[0]; i++)
    if (strcmp(k, k_known[i]) == 0) return true;
  return false;
}

/* The raw text is the input; the unknown members parse as an object whose
 * members are exactly the input's unknown ones, with equal values. */
static void check_raw_and_unknown(const dc_settings *s, const char *json, size_t len)
{
  size_t rlen = 0;
  const char *raw = dc_settings_raw_json(s, &rlen);
  if (raw == NULL || rlen != len || memcmp(raw, json, len) != 0 || raw[len] != '\0')
    abort();
  char *unk = NULL;
  if (dc_settings_unknown_json(s, &unk) != DC_OK) abort();
  json_error_t err;
  json_t *u = json_loads(unk, 0, &err);
  json_t *all = json_loadb(json, len, 0, &err);
  if (u == NULL || !json_is_object(u) || all == NULL) abort();
  const char *k;
  json_t *v;
  size_t n_unknown = 0;
  json_object_foreach(all, k, v) {
    if (known(k)) continue;
    n_unknown++;
    json_t *got = json_object_get(u, k);
    if (got == NULL || !json_equal(got, v)) abort();
  }
  if (json_object_size(u) != n_unknown) abort();
  json_decref(u);
  json_decref(all);
  dc_free(unk);
}

static bool same_str(const char *a, const char *b)
{
  if (a == NULL || b == NULL) return a == b;
  return strcmp(a, b) == 0;
}

static bool same(const dc_settings *a, const dc_settings *b)
{
  if (!same_str(dc_settings_provider_id(a), dc_settings_provider_id(b)) ||
      !same_str(dc_settings_provider_name(a), dc_settings_provider_name(b)) ||
      !same_str(dc_settings_provider_display_name(a), dc_settings_provider_display_name(b)) ||
      !same_str(dc_settings_url_sync_ux(a), dc_settings_url_sync_ux(b)) ||
      !same_str(dc_settings_url_async_ux(a), dc_settings_url_async_ux(b)) ||
      !same_str(dc_settings_url_api(a), dc_settings_url_api(b)) ||
      !same_str(dc_settings_url_control_panel(a), dc_settings_url_control_panel(b)) ||
      !same_str(dc_settings_zone(a), dc_settings_zone(b)) ||
      dc_settings_width(a) != dc_settings_width(b) ||
      dc_settings_height(a) != dc_settings_height(b) ||
      dc_settings_name_server_count(a) != dc_settings_name_server_count(b))
    return false;
  for (size_t i = 0; i < dc_settings_name_server_count(a); i++)
    if (!same_str(dc_settings_name_server(a, i), dc_settings_name_server(b, i))) return false;
  return dc_settings_name_server(a, dc_settings_name_server_count(a)) == NULL;
}

static void one(dc_client *c, const char *json, size_t len, const char *zone)
{
  dc_settings *s = NULL, *back = NULL;
  char *out = NULL;
  if (dc_settings_parse(c, json, len, zone, &s) != DC_OK) return;
  /* required fields are always there */
  if (dc_settings_provider_id(s) == NULL || dc_settings_provider_name(s) == NULL ||
      dc_settings_url_api(s) == NULL)
    abort();
  check_raw_and_unknown(s, json, len);
  if (dc_settings_to_json(s, &out) != DC_OK) abort();
  if (dc_settings_parse(c, out, strlen(out), dc_settings_zone(s), &back) != DC_OK) abort();
  if (!same(s, back)) abort();
  dc_free(out);
  dc_settings_free(back);
  dc_settings_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  dc_client *c = NULL;
  if (dc_client_new(&c) != DC_OK) return 0;
  one(c, (const char *)data, size, NULL);
  one(c, (const char *)data, size, "m\xc3\xbcnchen.example");
  (void)dc_client_error(c);
  dc_client_free(c);
  return 0;
}
