/* The DomainConnectApplyZone conformance suite (tests/conformance: the YAML
 * files, read from the generated JSON next to them) run through the public API:
 *   process_records  dc_template_from_records + dc_template_apply
 *   apply_template   dc_template_load(templates/<providerId>.<serviceId>.json,
 *                    file name matched ignoring case) + dc_template_apply,
 *                    with the redirect records A 127.0.0.1 600, AAAA ::1 600
 * Conflicts are resolved as the suite expects (it deletes them): force on.
 * Compared: new_count, delete_count, and the final records sorted by
 * (type, name, ttl, data) with random _dc.id values normalised; or the
 * status an exception maps to. Cases where the engine deliberately differs
 * are in k_overrides (with the reason; docs/template-engine.md lists them
 * too). Each file prints "N passed, M failed" and fails on any failure. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "testutil.h"
#include "x/buf.h"

#ifndef DC_CONFORMANCE_DIR
#error DC_CONFORMANCE_DIR must name tests/conformance
#endif

/* ---- deliberate deviations: the engine's expected behaviour */
struct override {
  const char *id;
  dc_status status;
  const char *expect; /* DC_OK: {"new_count","delete_count","records"} */
  const char *reason;
};

static const struct override k_overrides[] = {
  {"exception_srv_at_on_apex", DC_OK,
   "{\"new_count\":1,\"delete_count\":0,\"records\":[{\"type\":\"SRV\",\"name\":\"@\","
   "\"data\":\"127.0.0.1\",\"protocol\":\"udp\",\"service\":\"foo.com\",\"priority\":10,"
   "\"weight\":10,\"port\":5,\"ttl\":400}]}",
   "SRV name \"@\" at the zone apex is valid (spec: \"@\" is the root of the applied scope; "
   "64 records of the public template repository use it); the suite's InvalidData comes from "
   "the reference code building the string \"_proto.@\""},
  {"param_at_in_target_srv_without_host", DC_OK,
   "{\"new_count\":1,\"delete_count\":0,\"records\":[{\"type\":\"SRV\",\"name\":\"@\","
   "\"data\":\"foo.com\",\"protocol\":\"tcp\",\"service\":\"foo.com\",\"priority\":10,"
   "\"weight\":10,\"port\":80,\"ttl\":400}]}",
   "same as exception_srv_at_on_apex: SRV at the apex is accepted; target \"@\" is the fqdn"},
  {"param_var_in_host_srv_empty_raises", DC_OK,
   "{\"new_count\":1,\"delete_count\":0,\"records\":[{\"type\":\"SRV\",\"name\":\"@\","
   "\"data\":\"sip.example.com\",\"protocol\":\"tcp\",\"service\":\"sip.example.com\","
   "\"priority\":10,\"weight\":20,\"port\":5060,\"ttl\":300}]}",
   "same as exception_srv_at_on_apex: name \"%var%\" with var=\"\" is the apex, which is valid"},
  {"template_apply_sig_verified", DC_E_RECORD, NULL,
   "the case's IP parameter \"132.148.25\" is not an IPv4 address (the reference accepts "
   "inet_aton short forms); the signature is checked first and verifies (a failure would "
   "be sig_invalid), and test_template.c applies the same signed request with a valid address"},
  {"exception_txt_host_with_space", DC_E_TEMPLATE, NULL,
   "the TXT record has no ttl, a required field (schema, spec \"Fields per record type\"): "
   "the template's structure is checked before any record is rendered, so the missing field "
   "is reported instead of the host"},
  {"group_apply_none_matching", DC_E_TEMPLATE, NULL,
   "IETF draft, Group Filtering: when groupId is given and no record's groupId matches, the "
   "provider MUST return an error and change nothing"},
  {"redir301_with_groupid_filtered_out", DC_E_TEMPLATE, NULL,
   "same as group_apply_none_matching: group \"a\" selects no record"},
};

static const struct override *find_override(const char *id)
{
  for (size_t i = 0; i < sizeof k_overrides / sizeof k_overrides[0]; i++)
    if (strcmp(k_overrides[i].id, id) == 0) return &k_overrides[i];
  return NULL;
}

