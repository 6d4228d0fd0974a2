/* Fuzz target: dc_template_apply. The input is a template (a document, or
 * a bare records array) and a zone, separated by the first NUL byte; the
 * last byte before it picks host, force and multi-aware. Invariants:
 *  - success: |final| = |zone| - |deleted| + |new|, deleted <= zone, and
 *    every zone the engine writes reads back with the same count;
 *  - conflict: a result with a non-empty 409 list (at most the cap);
 *  - failure: no result, and a detail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "domainconnect/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reread(dc_client *c, const dc_zone *z)
{
  char *j = NULL;
  if (dc_zone_to_json(z, &j) != DC_OK) abort();
  dc_zone *back = NULL;
  if (dc_zone_from_json(c, j, strlen(j), &back) != DC_OK) abort();
  if (dc_zone_count(back) != dc_zone_count(z)) abort();
  dc_zone_free(back);
  dc_free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const uint8_t *sep = memchr(data, 0, size);
  if (sep == NULL || sep == data) return 0;
  size_t tlen = (size_t)(sep - data) - 1;
  uint8_t flags = sep[-1];
  const char *tpl = (const char *)data;
  const char *zone = (const char *)sep + 1;
  size_t zlen = size - (size_t)(sep - data) - 1;

  dc_client *c = NULL;
  dc_template *t = NULL;
  dc_zone *z = NULL;
  dc_apply_opts *o = NULL;
  dc_apply_result *r = NULL;
  if (dc_client_new(&c) != DC_OK) return 0;
  if (dc_template_parse(c, tpl, tlen, &t) != DC_OK &&
      dc_template_from_records(c, tpl, tlen, "p.example", "s1", &t) != DC_OK)
    goto done;
  if (dc_zone_from_json(c, zone, zlen, &z) != DC_OK) goto done;
  if (dc_apply_opts_new(&o) != DC_OK) goto done;
  /* Fixed, valid options: each is accepted, so a failure is out of memory. */
  dc_status st = dc_apply_opts_set_domain(o, "example.com");
  static const char *const hosts[] = {NULL, "", "@", "sub", "a.b"};
  if (st == DC_OK) st = dc_apply_opts_set_host(o, hosts[flags % 5]);
  if (st == DC_OK) st = dc_apply_opts_set_force(o, (flags >> 3) & 1);
  if (st == DC_OK) st = dc_apply_opts_set_multi_aware(o, (flags >> 4) & 1);
  if (st == DC_OK && ((flags >> 5) & 1)) st = dc_apply_opts_set_instance_id(o, "i1");
  if (st == DC_OK && ((flags >> 6) & 1)) st = dc_apply_opts_add_group_id(o, "1");
  if (st == DC_OK) st = dc_apply_opts_set_ignore_signature(o, 1);
  if (st == DC_OK) st = dc_apply_opts_add_redirect_record(o, "A", "192.0.2.80", 600);
  if (st == DC_OK) st = dc_apply_opts_add_redirect_record(o, "AAAA", "2001:db8::80", 600);
  static const char *const params[][2] = {
    {"IP", "192.0.2.1"}, {"v", "x"}, {"var", ""}, {"host2", "www"}, {"ttl", "300"},
    {"RANDOMTEXT", "shm:1"}, {"target", "t.example"}, {"pct", "%v%"}, {"at", "@"}};
  for (size_t i = 0; st == DC_OK && i < sizeof params / sizeof params[0]; i++)
    st = dc_apply_opts_set_param(o, params[i][0], params[i][1]);
  if (st != DC_OK) goto done;

  st = dc_template_apply(c, t, z, o, &r);
  if (st == DC_OK || st == DC_E_CONFLICT) {
    if (r == NULL) abort();
    const dc_zone *n = dc_apply_result_added(r), *d = dc_apply_result_deleted(r);
    const dc_zone *f = dc_apply_result_final(r);
    if (n == NULL || d == NULL || f == NULL) abort();
    if (dc_zone_count(d) > dc_zone_count(z)) abort();
    if (dc_zone_count(f) != dc_zone_count(z) - dc_zone_count(d) + dc_zone_count(n)) abort();
    const dc_conflicts *cf = dc_apply_result_conflicts(r);
    if (st == DC_E_CONFLICT) {
      if (cf == NULL || dc_conflicts_count(cf) == 0 ||
          dc_conflicts_count(cf) > DC_MAX_CONFLICT_RECORDS ||
          dc_conflicts_count(cf) > dc_zone_count(d))
        abort();
    } else if (cf != NULL) {
      abort();
    }
    reread(c, n);
    reread(c, d);
    reread(c, f);
    char *j = NULL;
    if (dc_apply_result_to_json(r, &j) != DC_OK) abort();
    dc_free(j);
  } else {
    if (r != NULL) abort();
    if (dc_client_error(c)[0] == '\0') abort();
  }
done:
  dc_apply_result_free(r);
  dc_apply_opts_free(o);
  dc_zone_free(z);
  dc_template_free(t);
  dc_client_free(c);
  return 0;
}
