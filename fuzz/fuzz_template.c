/* Fuzz target: dc_template_parse and dc_template_from_records. Checks that
 * a parsed template's normalised JSON parses again to the same JSON, and
 * that failures always leave a detail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domainconnect/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(dc_client *c, dc_status st, dc_template *t)
{
  if ((st == DC_OK) != (t != NULL)) abort();
  if (st != DC_OK && dc_client_error(c)[0] == '\0') abort();
  if (t == NULL) return;
  char *j = NULL, *j2 = NULL;
  if (dc_template_to_json(t, &j) != DC_OK) abort();
  dc_template *t2 = NULL;
  /* a from_records template has no names: only full documents round-trip */
  if (dc_template_provider_name(t) != NULL) {
    if (dc_template_parse(c, j, strlen(j), &t2) != DC_OK) abort();
    if (dc_template_to_json(t2, &j2) != DC_OK) abort();
    if (strcmp(j, j2) != 0) abort();
    if (dc_template_record_count(t2) != dc_template_record_count(t)) abort();
  }
  (void)dc_template_version(t);
  (void)dc_template_shared_provider_name(t);
  dc_free(j);
  dc_free(j2);
  dc_template_free(t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  dc_client *c = NULL;
  if (dc_client_new(&c) != DC_OK) return 0;
  const char *s = (const char *)data;
  dc_template *t = NULL;
  dc_status st = dc_template_parse(c, s, size, &t);
  check(c, st, t);
  dc_template_free(t);
  t = NULL;
  st = dc_template_from_records(c, s, size, "p.example", "s1", &t);
  check(c, st, t);
  dc_template_free(t);
  dc_client_free(c);
  return 0;
}