static dc_status exception_status(const char *name)
{
  if (strcmp(name, "InvalidData") == 0) return DC_E_RECORD;
  if (strcmp(name, "InvalidTemplate") == 0) return DC_E_TEMPLATE;
  if (strcmp(name, "MissingParameter") == 0) return DC_E_MISSING_VARIABLE;
  if (strcmp(name, "HostRequired") == 0) return DC_E_HOST_REQUIRED;
  if (strcmp(name, "TypeError") == 0) return DC_E_RECORD_TYPE;
  return (dc_status)-1;
}

/* ---- helpers */

static char g_why[2048]; /* reason of the current case's failure */

#define CASE_FAIL(...)                                                         \
  do {                                                                         \
    snprintf(g_why, sizeof g_why, __VA_ARGS__);                                \
    goto done;                                                                 \
  } while (0)

static const char *str_member(json_t *o, const char *k)
{
  json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* templates/<providerId>.<serviceId>.json, ignoring case. */
static char *find_template(const char *provider, const char *service)
{
  char want[512];
  snprintf(want, sizeof want, "%s.%s.json", provider, service);
  DIR *d = opendir(DC_CONFORMANCE_DIR "/templates");
  if (d == NULL) return NULL;
  char *path = NULL;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcasecmp(e->d_name, want) != 0) continue;
    size_t n = strlen(DC_CONFORMANCE_DIR "/templates/") + strlen(e->d_name) + 1;
    path = malloc(n);
    if (path) snprintf(path, n, "%s/templates/%s", DC_CONFORMANCE_DIR, e->d_name);
    break;
  }
  closedir(d);
  return path;
}

/* The published key as TXT records: the PEM body split into
 * "p=N,a=RS256,d=..." fragments of 200 base64 characters. */
static size_t pem_records(char ***out)
{
  char *pem = tu_read_file(tu_data("vectors/dck1_exampleservice_pub.pem"), NULL);
  char body[4096];
  size_t n = 0;
  for (char *line = strtok(pem, "\r\n"); line; line = strtok(NULL, "\r\n")) {
    if (strncmp(line, "-----", 5) == 0) continue;
    size_t l = strlen(line);
    if (n + l >= sizeof body) break;
    memcpy(body + n, line, l);
    n += l;
  }
  body[n] = '\0';
  free(pem);
  size_t count = (n + 199) / 200;
  char **recs = calloc(count + 1, sizeof *recs);
  for (size_t i = 0; i < count; i++) {
    recs[i] = malloc(256);
    snprintf(recs[i], 256, "p=%zu,a=RS256,d=%.200s", i + 1, body + i * 200);
  }
  *out = recs;
  return count;
}

/* Sort key comparison: (type, name, ttl, data), then the whole record. */
static int rec_cmp(const void *pa, const void *pb)
{
  json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
  const char *ka[] = {"type", "name"};
  for (size_t i = 0; i < 2; i++) {
    const char *x = str_member(a, ka[i]), *y = str_member(b, ka[i]);
    int c = strcmp(x ? x : "", y ? y : "");
    if (c != 0) return c;
  }
  json_int_t ta = json_is_integer(json_object_get(a, "ttl")) ? json_integer_value(json_object_get(a, "ttl")) : -1;
  json_int_t tb = json_is_integer(json_object_get(b, "ttl")) ? json_integer_value(json_object_get(b, "ttl")) : -1;
  if (ta != tb) return ta < tb ? -1 : 1;
  const char *da = str_member(a, "data"), *db = str_member(b, "data");
  int c = strcmp(da ? da : "", db ? db : "");
  if (c != 0) return c;
  char *sa = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
  char *sb = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
  c = strcmp(sa, sb);
  free(sa);
  free(sb);
  return c;
}

static json_t **sorted(json_t *arr, size_t *n)
{
  *n = json_array_size(arr);
  json_t **v = calloc(*n + 1, sizeof *v);
  for (size_t i = 0; i < *n; i++) v[i] = json_array_get(arr, i);
  qsort(v, *n, sizeof *v, rec_cmp);
  return v;
}

/* Compares the final zone with the expected records. */
static bool records_match(json_t *want, const char *final_json, const char *random_id)
{
  json_error_t err;
  json_t *got = json_loads(final_json, 0, &err);
  bool ok = false;
  json_t **a = NULL, **b = NULL;
  if (got == NULL) {
    snprintf(g_why, sizeof g_why, "final zone JSON unreadable: %s", err.text);
    return false;
  }
  if (random_id != NULL) {
    size_t i;
    json_t *r;
    json_array_foreach(got, i, r) {
      json_t *dc = json_object_get(r, "_dc");
      const char *id = str_member(dc, "id");
      if (id != NULL && strcmp(id, random_id) == 0)
        json_object_set_new(dc, "id", json_string("<test only: random>"));
    }
  }
  size_t na, nb;
  a = sorted(want, &na);
  b = sorted(got, &nb);
  if (na != nb) {
    char *s = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
    snprintf(g_why, sizeof g_why, "%zu records, expected %zu: %s", nb, na, s);
    free(s);
    goto done;
  }
  for (size_t i = 0; i < na; i++) {
    if (!json_equal(a[i], b[i])) {
      char *x = json_dumps(a[i], JSON_COMPACT | JSON_SORT_KEYS);
      char *y = json_dumps(b[i], JSON_COMPACT | JSON_SORT_KEYS);
      snprintf(g_why, sizeof g_why, "record %zu: got %s, expected %s", i, y, x);
      free(x);
      free(y);
      goto done;
    }
  }
  ok = true;
done:
  free(a);
  free(b);
  json_decref(got);
  return ok;
}

/* ---- one case */

static bool run_case(bool apply_suite, json_t *tc, char **key_txt, size_t nkey)
{
  bool ok = false;
  dc_client *c = NULL;
  dc_template *t = NULL;
  dc_zone *z = NULL;
  dc_apply_opts *o = NULL;
  dc_apply_result *res = NULL;
  char *s = NULL, *path = NULL, *final_json = NULL;
  json_t *expect_override = NULL;
  g_why[0] = '\0';

  const char *id = str_member(tc, "id");
  json_t *in = json_object_get(tc, "input");
  json_t *ex = json_object_get(tc, "expect");
  const struct override *ov = find_override(id);
  assert_non_null(in);
  assert_non_null(ex);
  assert_status(dc_client_new(&c), DC_OK);

  /* the template */
  dc_status st;
  const char *prov = str_member(in, "provider_id"), *svc = str_member(in, "service_id");
  if (apply_suite) {
    path = find_template(prov, svc);
    if (path == NULL) CASE_FAIL("template %s.%s not found", prov, svc);
    st = dc_template_load(c, path, &t);
  } else {
    json_t *recs = json_object_get(in, "template_records");
    s = json_dumps(recs, JSON_COMPACT);
    st = dc_template_from_records(c, s, strlen(s), prov, svc, &t);
    free(s);
    s = NULL;
    if (st == DC_OK && json_is_true(json_object_get(in, "multi_instance")))
      assert_status(dc_template_set_multi_instance(t, 1), DC_OK);
  }

  /* the zone */
  json_t *zr = json_object_get(in, "zone_records");
  s = json_is_array(zr) ? json_dumps(zr, JSON_COMPACT) : strdup("[]");
  dc_client *zc = NULL;
  assert_status(dc_client_new(&zc), DC_OK);
  dc_status zst = dc_zone_from_json(zc, s, strlen(s), &z);
  if (zst != DC_OK) {
    snprintf(g_why, sizeof g_why, "zone refused: %s: %s", dc_status_name(zst),
             dc_client_error(zc));
    dc_client_free(zc);
    goto done;
  }
  dc_client_free(zc);

  /* the options */
  assert_status(dc_apply_opts_new(&o), DC_OK);
  assert_status(dc_apply_opts_set_domain(o, str_member(in, "domain")), DC_OK);
  if (str_member(in, "host") != NULL)
    assert_status(dc_apply_opts_set_host(o, str_member(in, "host")), DC_OK);
  const char *pk;
  json_t *pv;
  json_object_foreach(json_object_get(in, "params"), pk, pv) {
    char num[32];
    const char *val = json_string_value(pv);
    if (json_is_integer(pv)) {
      snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(pv));
      val = num;
    }
    if (val == NULL) CASE_FAIL("parameter %s is neither a string nor an integer", pk);
    assert_status(dc_apply_opts_set_param(o, pk, val), DC_OK);
  }
  size_t gi;
  json_t *gv;
  json_array_foreach(json_object_get(in, "group_ids"), gi, gv)
    assert_status(dc_apply_opts_add_group_id(o, json_string_value(gv)), DC_OK);
  bool multi = json_is_true(json_object_get(in, "multi_aware"));
  assert_status(dc_apply_opts_set_multi_aware(o, multi), DC_OK);
  const char *uid = str_member(in, "unique_id");
  if (uid != NULL) assert_status(dc_apply_opts_set_instance_id(o, uid), DC_OK);
  assert_status(dc_apply_opts_set_force(o, 1), DC_OK);
  if (apply_suite) {
    assert_status(dc_apply_opts_add_redirect_record(o, "A", "127.0.0.1", 600), DC_OK);
    assert_status(dc_apply_opts_add_redirect_record(o, "AAAA", "::1", 600), DC_OK);
  } else {
    size_t ri;
    json_t *rv;
    json_array_foreach(json_object_get(in, "redirect_records"), ri, rv)
      assert_status(dc_apply_opts_add_redirect_record(o, str_member(rv, "type"),
                                                      str_member(rv, "pointsTo"),
                                                      (long)json_integer_value(json_object_get(rv, "ttl"))),
                    DC_OK);
  }
  if (json_is_true(json_object_get(in, "ignore_signature")))
    assert_status(dc_apply_opts_set_ignore_signature(o, 1), DC_OK);
  const char *qs = str_member(in, "qs");
  if (qs != NULL) {
    /* the query as the provider receives it: QS&sig=SIG&key=KEY, SIG
     * percent-encoded (the shared tier's encoder, x/buf.h) */
    const char *sig = str_member(in, "sig"), *key = str_member(in, "key");
    dcx_buf q;
    dcx_buf_init(&q, 1 << 16);
    dcx_buf_adds(&q, qs);
    dcx_buf_adds(&q, "&sig=");
    dcx_pct_encode(&q, sig, strlen(sig), false);
    dcx_buf_adds(&q, "&key=");
    dcx_buf_adds(&q, key);
    char *query = dcx_buf_take(&q);
    assert_non_null(query);
    assert_status(dc_apply_opts_set_signature(o, query, (const char *const *)key_txt, nkey),
                  DC_OK);
    free(query);
  }

  /* apply */
  if (st == DC_OK) st = dc_template_apply(c, t, z, o, &res);

  /* expected outcome */
  dc_status want = DC_OK;
  json_t *expect = ex;
  if (ov != NULL) {
    want = ov->status;
    if (ov->expect != NULL) {
      json_error_t err;
      expect_override = json_loads(ov->expect, 0, &err);
      assert_non_null(expect_override);
      expect = expect_override;
    }
  } else if (str_member(ex, "exception") != NULL) {
    want = exception_status(str_member(ex, "exception"));
  }
  if (st != want)
    CASE_FAIL("status %s (%s), expected %s", dc_status_name(st), dc_client_error(c),
              dc_status_name(want));
  if (want != DC_OK) {
    if (res != NULL) CASE_FAIL("a result with a failure status");
    if (dc_client_error(c)[0] == '\0') CASE_FAIL("no detail with status %s", dc_status_name(st));
    ok = true;
    goto done;
  }
  json_int_t nn = json_integer_value(json_object_get(expect, "new_count"));
  json_int_t nd = json_integer_value(json_object_get(expect, "delete_count"));
  if ((json_int_t)dc_zone_count(dc_apply_result_added(res)) != nn ||
      (json_int_t)dc_zone_count(dc_apply_result_deleted(res)) != nd)
    CASE_FAIL("new %zu deleted %zu, expected %" JSON_INTEGER_FORMAT " and %" JSON_INTEGER_FORMAT,
              dc_zone_count(dc_apply_result_added(res)),
              dc_zone_count(dc_apply_result_deleted(res)), nn, nd);
  json_t *want_recs = json_object_get(expect, "records");
  if (json_is_array(want_recs)) {
    const dc_zone *f = dc_apply_result_final(res);
    assert_non_null(f);
    assert_status(dc_zone_to_json(f, &final_json), DC_OK);
    const char *random_id = NULL;
    if (multi && uid == NULL && dc_zone_count(dc_apply_result_added(res)) > 0) {
      /* the instance id the engine chose: read it from a new record */
      const char *dcj = dc_zone_state_json(dc_apply_result_added(res), 0);
      json_t *dc = dcj ? json_loads(dcj, 0, NULL) : NULL;
      static char rid[128];
      const char *idv = dc ? str_member(dc, "id") : NULL;
      snprintf(rid, sizeof rid, "%s", idv ? idv : "");
      json_decref(dc);
      random_id = rid;
    }
    if (!records_match(want_recs, final_json, random_id)) goto done;
  }
  ok = true;
done:
  json_decref(expect_override);
  dc_apply_result_free(res);
  dc_apply_opts_free(o);
  dc_zone_free(z);
  dc_template_free(t);
  dc_client_free(c);
  free(s);
  free(path);
  free(final_json);
  if (!ok) printf("  FAIL %s: %s\n", id, g_why);
  return ok;
}

static void run_file(const char *name)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", DC_CONFORMANCE_DIR, name);
  json_error_t err;
  json_t *doc = json_load_file(path, 0, &err);
  if (doc == NULL) fail_msg("%s: %s (line %d)", path, err.text, err.line);
  const char *suite = str_member(doc, "suite_type");
  assert_non_null(suite);
  bool apply_suite = strcmp(suite, "apply_template") == 0;
  char **keys = NULL;
  size_t nkey = pem_records(&keys);
  size_t pass = 0, failn = 0, i;
  json_t *tc;
  json_array_foreach(json_object_get(doc, "tests"), i, tc) {
    if (run_case(apply_suite, tc, keys, nkey)) pass++;
    else failn++;
  }
  printf("%s: %zu passed, %zu failed\n", name, pass, failn);
  fflush(stdout);
  for (size_t k = 0; k < nkey; k++) free(keys[k]);
  free(keys);
  json_decref(doc);
  if (failn != 0) fail_msg("%s: %zu case(s) failed", name, failn);
  if (pass == 0) fail_msg("%s: no case ran", name);
}

static void test_process_records(void **state)
{
  (void)state;
  run_file("process_records_tests.json");
}

static void test_apexcname(void **state)
{
  (void)state;
  run_file("process_records_apexcname_tests.json");
}

static void test_redir(void **state)
{
  (void)state;
  run_file("process_records_redir_tests.json");
}

static void test_apply_template(void **state)
{
  (void)state;
  run_file("apply_template_tests.json");
}

/* Every override names a case that exists (a renamed case must not leave
 * a stale entry that silently stops applying). */
static void test_overrides_exist(void **state)
{
  (void)state;
  static const char *const files[] = {"process_records_tests.json",
                                      "process_records_apexcname_tests.json",
                                      "process_records_redir_tests.json",
                                      "apply_template_tests.json"};
  size_t found = 0;
  for (size_t f = 0; f < 4; f++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", DC_CONFORMANCE_DIR, files[f]);
    json_t *doc = json_load_file(path, 0, NULL);
    assert_non_null(doc);
    size_t i;
    json_t *tc;
    json_array_foreach(json_object_get(doc, "tests"), i, tc)
      if (find_override(str_member(tc, "id")) != NULL) found++;
    json_decref(doc);
  }
  assert_int_equal(found, sizeof k_overrides / sizeof k_overrides[0]);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_process_records),
    cmocka_unit_test(test_apexcname),
    cmocka_unit_test(test_redir),
    cmocka_unit_test(test_apply_template),
    cmocka_unit_test(test_overrides_exist),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
