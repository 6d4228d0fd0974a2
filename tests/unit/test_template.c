/* Template engine (src/template): validation errors, substitution, host
 * rendering, SPF merging, conflict modes, template state, zones, options.
 * The conformance suite (tests/conformance) covers the reference
 * behaviour; these tables cover our own rules and choices
 * (docs/template-engine.md). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/tpl_internal.h"
#include "testutil.h"

/* ---- helpers */

static const char k_head[] =
  "{\"providerId\":\"p.example\",\"providerName\":\"P\",\"serviceId\":\"s1\","
  "\"serviceName\":\"S\",";

static char *doc(const char *rest)
{
  size_t n = strlen(k_head) + strlen(rest) + 1;
  char *s = malloc(n);
  snprintf(s, n, "%s%s", k_head, rest);
  return s;
}

/* ---- 1. template validation: status and the field named in the detail */

struct vrow {
  const char *name;
  const char *json;     /* a whole document, or (with head) what follows k_head */
  bool head;
  dc_status want;
  const char *detail;   /* substring of the detail */
};

static const struct vrow k_valid[] = {
  {"minimal", "\"records\":[{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"192.0.2.1\",\"ttl\":60}]}",
   true, DC_OK, ""},
  {"not json", "{", false, DC_E_JSON, ""},
  {"not an object", "[]", false, DC_E_JSON, ""},
  {"unknown top field ignored", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}],\"colour\":1}",
   true, DC_OK, ""},
  {"top field in the wrong case", "\"SyncPubKeyDomain\":\"k.example\",\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "template: unknown field 'SyncPubKeyDomain' (field names are case-sensitive: 'syncPubKeyDomain')"},
  {"syncPubKeyDomain empty", "\"syncPubKeyDomain\":\"\",\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "syncPubKeyDomain: empty"},
  {"syncPubKeyDomain null", "\"syncPubKeyDomain\":null,\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "syncPubKeyDomain: not a string"},
  {"syncRedirectDomain null", "\"syncRedirectDomain\":null,\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "syncRedirectDomain: not a string"},
  {"syncRedirectDomain blank", "\"syncRedirectDomain\":\" \",\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "syncRedirectDomain: empty or overlong entry"},
  {"providerId missing",
   "{\"providerName\":\"P\",\"serviceId\":\"s\",\"serviceName\":\"S\",\"records\":[]}", false,
   DC_E_TEMPLATE, "providerId: missing"},
  {"serviceName missing",
   "{\"providerId\":\"p\",\"providerName\":\"P\",\"serviceId\":\"s\",\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   false, DC_E_TEMPLATE, "serviceName: missing"},
  {"records missing",
   "{\"providerId\":\"p\",\"providerName\":\"P\",\"serviceId\":\"s\",\"serviceName\":\"S\"}", false,
   DC_E_TEMPLATE, "records: missing"},
  {"providerId not dc-id",
   "{\"providerId\":\"a b\",\"providerName\":\"P\",\"serviceId\":\"s\",\"serviceName\":\"S\",\"records\":[]}",
   false, DC_E_TEMPLATE, "providerId: not a dc-id"},
  {"serviceId number",
   "{\"providerId\":\"p\",\"providerName\":\"P\",\"serviceId\":5,\"serviceName\":\"S\",\"records\":[]}",
   false, DC_E_TEMPLATE, "serviceId: not a string"},
  {"providerName empty",
   "{\"providerId\":\"p\",\"providerName\":\"\",\"serviceId\":\"s\",\"serviceName\":\"S\",\"records\":[]}",
   false, DC_E_TEMPLATE, "providerName: must be 1..255"},
  {"version string ok", "\"version\":\"3\",\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_OK, ""},
  {"version negative", "\"version\":-1,\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "version: -1 is outside"},
  {"version real", "\"version\":1.5,\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "version: not a whole number in 0..2147483647"},
  {"version null", "\"version\":null,\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "version: neither an integer nor a string"},
  {"bool as other string", "\"syncBlock\":\"yes\",\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "syncBlock: not a boolean"},
  {"bool as number", "\"hostRequired\":1,\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "hostRequired: not a boolean"},
  {"bool as empty string", "\"warnPhishing\":\"\",\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "warnPhishing: not a boolean"},
  {"syncPubKeyDomain bad", "\"syncPubKeyDomain\":\"a b\",\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "syncPubKeyDomain:"},
  {"syncRedirectDomain list", "\"syncRedirectDomain\":\"a.example, b.example\",\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_OK, ""},
  {"syncRedirectDomain bad", "\"syncRedirectDomain\":\"a.example,,b\",\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "syncRedirectDomain:"},
  {"records not array", "\"records\":{}}", true, DC_E_TEMPLATE, "records: not an array"},
  {"records empty", "\"records\":[]}", true, DC_E_TEMPLATE, "records: empty"},
  {"record not object", "\"records\":[1]}", true, DC_E_TEMPLATE, "records[0]: not an object"},
  {"type missing", "\"records\":[{\"host\":\"@\"}]}", true, DC_E_TEMPLATE, "records[0].type: missing"},
  {"type invalid", "\"records\":[{\"type\":\"!X\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}", true,
   DC_E_RECORD_TYPE, "records[0].type: '!X'"},
  {"type SOA refused", "\"records\":[{\"type\":\"SOA\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}", true,
   DC_E_RECORD_TYPE, "records[0].type: 'SOA': a meta type"},
  {"type TYPE0 refused", "\"records\":[{\"type\":\"TYPE0\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}", true,
   DC_E_RECORD_TYPE, "records[0].type"},
  {"type TYPE65536 refused", "\"records\":[{\"type\":\"TYPE65536\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}", true,
   DC_E_RECORD_TYPE, "outside 1..65535"},
  {"type lower case", "\"records\":[{\"type\":\"caa\",\"host\":\"@\",\"data\":\"0 issue \\\"x\\\"\",\"ttl\":1}]}", true,
   DC_OK, ""},
  {"unknown record field ignored", "\"records\":[{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"192.0.2.1\",\"ttl\":1,\"rdata\":\"x\"}]}",
   true, DC_OK, ""},
  {"record field in the wrong case", "\"records\":[{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"192.0.2.1\",\"ttl\":1,\"PointsTo\":\"x\"}]}",
   true, DC_E_TEMPLATE, "records[0]: unknown field 'PointsTo' (field names are case-sensitive: 'pointsTo')"},
  {"field not for type", "\"records\":[{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"192.0.2.1\",\"ttl\":1,\"data\":\"x\"}]}",
   true, DC_E_TEMPLATE, "records[0].data: not allowed for type A"},
  {"priority on A", "\"records\":[{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"192.0.2.1\",\"ttl\":1,\"priority\":1}]}",
   true, DC_E_TEMPLATE, "records[0].priority: not allowed for type A"},
  {"txt mode on MX", "\"records\":[{\"type\":\"MX\",\"host\":\"@\",\"pointsTo\":\"mx.example\",\"ttl\":1,\"priority\":1,\"txtConflictMatchingMode\":\"All\"}]}",
   true, DC_E_TEMPLATE, "records[0].txtConflictMatchingMode: not allowed for type MX"},
  {"ttl missing", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\"}]}", true,
   DC_E_TEMPLATE, "records[0].ttl: missing"},
  {"pointsTo missing", "\"records\":[{\"type\":\"CNAME\",\"host\":\"www\",\"ttl\":1}]}", true,
   DC_E_TEMPLATE, "records[0].pointsTo: missing"},
  {"mx priority missing", "\"records\":[{\"type\":\"MX\",\"host\":\"@\",\"pointsTo\":\"mx.example\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "records[0].priority: missing"},
  {"srv port missing", "\"records\":[{\"type\":\"SRV\",\"name\":\"@\",\"target\":\"t.example\",\"ttl\":1,\"priority\":1,\"weight\":1,\"protocol\":\"_tcp\",\"service\":\"_sip\"}]}",
   true, DC_E_TEMPLATE, "records[0].port: missing"},
  {"spfm ok without ttl", "\"records\":[{\"type\":\"SPFM\",\"host\":\"@\",\"spfRules\":\"include:x.example\"}]}",
   true, DC_OK, ""},
  {"spfm rules missing", "\"records\":[{\"type\":\"SPFM\",\"host\":\"@\"}]}", true, DC_E_TEMPLATE,
   "records[0].spfRules: missing"},
  {"redir ttl allowed", "\"records\":[{\"type\":\"REDIR301\",\"target\":\"https://x.example/\",\"ttl\":600}]}",
   true, DC_OK, ""},
  {"apexcname without host", "\"records\":[{\"type\":\"APEXCNAME\",\"pointsTo\":\"x.example\",\"ttl\":60}]}",
   true, DC_OK, ""},
  {"ttl string digits", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":\"300\"}]}",
   true, DC_OK, ""},
  {"ttl variable", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":\"%t%\"}]}",
   true, DC_OK, ""},
  {"ttl word", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":\"abc\"}]}",
   true, DC_E_TEMPLATE, "records[0].ttl: 'abc' is neither"},
  {"ttl negative", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":-5}]}",
   true, DC_E_TEMPLATE, "records[0].ttl: -5 is outside"},
  {"ttl real", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1.5}]}",
   true, DC_E_TEMPLATE, "records[0].ttl: not a whole number in 0..2147483647"},
  {"ttl real negative", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":-60.0}]}",
   true, DC_E_TEMPLATE, "records[0].ttl: not a whole number"},
  {"ttl string with spaces", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":\" 60\"}]}",
   true, DC_E_TEMPLATE, "records[0].ttl: ' 60' is neither"},
  {"ttl empty string", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":\"\"}]}",
   true, DC_E_TEMPLATE, "records[0].ttl: '' is neither"},
  {"port real too large", "\"records\":[{\"type\":\"SRV\",\"name\":\"@\",\"target\":\"t.example\",\"ttl\":1,\"priority\":1,\"weight\":1,\"protocol\":\"_tcp\",\"service\":\"_sip\",\"port\":65536.0}]}",
   true, DC_E_TEMPLATE, "records[0].port: not a whole number in 0..65535"},
  {"ttl too large", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":4294967296}]}",
   true, DC_E_TEMPLATE, "records[0].ttl:"},
  {"priority too large", "\"records\":[{\"type\":\"MX\",\"host\":\"@\",\"pointsTo\":\"m.example\",\"ttl\":1,\"priority\":\"65536\"}]}",
   true, DC_E_TEMPLATE, "records[0].priority: 65536 is outside"},
  {"host not string", "\"records\":[{\"type\":\"TXT\",\"host\":1,\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "records[0].host: not a string"},
  {"unclosed variable", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"%abc\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "records[0].data: unclosed"},
  {"empty variable", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"100%%\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "records[0].data: empty variable name"},
  {"bad variable name", "\"records\":[{\"type\":\"TXT\",\"host\":\"%a b%\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "records[0].host: variable name"},
  {"groupId with variable", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1,\"groupId\":\"%g%\"}]}",
   true, DC_E_TEMPLATE, "records[0].groupId: not a dc-id"},
  {"essential bad", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1,\"essential\":\"No\"}]}",
   true, DC_E_TEMPLATE, "records[0].essential: neither Always nor OnApply"},
  {"essential any case", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1,\"essential\":\"onApply\"}]}",
   true, DC_OK, ""},
  {"txt mode bad", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1,\"txtConflictMatchingMode\":\"Some\"}]}",
   true, DC_E_TEMPLATE, "records[0].txtConflictMatchingMode: not one of"},
  {"prefix missing", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1,\"txtConflictMatchingMode\":\"Prefix\"}]}",
   true, DC_E_TEMPLATE, "records[0].txtConflictMatchingPrefix: missing"},
  {"prefix empty in Prefix mode", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1,\"txtConflictMatchingMode\":\"Prefix\",\"txtConflictMatchingPrefix\":\"\"}]}",
   true, DC_E_TEMPLATE, "records[0].txtConflictMatchingPrefix: empty (required when"},
  {"empty txt mode on MX", "\"records\":[{\"type\":\"MX\",\"host\":\"@\",\"pointsTo\":\"m.example\",\"ttl\":1,\"priority\":1,\"txtConflictMatchingMode\":\"\"}]}",
   true, DC_E_TEMPLATE, "records[0].txtConflictMatchingMode: not allowed for type MX"},
  {"prefix with variable", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1,\"txtConflictMatchingMode\":\"Prefix\",\"txtConflictMatchingPrefix\":\"%p%\"}]}",
   true, DC_E_TEMPLATE, "records[0].txtConflictMatchingPrefix: must not contain variables"},
  {"prefix with space", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1,\"txtConflictMatchingMode\":\"Prefix\",\"txtConflictMatchingPrefix\":\"a b\"}]}",
   true, DC_E_TEMPLATE, "records[0].txtConflictMatchingPrefix: not printable"},
  {"cname at apex needs hostRequired", "\"records\":[{\"type\":\"CNAME\",\"host\":\"@\",\"pointsTo\":\"x.example\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "records[0].host: a CNAME record at \"@\" needs hostRequired"},
  {"ns at empty needs hostRequired", "\"records\":[{\"type\":\"NS\",\"host\":\"\",\"pointsTo\":\"x.example\",\"ttl\":1}]}",
   true, DC_E_TEMPLATE, "records[0].host: a NS record"},
  {"cname at apex with hostRequired", "\"hostRequired\":true,\"records\":[{\"type\":\"CNAME\",\"host\":\"@\",\"pointsTo\":\"x.example\",\"ttl\":1}]}",
   true, DC_OK, ""},
  {"duplicate key", "\"records\":[{\"type\":\"TXT\",\"type\":\"A\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]}",
   true, DC_E_JSON, ""},
};

static void check_valid_row(dc_client *c, const struct vrow *r)
{
  char *j = r->head ? doc(r->json) : strdup(r->json);
  dc_template *t = NULL;
  dc_status st = dc_template_parse(c, j, strlen(j), &t);
  const char *detail = r->want == DC_OK ? "" : r->detail;
  if (st != r->want || strstr(dc_client_error(c), detail) == NULL)
    fail_msg("%s: %s (%s), expected %s with '%s'", r->name, dc_status_name(st),
             dc_client_error(c), dc_status_name(r->want), detail);
  if (r->want == DC_OK) assert_non_null(t);
  else assert_null(t);
  dc_template_free(t);
  free(j);
}

static void test_validation(void **state)
{
  (void)state;
  TU_TABLE(k_valid, check_valid_row);
}

static void test_from_records_and_limits(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  dc_template *t = NULL;
  const char *recs = "[{\"type\":\"CNAME\",\"host\":\"@\",\"pointsTo\":\"x.example\",\"ttl\":1}]";
  /* no hostRequired rule without a template document */
  assert_status(dc_template_from_records(c, recs, strlen(recs), "p", "s", &t), DC_OK);
  assert_string_equal(dc_template_provider_id(t), "p");
  assert_int_equal(dc_template_record_count(t), 1);
  assert_int_equal(dc_template_multi_instance(t), 0);
  assert_status(dc_template_set_multi_instance(t, 1), DC_OK);
  assert_int_equal(dc_template_multi_instance(t), 1);
  dc_template_free(t);
  t = NULL;
  assert_status(dc_template_from_records(c, recs, strlen(recs), "a b", "s", &t), DC_E_INVALID_ID);
  assert_status(dc_template_from_records(c, "{}", 2, NULL, NULL, &t), DC_E_TEMPLATE);
  assert_non_null(strstr(dc_client_error(c), "records: not an array"));
  /* DC_MAX_TEMPLATE_RECORDS + 1 records */
  size_t n = DC_MAX_TEMPLATE_RECORDS + 1;
  const char *one = "{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1},";
  char *big = malloc(n * strlen(one) + 3);
  size_t o = 0;
  big[o++] = '[';
  for (size_t i = 0; i < n; i++) {
    memcpy(big + o, one, strlen(one));
    o += strlen(one);
  }
  big[o - 1] = ']';
  big[o] = '\0';
  assert_status(dc_template_from_records(c, big, o, NULL, NULL, &t), DC_E_LIMIT);
  free(big);
  assert_status(dc_template_load(c, "/nonexistent/t.json", &t), DC_E_IO);
  assert_status(dc_template_parse(c, NULL, 0, &t), DC_E_INVALID_ARG);
  assert_status(dc_template_parse(c, "{}", 2, NULL), DC_E_INVALID_ARG);
  dc_client_free(c);
}

static void test_to_json_normalised(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  dc_template *t = NULL, *t2 = NULL;
  char *j = NULL, *j2 = NULL;
  char *d = doc("\"version\":\"7\",\"shared\":true,\"records\":[{\"type\":\"txt\",\"host\":\"@\","
                "\"data\":\"x\",\"ttl\":\"300\",\"txtConflictMatchingMode\":\"prefix\","
                "\"txtConflictMatchingPrefix\":\"v=\",\"essential\":\"onapply\"},"
                "{\"type\":\"SRV\",\"name\":\"@\",\"target\":\"t.example\",\"ttl\":\"%t%\","
                "\"priority\":1,\"weight\":2,\"port\":3,\"protocol\":\"_tcp\",\"service\":\"_sip\"}]}");
  assert_status(dc_template_parse(c, d, strlen(d), &t), DC_OK);
  assert_int_equal(dc_template_version(t), 7);
  assert_int_equal(dc_template_shared_provider_name(t), 1); /* "shared" alias */
  assert_status(dc_template_to_json(t, &j), DC_OK);
  tu_expect_has(j, TU_PARTS("\"type\":\"TXT\"", "\"ttl\":300",
                            "\"txtConflictMatchingMode\":\"Prefix\"",
                            "\"essential\":\"OnApply\"", "\"name\":\"@\"",
                            "\"ttl\":\"%t%\""));
  /* the normalised form parses to the same normalised form */
  assert_status(dc_template_parse(c, j, strlen(j), &t2), DC_OK);
  assert_status(dc_template_to_json(t2, &j2), DC_OK);
  assert_string_equal(j, j2);
  dc_free(j);
  dc_free(j2);
  dc_template_free(t);
  dc_template_free(t2);
  free(d);
  dc_client_free(c);
}

/* ---- apply helpers */

struct ap {
  const char *records;      /* template records */
  const char *zone;         /* zone JSON, NULL = [] */
  const char *domain;       /* NULL = example.com */
  const char *host;
  const char *params[8];    /* "NAME=VALUE" */
  const char *groups[4];
  bool force, multi, multi_instance;
  const char *instance;
  const char *redirect[3];  /* "TYPE DATA" ttl 300 */
};

static dc_status run(dc_client *c, const struct ap *a, dc_apply_result **res)
{
  dc_template *t = NULL;
  dc_zone *z = NULL;
  dc_apply_opts *o = NULL;
  dc_status st = dc_template_from_records(c, a->records, strlen(a->records), "p.example",
                                          "s1", &t);
  if (st != DC_OK) return st;
  if (a->multi_instance) assert_status(dc_template_set_multi_instance(t, 1), DC_OK);
  const char *zj = a->zone ? a->zone : "[]";
  assert_status(dc_zone_from_json(c, zj, strlen(zj), &z), DC_OK);
  assert_status(dc_apply_opts_new(&o), DC_OK);
  assert_status(dc_apply_opts_set_domain(o, a->domain ? a->domain : "example.com"), DC_OK);
  if (a->host) assert_status(dc_apply_opts_set_host(o, a->host), DC_OK);
  for (size_t i = 0; i < 8 && a->params[i]; i++) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", a->params[i]);
    char *eq = strchr(buf, '=');
    *eq = '\0';
    assert_status(dc_apply_opts_set_param(o, buf, eq + 1), DC_OK);
  }
  for (size_t i = 0; i < 4 && a->groups[i]; i++)
    assert_status(dc_apply_opts_add_group_id(o, a->groups[i]), DC_OK);
  for (size_t i = 0; i < 3 && a->redirect[i]; i++) {
    char buf[128];
    snprintf(buf, sizeof buf, "%s", a->redirect[i]);
    char *sp = strchr(buf, ' ');
    *sp = '\0';
    assert_status(dc_apply_opts_add_redirect_record(o, buf, sp + 1, 300), DC_OK);
  }
  assert_status(dc_apply_opts_set_force(o, a->force), DC_OK);
  assert_status(dc_apply_opts_set_multi_aware(o, a->multi), DC_OK);
  if (a->instance) assert_status(dc_apply_opts_set_instance_id(o, a->instance), DC_OK);
  st = dc_template_apply(c, t, z, o, res);
  dc_apply_opts_free(o);
  dc_zone_free(z);
  dc_template_free(t);
  return st;
}

static char *zjson(const dc_zone *z)
{
  char *s = NULL;
  assert_status(dc_zone_to_json(z, &s), DC_OK);
  return s;
}

/* Applies and checks the status, the new and the deleted records. */
static void expect_apply(const char *name, const struct ap *a, dc_status want,
                         const char *want_new, const char *want_del, const char *detail)
{
  dc_client *c = tu_client();
  dc_apply_result *res = NULL;
  dc_status st = run(c, a, &res);
  if (st != want) fail_msg("%s: %s (%s), expected %s", name, dc_status_name(st),
                           dc_client_error(c), dc_status_name(want));
  if (detail && strstr(dc_client_error(c), detail) == NULL)
    fail_msg("%s: detail '%s' lacks '%s'", name, dc_client_error(c), detail);
  if (st == DC_OK || st == DC_E_CONFLICT) {
    assert_non_null(res);
    char *n = zjson(dc_apply_result_added(res)), *d = zjson(dc_apply_result_deleted(res));
    if (want_new && strcmp(n, want_new) != 0) fail_msg("%s: new %s, expected %s", name, n, want_new);
    if (want_del && strcmp(d, want_del) != 0) fail_msg("%s: deleted %s, expected %s", name, d, want_del);
    dc_free(n);
    dc_free(d);
  } else {
    assert_null(res);
  }
  dc_apply_result_free(res);
  dc_client_free(c);
}

/* ---- 2. substitution and host rendering */

static void test_substitution(void **state)
{
  (void)state;
  struct ap a;

  /* case-insensitive names; exact case wins; built-ins cannot be overridden */
  a = (struct ap){.records = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"%Ip%-%ip%-%DOMAIN%-%FQDN%-%Host%\",\"ttl\":1}]",
                  .host = "Www", .params = {"IP=upper", "ip=lower", "domain=evil.example"}};
  expect_apply("case", &a, DC_OK,
               "[{\"type\":\"TXT\",\"name\":\"www\",\"ttl\":1,\"data\":\"upper-lower-example.com-www.example.com-www\"}]",
               "[]", NULL);
  /* no re-scanning of inserted text; adjacent variables */
  a = (struct ap){.records = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"%a%%b%%a%\",\"ttl\":1}]",
                  .params = {"a=%b%", "b=x%"}};
  expect_apply("no rescan", &a, DC_OK,
               "[{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":1,\"data\":\"%b%x%%b%\"}]", "[]", NULL);
  /* missing variable names it and the field */
  a = (struct ap){.records = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"%nope%\",\"ttl\":1}]"};
  expect_apply("missing", &a, DC_E_MISSING_VARIABLE, NULL, NULL, "records[0].data: variable %nope%");
  /* inactive records are not substituted (missing variable in group 2) */
  a = (struct ap){.records = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1,\"groupId\":\"1\"},"
                             "{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"%nope%\",\"ttl\":1,\"groupId\":\"2\"}]",
                  .groups = {"1"}};
  expect_apply("inactive", &a, DC_OK, NULL, "[]", NULL);
  /* group filter that selects nothing grouped */
  a = (struct ap){.records = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1,\"groupId\":\"1\"},"
                             "{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"y\",\"ttl\":1}]",
                  .groups = {"9"}};
  expect_apply("group none", &a, DC_E_TEMPLATE, NULL, NULL, "groupId: no record");
  /* numeric field: sole variable, value range */
  a = (struct ap){.records = "[{\"type\":\"MX\",\"host\":\"@\",\"pointsTo\":\"mx.example\",\"ttl\":\"%t%\",\"priority\":\"%p%\"}]",
                  .params = {"t=60", "p=70000"}};
  expect_apply("uint16 range", &a, DC_E_RECORD, NULL, NULL, "records[0].priority: '70000'");
  a.params[1] = "p=-1";
  expect_apply("uint16 sign", &a, DC_E_RECORD, NULL, NULL, "records[0].priority");
  a = (struct ap){.records = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":\"x%t%\"}]",
                  .params = {"t=60"}};
  expect_apply("ttl mixed", &a, DC_E_RECORD, NULL, NULL, "exactly one %variable%");
  /* control bytes from a variable are refused (zone-file injection) */
  a = (struct ap){.records = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"%v%\",\"ttl\":1}]",
                  .params = {"v=a\nb"}};
  expect_apply("newline", &a, DC_E_RECORD, NULL, NULL, "control character");
  a.params[0] = "v=\xff\xfe";
  expect_apply("not utf8", &a, DC_E_RECORD, NULL, NULL, "not UTF-8");
  /* "@" after substitution acts as "@" */
  a = (struct ap){.records = "[{\"type\":\"CNAME\",\"host\":\"%h%\",\"pointsTo\":\"%t%\",\"ttl\":1}]",
                  .host = "bar", .params = {"h=@", "t=@"}};
  expect_apply("at from variable", &a, DC_OK,
               "[{\"type\":\"CNAME\",\"name\":\"bar\",\"ttl\":1,\"data\":\"bar.example.com\"}]", "[]", NULL);
}

struct hrow {
  const char *host_field;
  const char *host;
  const char *want;      /* owner name, or NULL = DC_E_RECORD */
};

static const struct hrow k_hosts[] = {
  {"@", "", "@"},
  {"", "", "@"},
  {"@", "bar", "bar"},
  {"www", "", "www"},
  {"www", "bar", "www.bar"},
  {"WWW", "Bar", "www.bar"},
  {"example.com.", "bar", "@"},
  {"x.Example.COM.", "bar", "x"},
  {"%fqdn%.", "bar", "bar"},
  {"%domain%.", "bar", "@"},
  {"other.com.", "", NULL},
  {"xexample.com.", "", NULL},
  {".", "", NULL},
  {"a..b", "", NULL},
  {"*", "bar", "*.bar"},
  {"*.sub", "", "*.sub"},
  {"sub.*", "", NULL},
  {"*x", "", NULL},
  {"-a", "", NULL},
  {"a-", "", NULL},
  {"_dmarc", "bar", "_dmarc.bar"},
  {"a b", "", NULL},
  {"mail.@", "", NULL},
  {"0123456789012345678901234567890123456789012345678901234567890123", "", NULL},
};

static void test_host_rendering(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof k_hosts / sizeof k_hosts[0]; i++) {
    const struct hrow *h = &k_hosts[i];
    char recs[512], want[512];
    snprintf(recs, sizeof recs, "[{\"type\":\"TXT\",\"host\":\"%s\",\"data\":\"x\",\"ttl\":1}]",
             h->host_field);
    struct ap a = {.records = recs, .host = h->host};
    if (h->want) {
      snprintf(want, sizeof want, "[{\"type\":\"TXT\",\"name\":\"%s\",\"ttl\":1,\"data\":\"x\"}]",
               h->want);
      expect_apply(h->host_field, &a, DC_OK, want, "[]", NULL);
    } else {
      expect_apply(h->host_field, &a, DC_E_RECORD, NULL, NULL, "records[0].host");
    }
  }
  /* the opts' host and domain */
  struct ap a = {.records = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]",
                 .host = "a b"};
  expect_apply("bad host", &a, DC_E_INVALID_HOST, NULL, NULL, "host 'a b'");
  a.host = NULL;
  a.domain = "not a domain";
  expect_apply("bad domain", &a, DC_E_INVALID_DOMAIN, NULL, NULL, NULL);
  a.domain = "EXAMPLE.com.";
  expect_apply("domain normalised", &a, DC_OK, NULL, "[]", NULL);
  /* hostRequired via a template document */
  dc_client *c = tu_client();
  dc_template *t = NULL;
  dc_zone *z = NULL;
  dc_apply_opts *o = NULL;
  dc_apply_result *res = NULL;
  char *d = doc("\"hostRequired\":true,\"records\":[{\"type\":\"CNAME\",\"host\":\"@\","
                "\"pointsTo\":\"t.example\",\"ttl\":1}]}");
  assert_status(dc_template_parse(c, d, strlen(d), &t), DC_OK);
  assert_status(dc_zone_new(&z), DC_OK);
  assert_status(dc_apply_opts_new(&o), DC_OK);
  assert_status(dc_apply_opts_set_domain(o, "example.com"), DC_OK);
  assert_status(dc_apply_opts_set_host(o, "@"), DC_OK);
  assert_status(dc_template_apply(c, t, z, o, &res), DC_E_HOST_REQUIRED);
  assert_null(res);
  assert_status(dc_apply_opts_set_host(o, "www"), DC_OK);
  assert_status(dc_template_apply(c, t, z, o, &res), DC_OK);
  dc_apply_result_free(res);
  dc_apply_opts_free(o);
  dc_zone_free(z);
  dc_template_free(t);
  dc_client_free(c);
  free(d);
}

struct drow {
  const char *name;
  const char *record;    /* one template record */
  const char *param;     /* "v=..." */
  const char *want_data; /* NULL = DC_E_RECORD */
  const char *detail;
};

static const struct drow k_data[] = {
  {"ipv4", "{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"%v%\",\"ttl\":1}", "v=192.0.2.1", "192.0.2.1", NULL},
  {"ipv4 short form", "{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"%v%\",\"ttl\":1}", "v=132.148.25", NULL, "not an IPv4"},
  {"ipv4 leading zero", "{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"%v%\",\"ttl\":1}", "v=01.2.3.4", NULL, "not an IPv4"},
  {"ipv4 256", "{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"%v%\",\"ttl\":1}", "v=1.2.3.256", NULL, "not an IPv4"},
  {"ipv6 lower-cased", "{\"type\":\"AAAA\",\"host\":\"@\",\"pointsTo\":\"%v%\",\"ttl\":1}", "v=2001:DB8::1", "2001:db8::1", NULL},
  {"ipv6 bad", "{\"type\":\"AAAA\",\"host\":\"@\",\"pointsTo\":\"%v%\",\"ttl\":1}", "v=2001:::1", NULL, "not an IPv6"},
  {"cname target", "{\"type\":\"CNAME\",\"host\":\"w\",\"pointsTo\":\"%v%\",\"ttl\":1}", "v=T.Example.", "t.example.", NULL},
  {"cname target space", "{\"type\":\"CNAME\",\"host\":\"w\",\"pointsTo\":\"%v%\",\"ttl\":1}", "v=a b", NULL, "records[0].pointsTo"},
  {"ns at", "{\"type\":\"NS\",\"host\":\"w\",\"pointsTo\":\"%v%\",\"ttl\":1}", "v=@", NULL, "circular"},
  {"srv dot target", "{\"type\":\"SRV\",\"name\":\"@\",\"target\":\"%v%\",\"ttl\":1,\"priority\":0,\"weight\":0,\"port\":0,\"protocol\":\"_tcp\",\"service\":\"_sip\"}", "v=.", ".", NULL},
  {"srv protocol", "{\"type\":\"SRV\",\"name\":\"@\",\"target\":\"t.example\",\"ttl\":1,\"priority\":0,\"weight\":0,\"port\":0,\"protocol\":\"%v%\",\"service\":\"_sip\"}", "v=_xyz", NULL, "records[0].protocol"},
  {"custom at", "{\"type\":\"CAA\",\"host\":\"@\",\"data\":\"%v%\",\"ttl\":1}", "v=@", NULL, "records[0].data"},
  {"custom empty", "{\"type\":\"CAA\",\"host\":\"@\",\"data\":\"%v%\",\"ttl\":1}", "v=", NULL, "records[0].data: empty"},
  {"txt at literal", "{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"%v%\",\"ttl\":1}", "v=@", "@", NULL},
  {"redir https", "{\"type\":\"REDIR302\",\"target\":\"%v%\"}", "v=https://x.example:8443/p?q=1", "https://x.example:8443/p?q=1", NULL},
  {"redir userinfo", "{\"type\":\"REDIR302\",\"target\":\"%v%\"}", "v=http://u@x.example/", NULL, "user information"},
  {"redir scheme", "{\"type\":\"REDIR302\",\"target\":\"%v%\"}", "v=ftp://x.example/", NULL, "records[0].target"},
  {"spf rules all", "{\"type\":\"SPFM\",\"host\":\"@\",\"spfRules\":\"%v%\"}", "v=a -all", NULL, "'all' term"},
  {"spf rules version", "{\"type\":\"SPFM\",\"host\":\"@\",\"spfRules\":\"%v%\"}", "v=v=spf1 a", NULL, "v=spf1"},
  {"spf rules empty", "{\"type\":\"SPFM\",\"host\":\"@\",\"spfRules\":\"%v%\"}", "v= ", NULL, "no SPF term"},
  {"apexcname off apex", "{\"type\":\"APEXCNAME\",\"host\":\"%v%\",\"pointsTo\":\"t.example\",\"ttl\":1}", "v=www", NULL, "APEXCNAME"},
  {"cname at apex", "{\"type\":\"CNAME\",\"host\":\"%v%\",\"pointsTo\":\"t.example\",\"ttl\":1}", "v=@", NULL, "zone apex"},
};

static void test_record_data(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof k_data / sizeof k_data[0]; i++) {
    const struct drow *r = &k_data[i];
    char recs[512];
    snprintf(recs, sizeof recs, "[%s]", r->record);
    struct ap a = {.records = recs, .params = {r->param}, .redirect = {"A 192.0.2.9"}};
    dc_client *c = tu_client();
    dc_apply_result *res = NULL;
    dc_status st = run(c, &a, &res);
    if (r->want_data == NULL) {
      if (st != DC_E_RECORD || strstr(dc_client_error(c), r->detail) == NULL)
        fail_msg("%s: %s (%s), expected record with '%s'", r->name, dc_status_name(st),
                 dc_client_error(c), r->detail);
    } else {
      if (st != DC_OK) fail_msg("%s: %s (%s)", r->name, dc_status_name(st), dc_client_error(c));
      const dc_zone *n = dc_apply_result_added(res);
      const char *got = dc_zone_data(n, dc_zone_count(n) - 1);
      if (strcmp(got, r->want_data) != 0)
        fail_msg("%s: data '%s', expected '%s'", r->name, got, r->want_data);
    }
    dc_apply_result_free(res);
    dc_client_free(c);
  }
}

/* ---- 3. SPF merge */

struct srow {
  const char *rules, *existing, *want; /* want NULL = unchanged */
};

static const struct srow k_spf[] = {
  {"foo", "v=spf1 bar -all", "v=spf1 foo bar -all"},
  {"foo", "v=spf1 foo -all", NULL},
  {"FOO", "v=spf1 foo -all", NULL},
  {"fo", "v=spf1 foo -all", "v=spf1 fo foo -all"},
  {"a include:spf.hoster.example", "v=spf1 a include:spf.example.org ~all",
   "v=spf1 include:spf.hoster.example a include:spf.example.org ~all"},
  {"~include:x", "v=spf1 -include:x -all", "v=spf1 ~include:x -all"},
  {"include:x", "v=spf1 ?include:x -all", "v=spf1 include:x -all"},
  {"-include:x", "v=spf1 ~include:x -all", NULL},
  {"a a mx", "v=spf1 -all", "v=spf1 a mx -all"},
  {"a", "v=spf1", "v=spf1 a"},
  {"ip4:192.0.2.0/24", "v=spf1  mx   ~all", "v=spf1 ip4:192.0.2.0/24 mx ~all"},
};

static void test_spf_merge(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof k_spf / sizeof k_spf[0]; i++) {
    char *out = NULL;
    assert_status(dci_spf_merge(k_spf[i].rules, k_spf[i].existing, &out), DC_OK);
    if (k_spf[i].want == NULL) {
      if (out != NULL) fail_msg("%s + %s: '%s', expected no change", k_spf[i].rules,
                                k_spf[i].existing, out);
    } else if (out == NULL || strcmp(out, k_spf[i].want) != 0) {
      fail_msg("%s + %s: '%s', expected '%s'", k_spf[i].rules, k_spf[i].existing,
               out ? out : "(no change)", k_spf[i].want);
    }
    free(out);
  }
  char *out = NULL;
  assert_status(dci_spf_new("a  a  mx", &out), DC_OK);
  assert_string_equal(out, "v=spf1 a mx ~all");
  free(out);
  assert_true(dci_is_spf("v=spf1"));
  assert_true(dci_is_spf("V=SPF1 a"));
  assert_false(dci_is_spf("v=spf10"));
  assert_false(dci_is_spf("v=DMARC1"));

  /* through apply: a quoted SPF record is recognised and merged */
  struct ap a = {.records = "[{\"type\":\"SPFM\",\"host\":\"@\",\"spfRules\":\"include:x.example\"}]",
                 .zone = "[{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":300,\"data\":\"\\\"v=spf1 \\\" \\\"a -all\\\"\"}]"};
  expect_apply("quoted spf", &a, DC_OK,
               "[{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":300,\"data\":\"v=spf1 include:x.example a -all\"}]",
               "[{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":300,\"data\":\"\\\"v=spf1 \\\" \\\"a -all\\\"\"}]", NULL);
  /* two SPF records: not mergeable, a conflict; forced: replaced */
  a.zone = "[{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":300,\"data\":\"v=spf1 a -all\"},"
           "{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":300,\"data\":\"v=spf1 mx -all\"}]";
  expect_apply("two spf", &a, DC_E_CONFLICT, NULL, NULL, "2 conflicting records");
  a.force = true;
  expect_apply("two spf forced", &a, DC_OK,
               "[{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":6000,\"data\":\"v=spf1 include:x.example ~all\"}]",
               NULL, NULL);
  /* SPFM merges into an SPF TXT the same template writes; two SPFM merge */
  a = (struct ap){.records = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"v=spf1 a ~all\",\"ttl\":60},"
                             "{\"type\":\"SPFM\",\"host\":\"@\",\"spfRules\":\"mx\"},"
                             "{\"type\":\"SPFM\",\"host\":\"@\",\"spfRules\":\"a ip4:192.0.2.1\"}]"};
  expect_apply("spfm into template txt", &a, DC_OK,
               "[{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":60,\"data\":\"v=spf1 ip4:192.0.2.1 mx a ~all\"}]",
               "[]", NULL);
  /* multi-aware: the SPF record carries no _dc (it is shared) */
  a = (struct ap){.records = "[{\"type\":\"SPFM\",\"host\":\"@\",\"spfRules\":\"mx\"}]", .multi = true};
  expect_apply("spf stateless", &a, DC_OK,
               "[{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":6000,\"data\":\"v=spf1 mx ~all\"}]", "[]", NULL);
}

/* ---- 4. conflicts */

static void test_conflict_modes(void **state)
{
  (void)state;
  static const char zone[] =
    "[{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":1,\"data\":\"v=DMARC1; p=none\"},"
    "{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":1,\"data\":\"other\"},"
    "{\"type\":\"TXT\",\"name\":\"www\",\"ttl\":1,\"data\":\"v=DMARC1; x\"}]";
  struct ap a = {.zone = zone, .force = true};
  a.records = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"n\",\"ttl\":1}]";
  expect_apply("none", &a, DC_OK, NULL, "[]", NULL);
  a.records = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"n\",\"ttl\":1,\"txtConflictMatchingMode\":\"All\"}]";
  expect_apply("all", &a, DC_OK, NULL,
               "[{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":1,\"data\":\"v=DMARC1; p=none\"},"
               "{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":1,\"data\":\"other\"}]", NULL);
  a.records = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"n\",\"ttl\":1,\"txtConflictMatchingMode\":\"Prefix\","
              "\"txtConflictMatchingPrefix\":\"v=DMARC1\"}]";
  expect_apply("prefix", &a, DC_OK, NULL,
               "[{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":1,\"data\":\"v=DMARC1; p=none\"}]", NULL);
  /* without force: DC_E_CONFLICT, the 409 list, and the forced plan */
  a.force = false;
  dc_client *c = tu_client();
  dc_apply_result *res = NULL;
  assert_status(run(c, &a, &res), DC_E_CONFLICT);
  assert_non_null(strstr(dc_client_error(c), "1 conflicting record"));
  const dc_conflicts *cf = dc_apply_result_conflicts(res);
  assert_non_null(cf);
  assert_string_equal(dc_conflicts_code(cf), "409");
  assert_int_equal(dc_conflicts_count(cf), 1);
  assert_string_equal(dc_conflicts_type(cf, 0), "TXT");
  assert_string_equal(dc_conflicts_host(cf, 0), "@");
  assert_string_equal(dc_conflicts_data(cf, 0), "v=DMARC1; p=none");
  assert_int_equal(dc_zone_count(dc_apply_result_deleted(res)), 1);
  char *j = NULL;
  assert_status(dc_apply_result_to_json(res, &j), DC_OK);
  assert_string_equal(j, "{\"conflicts\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"v=DMARC1; p=none\"}]}");
  dc_free(j);
  dc_apply_result_free(res);
  dc_client_free(c);
}

static void test_conflict_rules(void **state)
{
  (void)state;
  static const char zone[] =
    "[{\"type\":\"A\",\"name\":\"www\",\"ttl\":1,\"data\":\"192.0.2.1\"},"
    "{\"type\":\"AAAA\",\"name\":\"www\",\"ttl\":1,\"data\":\"2001:db8::1\"},"
    "{\"type\":\"MX\",\"name\":\"www\",\"ttl\":1,\"data\":\"mx.example\",\"priority\":1},"
    "{\"type\":\"TXT\",\"name\":\"www\",\"ttl\":1,\"data\":\"t\"},"
    "{\"type\":\"CAA\",\"name\":\"www\",\"ttl\":1,\"data\":\"0 issue \\\"ca\\\"\"},"
    "{\"type\":\"A\",\"name\":\"a.www\",\"ttl\":1,\"data\":\"192.0.2.2\"},"
    "{\"type\":\"NS\",\"name\":\"@\",\"ttl\":1,\"data\":\"ns1.example\"},"
    "{\"type\":\"SOA\",\"name\":\"@\",\"ttl\":1,\"data\":\"ns1.example. h.example. 1 2 3 4 5\"},"
    "{\"type\":\"NS\",\"name\":\"sub\",\"ttl\":1,\"data\":\"ns.other\"},"
    "{\"type\":\"A\",\"name\":\"xwww\",\"ttl\":1,\"data\":\"192.0.2.3\"}]";
  struct ap a = {.zone = zone, .force = true};
  /* CNAME takes every record at its name, not below, not siblings */
  a.records = "[{\"type\":\"CNAME\",\"host\":\"www\",\"pointsTo\":\"t.example\",\"ttl\":1}]";
  expect_apply("cname", &a, DC_OK, NULL,
               "[{\"type\":\"A\",\"name\":\"www\",\"ttl\":1,\"data\":\"192.0.2.1\"},"
               "{\"type\":\"AAAA\",\"name\":\"www\",\"ttl\":1,\"data\":\"2001:db8::1\"},"
               "{\"type\":\"MX\",\"name\":\"www\",\"ttl\":1,\"data\":\"mx.example\",\"priority\":1},"
               "{\"type\":\"TXT\",\"name\":\"www\",\"ttl\":1,\"data\":\"t\"},"
               "{\"type\":\"CAA\",\"name\":\"www\",\"ttl\":1,\"data\":\"0 issue \\\"ca\\\"\"}]", NULL);
  /* AAAA takes A and AAAA */
  a.records = "[{\"type\":\"AAAA\",\"host\":\"www\",\"pointsTo\":\"2001:db8::2\",\"ttl\":1}]";
  expect_apply("aaaa", &a, DC_OK, NULL,
               "[{\"type\":\"A\",\"name\":\"www\",\"ttl\":1,\"data\":\"192.0.2.1\"},"
               "{\"type\":\"AAAA\",\"name\":\"www\",\"ttl\":1,\"data\":\"2001:db8::1\"}]", NULL);
  /* NS takes everything at and below its name */
  a.records = "[{\"type\":\"NS\",\"host\":\"www\",\"pointsTo\":\"ns.example\",\"ttl\":1}]";
  expect_apply("ns subtree", &a, DC_OK, NULL,
               "[{\"type\":\"A\",\"name\":\"www\",\"ttl\":1,\"data\":\"192.0.2.1\"},"
               "{\"type\":\"AAAA\",\"name\":\"www\",\"ttl\":1,\"data\":\"2001:db8::1\"},"
               "{\"type\":\"MX\",\"name\":\"www\",\"ttl\":1,\"data\":\"mx.example\",\"priority\":1},"
               "{\"type\":\"TXT\",\"name\":\"www\",\"ttl\":1,\"data\":\"t\"},"
               "{\"type\":\"CAA\",\"name\":\"www\",\"ttl\":1,\"data\":\"0 issue \\\"ca\\\"\"},"
               "{\"type\":\"A\",\"name\":\"a.www\",\"ttl\":1,\"data\":\"192.0.2.2\"}]", NULL);
  /* a record below a delegation takes the delegation; the apex NS stays */
  a.records = "[{\"type\":\"TXT\",\"host\":\"_x.sub\",\"data\":\"v\",\"ttl\":1},"
              "{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"v\",\"ttl\":1}]";
  expect_apply("below delegation", &a, DC_OK, NULL,
               "[{\"type\":\"NS\",\"name\":\"sub\",\"ttl\":1,\"data\":\"ns.other\"}]", NULL);
  /* NS at the apex adds to the zone's NS set */
  a.records = "[{\"type\":\"NS\",\"host\":\"@\",\"pointsTo\":\"ns2.example\",\"ttl\":1}]";
  a.zone = zone;
  dc_client *c = tu_client();
  dc_template *t = NULL;
  expect_apply("apex ns", &a, DC_OK,
               "[{\"type\":\"NS\",\"name\":\"@\",\"ttl\":1,\"data\":\"ns2.example\"}]", "[]", NULL);
  /* other types take nothing but a CNAME */
  a.records = "[{\"type\":\"CAA\",\"host\":\"www\",\"data\":\"0 issue \\\"other\\\"\",\"ttl\":1}]";
  expect_apply("caa", &a, DC_OK, NULL, "[]", NULL);
  /* MX takes MX only */
  a.records = "[{\"type\":\"MX\",\"host\":\"www\",\"pointsTo\":\"mx2.example\",\"priority\":5,\"ttl\":1}]";
  expect_apply("mx", &a, DC_OK, NULL,
               "[{\"type\":\"MX\",\"name\":\"www\",\"ttl\":1,\"data\":\"mx.example\",\"priority\":1}]", NULL);
  /* self conflicts */
  a.records = "[{\"type\":\"CNAME\",\"host\":\"x\",\"pointsTo\":\"t.example\",\"ttl\":1},"
              "{\"type\":\"TXT\",\"host\":\"x\",\"data\":\"v\",\"ttl\":1}]";
  expect_apply("self cname", &a, DC_E_RECORD, NULL, NULL, "conflict with each other");
  a.records = "[{\"type\":\"NS\",\"host\":\"x\",\"pointsTo\":\"n.example\",\"ttl\":1},"
              "{\"type\":\"TXT\",\"host\":\"y.x\",\"data\":\"v\",\"ttl\":1}]";
  expect_apply("self ns below", &a, DC_E_RECORD, NULL, NULL, "records[0] (NS x) and records[1] (TXT y.x)");
  a.records = "[{\"type\":\"CNAME\",\"host\":\"x\",\"pointsTo\":\"t.example\",\"ttl\":1},"
              "{\"type\":\"CNAME\",\"host\":\"x\",\"pointsTo\":\"t.example\",\"ttl\":1}]";
  expect_apply("identical cname written once", &a, DC_OK,
               "[{\"type\":\"CNAME\",\"name\":\"x\",\"ttl\":1,\"data\":\"t.example\"}]", "[]", NULL);
  a.records = "[{\"type\":\"REDIR301\",\"host\":\"r\",\"target\":\"https://t.example/\"},"
              "{\"type\":\"A\",\"host\":\"r\",\"pointsTo\":\"192.0.2.7\",\"ttl\":1}]";
  a.redirect[0] = "A 192.0.2.9";
  expect_apply("self redir", &a, DC_E_RECORD, NULL, NULL, "conflict with each other");
  a.redirect[0] = NULL;
  expect_apply("redir without records", &a, DC_E_TEMPLATE, NULL, NULL, "redirect records");
  (void)t;
  dc_client_free(c);
}

/* The 409 list stops at DC_MAX_CONFLICT_RECORDS; the message has the
 * count. */
static void test_conflict_cap(void **state)
{
  (void)state;
  size_t n = DC_MAX_CONFLICT_RECORDS + 76;
  char *z = malloc(n * 64 + 16);
  size_t o = 0;
  z[o++] = '[';
  for (size_t i = 0; i < n; i++)
    o += (size_t)snprintf(z + o, 64, "%s{\"type\":\"A\",\"name\":\"h%zu.sub\",\"data\":\"x\"}",
                          i ? "," : "", i);
  z[o++] = ']';
  z[o] = '\0';
  struct ap a = {.zone = z, .records = "[{\"type\":\"NS\",\"host\":\"sub\",\"pointsTo\":\"n.example\",\"ttl\":1}]"};
  dc_client *c = tu_client();
  dc_apply_result *res = NULL;
  assert_status(run(c, &a, &res), DC_E_CONFLICT);
  const dc_conflicts *cf = dc_apply_result_conflicts(res);
  assert_int_equal(dc_conflicts_count(cf), DC_MAX_CONFLICT_RECORDS);
  char msg[96];
  snprintf(msg, sizeof msg, "%zu conflicting records (the first %d listed)", n,
           DC_MAX_CONFLICT_RECORDS);
  assert_string_equal(dc_conflicts_message(cf), msg);
  assert_int_equal(dc_zone_count(dc_apply_result_deleted(res)), n);
  dc_apply_result_free(res);
  dc_client_free(c);
  free(z);
}

static void test_identical(void **state)
{
  (void)state;
  static const char zone[] = "[{\"type\":\"A\",\"name\":\"@\",\"ttl\":300,\"data\":\"192.0.2.1\"},"
                             "{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":300,\"data\":\"\\\"hello\\\"\"}]";
  /* identical A: replaced, not a conflict (no force needed) */
  struct ap a = {.zone = zone,
                 .records = "[{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"192.0.2.1\",\"ttl\":60}]"};
  expect_apply("identical a", &a, DC_OK,
               "[{\"type\":\"A\",\"name\":\"@\",\"ttl\":60,\"data\":\"192.0.2.1\"}]",
               "[{\"type\":\"A\",\"name\":\"@\",\"ttl\":300,\"data\":\"192.0.2.1\"}]", NULL);
  /* identical TXT (logical value; quotes aside) stays and is not rewritten */
  a.records = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"hello\",\"ttl\":60}]";
  expect_apply("identical txt", &a, DC_OK, "[]", "[]", NULL);
  /* a different A is a conflict */
  a.records = "[{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"192.0.2.2\",\"ttl\":60}]";
  expect_apply("other a", &a, DC_E_CONFLICT, NULL, NULL, "1 conflicting record");
}

/* ---- 5. template state (multi-aware) */

static void test_multi_aware(void **state)
{
  (void)state;
  static const char zone[] =
    "[{\"type\":\"A\",\"name\":\"@\",\"ttl\":1,\"data\":\"192.0.2.1\",\"_dc\":{\"id\":\"i1\",\"providerId\":\"other\",\"serviceId\":\"t\",\"host\":\"\",\"essential\":\"Always\"}},"
    "{\"type\":\"TXT\",\"name\":\"x\",\"ttl\":1,\"data\":\"o\",\"_dc\":{\"id\":\"i1\",\"providerId\":\"other\",\"serviceId\":\"t\",\"host\":\"\",\"essential\":\"OnApply\"}},"
    "{\"type\":\"TXT\",\"name\":\"g\",\"ttl\":1,\"data\":\"g1\",\"_dc\":{\"id\":\"i2\",\"providerId\":\"P.example\",\"serviceId\":\"s1\",\"host\":\"@\",\"essential\":\"Always\",\"groupId\":\"1\"}},"
    "{\"type\":\"TXT\",\"name\":\"g\",\"ttl\":1,\"data\":\"g2\",\"_dc\":{\"id\":\"i2\",\"providerId\":\"p.example\",\"serviceId\":\"s1\",\"host\":\"\",\"essential\":\"Always\",\"groupId\":\"2\"}}]";
  /* an essential conflicting record takes its whole instance; without
   * force the cascaded records are listed too */
  struct ap a = {.zone = zone, .multi = true, .instance = "n1",
                 .records = "[{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"192.0.2.5\",\"ttl\":1,\"groupId\":\"1\"},"
                            "{\"type\":\"TXT\",\"host\":\"g\",\"data\":\"new\",\"ttl\":1,\"groupId\":\"1\"}]"};
  dc_client *c = tu_client();
  dc_apply_result *res = NULL;
  assert_status(run(c, &a, &res), DC_E_CONFLICT);
  assert_int_equal(dc_conflicts_count(dc_apply_result_conflicts(res)), 2);
  assert_string_equal(dc_conflicts_data(dc_apply_result_conflicts(res), 1), "o");
  dc_apply_result_free(res);
  res = NULL;
  /* forced, groups 1: the previous instance (same template, same host:
   * "@" and "" are the same host) loses only its group-1 records */
  a.force = true;
  a.groups[0] = "1";
  assert_status(run(c, &a, &res), DC_OK);
  char *d = zjson(dc_apply_result_deleted(res));
  assert_string_equal(d,
    "[{\"type\":\"A\",\"name\":\"@\",\"ttl\":1,\"data\":\"192.0.2.1\",\"_dc\":{\"id\":\"i1\",\"providerId\":\"other\",\"serviceId\":\"t\",\"host\":\"\",\"essential\":\"Always\"}},"
    "{\"type\":\"TXT\",\"name\":\"x\",\"ttl\":1,\"data\":\"o\",\"_dc\":{\"id\":\"i1\",\"providerId\":\"other\",\"serviceId\":\"t\",\"host\":\"\",\"essential\":\"OnApply\"}},"
    "{\"type\":\"TXT\",\"name\":\"g\",\"ttl\":1,\"data\":\"g1\",\"_dc\":{\"id\":\"i2\",\"providerId\":\"P.example\",\"serviceId\":\"s1\",\"host\":\"@\",\"essential\":\"Always\",\"groupId\":\"1\"}}]");
  dc_free(d);
  char *n = zjson(dc_apply_result_added(res));
  assert_string_equal(n,
    "[{\"type\":\"A\",\"name\":\"@\",\"ttl\":1,\"data\":\"192.0.2.5\",\"_dc\":{\"id\":\"n1\",\"providerId\":\"p.example\",\"serviceId\":\"s1\",\"host\":\"\",\"essential\":\"Always\",\"groupId\":\"1\"}},"
    "{\"type\":\"TXT\",\"name\":\"g\",\"ttl\":1,\"data\":\"new\",\"_dc\":{\"id\":\"n1\",\"providerId\":\"p.example\",\"serviceId\":\"s1\",\"host\":\"\",\"essential\":\"Always\",\"groupId\":\"1\"}}]");
  dc_free(n);
  dc_apply_result_free(res);
  res = NULL;
  /* no explicit id with groups: the previous instance's id is kept */
  a.instance = NULL;
  assert_status(run(c, &a, &res), DC_OK);
  assert_non_null(strstr(dc_zone_state_json(dc_apply_result_added(res), 0), "\"id\":\"i2\""));
  dc_apply_result_free(res);
  res = NULL;
  /* no groups, no id: a random UUID */
  a.groups[0] = NULL;
  assert_status(run(c, &a, &res), DC_OK);
  const char *s = dc_zone_state_json(dc_apply_result_added(res), 0);
  assert_int_equal(strlen(strstr(s, "\"id\":\"") + 6), 36 + strlen("\",\"providerId\":\"p.example\",\"serviceId\":\"s1\",\"host\":\"\",\"essential\":\"Always\",\"groupId\":\"1\"}"));
  /* and everything of the previous instance goes */
  assert_int_equal(dc_zone_count(dc_apply_result_deleted(res)), 4);
  dc_apply_result_free(res);
  res = NULL;
  /* stateless mode ignores _dc: only the conflicting A goes */
  a.multi = false;
  assert_status(run(c, &a, &res), DC_OK);
  assert_int_equal(dc_zone_count(dc_apply_result_deleted(res)), 1);
  assert_null(dc_zone_state_json(dc_apply_result_added(res), 0));
  dc_apply_result_free(res);
  dc_client_free(c);
  /* multi-aware needs provider and service ids */
  dc_template *t = NULL;
  dc_zone *z = NULL;
  dc_apply_opts *o = NULL;
  assert_status(dc_client_new(&c), DC_OK);
  const char *recs = "[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"x\",\"ttl\":1}]";
  assert_status(dc_template_from_records(c, recs, strlen(recs), NULL, NULL, &t), DC_OK);
  assert_status(dc_zone_new(&z), DC_OK);
  assert_status(dc_apply_opts_new(&o), DC_OK);
  assert_status(dc_apply_opts_set_domain(o, "example.com"), DC_OK);
  assert_status(dc_apply_opts_set_multi_aware(o, 1), DC_OK);
  assert_status(dc_template_apply(c, t, z, o, &res), DC_E_TEMPLATE);
  dc_apply_opts_free(o);
  dc_zone_free(z);
  dc_template_free(t);
  dc_client_free(c);
}

/* ---- 6. redirects, APEXCNAME */

static void test_redir_apexcname(void **state)
{
  (void)state;
  struct ap a = {.records = "[{\"type\":\"REDIR302\",\"host\":\"@\",\"target\":\"https://%fqdn%/x\",\"groupId\":\"g\"}]",
                 .host = "Go", .redirect = {"A 192.0.2.9", "AAAA 2001:db8::9"},
                 .zone = "[{\"type\":\"CNAME\",\"name\":\"go\",\"ttl\":1,\"data\":\"t.example\"},"
                         "{\"type\":\"TXT\",\"name\":\"go\",\"ttl\":1,\"data\":\"keep\"}]",
                 .force = true};
  expect_apply("redir", &a, DC_OK,
               "[{\"type\":\"A\",\"name\":\"go\",\"ttl\":300,\"data\":\"192.0.2.9\"},"
               "{\"type\":\"AAAA\",\"name\":\"go\",\"ttl\":300,\"data\":\"2001:db8::9\"},"
               "{\"type\":\"REDIR302\",\"name\":\"go\",\"data\":\"https://go.example.com/x\"}]",
               "[{\"type\":\"CNAME\",\"name\":\"go\",\"ttl\":1,\"data\":\"t.example\"}]", NULL);
  a = (struct ap){.records = "[{\"type\":\"APEXCNAME\",\"pointsTo\":\"T.example\",\"ttl\":60}]",
                  .zone = "[{\"type\":\"REDIR301\",\"name\":\"@\",\"data\":\"http://x.example\"},"
                          "{\"type\":\"NS\",\"name\":\"@\",\"ttl\":1,\"data\":\"ns.example\"},"
                          "{\"type\":\"SRV\",\"name\":\"@\",\"ttl\":1,\"data\":\"s.example\",\"priority\":1,\"weight\":1,\"port\":1,\"protocol\":\"_TCP\",\"service\":\"_sip\"}]",
                  .force = true};
  expect_apply("apexcname", &a, DC_OK,
               "[{\"type\":\"APEXCNAME\",\"name\":\"@\",\"ttl\":60,\"data\":\"t.example\"}]",
               "[{\"type\":\"REDIR301\",\"name\":\"@\",\"data\":\"http://x.example\"}]", NULL);
  a.host = "sub";
  expect_apply("apexcname with host", &a, DC_E_RECORD, NULL, NULL, "APEXCNAME");
  /* A at the apex takes an existing APEXCNAME */
  a = (struct ap){.records = "[{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"192.0.2.1\",\"ttl\":60}]",
                  .zone = "[{\"type\":\"APEXCNAME\",\"name\":\"@\",\"ttl\":1,\"data\":\"t.example\"}]",
                  .force = true};
  expect_apply("a vs apexcname", &a, DC_OK, NULL,
               "[{\"type\":\"APEXCNAME\",\"name\":\"@\",\"ttl\":1,\"data\":\"t.example\"}]", NULL);
}

/* ---- 7. signature (syncPubKeyDomain) */

static char **pem_records(size_t *n)
{
  char *pem = tu_read_file(tu_data("vectors/dck1_exampleservice_pub.pem"), NULL);
  char body[4096];
  size_t len = 0;
  for (char *line = strtok(pem, "\r\n"); line; line = strtok(NULL, "\r\n")) {
    if (strncmp(line, "-----", 5) == 0) continue;
    memcpy(body + len, line, strlen(line));
    len += strlen(line);
  }
  body[len] = '\0';
  free(pem);
  *n = (len + 199) / 200;
  char **recs = calloc(*n + 1, sizeof *recs);
  for (size_t i = 0; i < *n; i++) {
    recs[i] = malloc(256);
    snprintf(recs[i], 256, "p=%zu,a=RS256,d=%.200s", i + 1, body + i * 200);
  }
  return recs;
}

static void test_signature(void **state)
{
  (void)state;
  static const char qs[] =
    "domain=arnoldblinn.com&RANDOMTEXT=shm%3A1551036164%3Ahello&IP=132.148.25.185&host=bar"
    "&sig=LyCE%2B7H0zr%2FXHaxX36pdD1eSQENRiGTFxm79m7A5NLDPiUKLe71IrsEgnDLN76ndQcLTZlr4%2BHhpWzKZ"
    "KyFl9ieEpNzZlDHRp35H83Erhm0eDctUmI1Zct51alZ8RuTL%2Baa29WC%2BAM7%2BgSpnL%2FAHl9mxckyeEuFFqXc"
    "l%2F3ShwK2F9x%2F7r%2BcICefiUEzsZN3EuqOvwqQkBSqcdVy%2FohjNAG%2FInYAYSX%2B0fUK9UNQfQYkuPqOAp"
    "tPRjX%2BhUnYsXUk%2FeQq16aX7TzhZm%2BeEq%2BEn%2BoiEgh7qps1yvGbJm6QXKovan%2Fsqng40R6FBP3R3dvfZ"
    "C6QrfCUtGpQ8c0D0S5oLBw%3D%3D&key=_dck1";
  size_t nkey = 0;
  char **keys = pem_records(&nkey);
  dc_client *c = tu_client();
  dc_template *t = NULL;
  dc_zone *z = NULL;
  dc_apply_opts *o = NULL;
  dc_apply_result *res = NULL;
  char *path = NULL;
  {
    const char *rel = "/../conformance/templates/exampleservice.domainconnect.org.template2.json";
    size_t n = strlen(DC_TEST_DATA_DIR) + strlen(rel) + 1;
    path = malloc(n);
    snprintf(path, n, "%s%s", DC_TEST_DATA_DIR, rel);
  }
  assert_status(dc_template_load(c, path, &t), DC_OK);
  assert_string_equal(dc_template_sync_pub_key_domain(t), "exampleservice.domainconnect.org");
  assert_status(dc_zone_new(&z), DC_OK);
  assert_status(dc_apply_opts_new(&o), DC_OK);
  assert_status(dc_apply_opts_set_domain(o, "arnoldblinn.com"), DC_OK);
  assert_status(dc_apply_opts_set_host(o, "bar"), DC_OK);
  assert_status(dc_apply_opts_set_param(o, "IP", "132.148.25.185"), DC_OK);
  assert_status(dc_apply_opts_set_param(o, "RANDOMTEXT", "shm:1551036164:hello"), DC_OK);
  /* unsigned: refused */
  assert_status(dc_template_apply(c, t, z, o, &res), DC_E_SIG_MISSING);
  assert_non_null(strstr(dc_client_error(c), "syncPubKeyDomain"));
  /* signed: applied */
  assert_status(dc_apply_opts_set_signature(o, qs, (const char *const *)keys, nkey), DC_OK);
  assert_status(dc_template_apply(c, t, z, o, &res), DC_OK);
  assert_int_equal(dc_zone_count(dc_apply_result_added(res)), 3);
  assert_string_equal(dc_zone_data(dc_apply_result_added(res), 0), "132.148.25.185");
  dc_apply_result_free(res);
  res = NULL;
  /* tampered: refused */
  char *bad = strdup(qs);
  bad[strlen("domain=arnoldblinn.co")] = 'x';
  assert_status(dc_apply_opts_set_signature(o, bad, (const char *const *)keys, nkey), DC_OK);
  assert_status(dc_template_apply(c, t, z, o, &res), DC_E_SIG_INVALID);
  assert_null(res);
  /* no key records: malformed key */
  assert_status(dc_apply_opts_set_signature(o, qs, NULL, 0), DC_OK);
  assert_status(dc_template_apply(c, t, z, o, &res), DC_E_PUBKEY_RECORD);
  /* ignore_signature */
  assert_status(dc_apply_opts_set_ignore_signature(o, 1), DC_OK);
  assert_status(dc_template_apply(c, t, z, o, &res), DC_OK);
  dc_apply_result_free(res);
  free(bad);
  free(path);
  for (size_t i = 0; i < nkey; i++) free(keys[i]);
  free(keys);
  dc_apply_opts_free(o);
  dc_zone_free(z);
  dc_template_free(t);
  dc_client_free(c);
}

/* ---- 8. zones */

struct zrow {
  const char *json;
  dc_status want;
  const char *detail;
};

static const struct zrow k_zones[] = {
  {"[]", DC_OK, ""},
  {"{}", DC_E_ZONE, "not a JSON array"},
  {"[1]", DC_E_ZONE, "zone[0]: not an object"},
  {"[{\"type\":\"A\",\"name\":\"@\"}]", DC_E_ZONE, "zone[0]: data missing"},
  {"[{\"type\":\"A\",\"name\":\"@\",\"data\":\"x\",\"colour\":1}]", DC_E_ZONE, "unknown field 'colour'"},
  {"[{\"type\":\"A B\",\"name\":\"@\",\"data\":\"x\"}]", DC_E_ZONE, "zone[0].type"},
  {"[{\"type\":\"A\",\"name\":\"a..b\",\"data\":\"x\"}]", DC_E_ZONE, "zone[0].name"},
  {"[{\"type\":\"A\",\"name\":\"www.\",\"data\":\"x\"}]", DC_E_ZONE, "zone[0].name"},
  {"[{\"type\":\"A\",\"name\":\"@\",\"data\":\"x\",\"ttl\":-1}]", DC_E_ZONE, "zone[0].ttl"},
  {"[{\"type\":\"A\",\"name\":\"@\",\"data\":\"x\",\"ttl\":\"60\"}]", DC_OK, ""},
  {"[{\"type\":\"A\",\"name\":\"@\",\"data\":\"x\",\"_dc\":[]}]", DC_E_ZONE, "zone[0]._dc"},
  {"[{\"type\":\"A\",\"name\":\"@\",\"data\":5}]", DC_E_ZONE, "zone[0].data: not a string"},
};

static void test_zones(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  dc_zone *z = NULL, *z2 = NULL;
  for (size_t i = 0; i < sizeof k_zones / sizeof k_zones[0]; i++) {
    dc_status st = dc_zone_from_json(c, k_zones[i].json, strlen(k_zones[i].json), &z);
    if (st != k_zones[i].want || strstr(dc_client_error(c), k_zones[i].detail) == NULL)
      fail_msg("%s: %s (%s)", k_zones[i].json, dc_status_name(st), dc_client_error(c));
    dc_zone_free(z);
    z = NULL;
  }
  /* normalisation and round trip */
  const char *in = "[{\"type\":\"cname\",\"name\":\"WWW\",\"data\":\"T.Example.\",\"ttl\":5},"
                   "{\"type\":\"txt\",\"name\":\"\",\"data\":\"MiXed\",\"ttl\":5},"
                   "{\"type\":\"srv\",\"name\":\"_sip._tcp\",\"data\":\"S.example\",\"ttl\":5,\"priority\":1,"
                   "\"weight\":2,\"port\":3,\"protocol\":\"_TCP\",\"service\":\"SIP\",\"_dc\":{\"record_id\":\"7\"}}]";
  assert_status(dc_zone_from_json(c, in, strlen(in), &z), DC_OK);
  char *out = zjson(z);
  assert_string_equal(out,
    "[{\"type\":\"CNAME\",\"name\":\"www\",\"ttl\":5,\"data\":\"t.example.\"},"
    "{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":5,\"data\":\"MiXed\"},"
    "{\"type\":\"SRV\",\"name\":\"_sip._tcp\",\"ttl\":5,\"data\":\"s.example\",\"priority\":1,\"weight\":2,"
    "\"port\":3,\"protocol\":\"tcp\",\"service\":\"sip\",\"_dc\":{\"record_id\":\"7\"}}]");
  assert_int_equal(dc_zone_priority(z, 2), 1);
  assert_int_equal(dc_zone_weight(z, 2), 2);
  assert_int_equal(dc_zone_port(z, 2), 3);
  assert_string_equal(dc_zone_protocol(z, 2), "tcp");
  assert_string_equal(dc_zone_service(z, 2), "sip");
  assert_null(dc_zone_protocol(z, 0));
  assert_int_equal(dc_zone_priority(z, 0), -1);
  assert_null(dc_zone_type(z, 3));
  assert_int_equal(dc_zone_ttl(z, 3), -1);
  assert_status(dc_zone_copy(z, &z2), DC_OK);
  dc_zone_free(z); /* the copy shares the records and outlives the original */
  char *out2 = zjson(z2);
  assert_string_equal(out, out2);
  dc_free(out2);
  assert_status(dc_zone_from_json(c, out, strlen(out), &z), DC_OK);
  out2 = zjson(z);
  assert_string_equal(out, out2);
  dc_free(out);
  dc_free(out2);
  dc_zone_free(z);
  dc_zone_free(z2);
  dc_client_free(c);
}

/* The result's final zone outlives the input zone; final = zone - deleted
 * + new. */
static void test_result_final(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  dc_template *t = NULL;
  dc_zone *z = NULL;
  dc_apply_opts *o = NULL;
  dc_apply_result *res = NULL;
  const char *recs = "[{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"192.0.2.1\",\"ttl\":1}]";
  const char *zone = "[{\"type\":\"TXT\",\"name\":\"a\",\"ttl\":1,\"data\":\"1\"},"
                     "{\"type\":\"A\",\"name\":\"@\",\"ttl\":1,\"data\":\"192.0.2.9\"},"
                     "{\"type\":\"TXT\",\"name\":\"b\",\"ttl\":1,\"data\":\"2\"}]";
  assert_status(dc_template_from_records(c, recs, strlen(recs), "p", "s", &t), DC_OK);
  assert_status(dc_zone_from_json(c, zone, strlen(zone), &z), DC_OK);
  assert_status(dc_apply_opts_new(&o), DC_OK);
  assert_status(dc_apply_opts_set_domain(o, "example.com"), DC_OK);
  assert_status(dc_apply_opts_set_force(o, 1), DC_OK);
  assert_status(dc_template_apply(c, t, z, o, &res), DC_OK);
  assert_null(dc_apply_result_conflicts(res));
  dc_zone_free(z);
  const dc_zone *f = dc_apply_result_final(res);
  assert_non_null(f);
  assert_ptr_equal(f, dc_apply_result_final(res));
  char *j = zjson(f);
  assert_string_equal(j, "[{\"type\":\"TXT\",\"name\":\"a\",\"ttl\":1,\"data\":\"1\"},"
                         "{\"type\":\"TXT\",\"name\":\"b\",\"ttl\":1,\"data\":\"2\"},"
                         "{\"type\":\"A\",\"name\":\"@\",\"ttl\":1,\"data\":\"192.0.2.1\"}]");
  dc_free(j);
  assert_status(dc_apply_result_to_json(res, &j), DC_OK);
  assert_non_null(strstr(j, "{\"new\":[{\"type\":\"A\""));
  assert_non_null(strstr(j, ",\"deleted\":[{\"type\":\"A\",\"name\":\"@\",\"ttl\":1,\"data\":\"192.0.2.9\"}]"));
  dc_free(j);
  /* the final zone can be applied to again */
  dc_apply_result *res2 = NULL;
  assert_status(dc_template_apply(c, t, f, o, &res2), DC_OK);
  assert_int_equal(dc_zone_count(dc_apply_result_deleted(res2)), 1);
  dc_apply_result_free(res2);
  dc_apply_result_free(res);
  dc_apply_opts_free(o);
  dc_template_free(t);
  dc_client_free(c);
}

/* ---- 9. options */

static void test_options(void **state)
{
  (void)state;
  dc_apply_opts *o = NULL;
  assert_status(dc_apply_opts_new(NULL), DC_E_INVALID_ARG);
  assert_status(dc_apply_opts_new(&o), DC_OK);
  assert_status(dc_apply_opts_set_param(o, "", "x"), DC_E_INVALID_ARG);
  assert_status(dc_apply_opts_set_param(o, "a", NULL), DC_E_INVALID_ARG);
  char big[DC_MAX_PARAM_VALUE + 2];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  assert_status(dc_apply_opts_set_param(o, "a", big), DC_E_LIMIT);
  assert_status(dc_apply_opts_set_param(o, "redirect_uri", "https://x"), DC_OK);
  for (int i = 0; i < DC_MAX_PARAMS - 1; i++) {
    char n[16];
    snprintf(n, sizeof n, "p%d", i);
    assert_status(dc_apply_opts_set_param(o, n, "v"), DC_OK);
  }
  assert_status(dc_apply_opts_set_param(o, "one-more", "v"), DC_E_LIMIT);
  assert_status(dc_apply_opts_set_param(o, "p3", "replaced"), DC_OK);
  assert_status(dc_apply_opts_add_group_id(o, "a b"), DC_E_INVALID_ID);
  assert_status(dc_apply_opts_set_instance_id(o, "%x%"), DC_E_INVALID_ID);
  assert_status(dc_apply_opts_add_redirect_record(o, "MX", "mx.example", 1), DC_E_INVALID_ARG);
  assert_status(dc_apply_opts_add_redirect_record(o, "A", "::1", 1), DC_E_INVALID_ARG);
  assert_status(dc_apply_opts_add_redirect_record(o, "A", "192.0.2.1", -1), DC_E_INVALID_ARG);
  assert_status(dc_apply_opts_add_redirect_record(o, "cname", "r.example", 60), DC_OK);
  for (int i = 1; i < DC_MAX_REDIRECT_RECORDS; i++)
    assert_status(dc_apply_opts_add_redirect_record(o, "A", "192.0.2.1", 60), DC_OK);
  assert_status(dc_apply_opts_add_redirect_record(o, "A", "192.0.2.1", 60), DC_E_LIMIT);
  assert_status(dc_apply_opts_set_signature(o, "a=1", NULL, 1), DC_E_INVALID_ARG);
  dc_apply_opts_free(o);
  dc_apply_opts_free(NULL);
  /* NULL arguments */
  dc_apply_result *res = NULL;
  assert_status(dc_template_apply(NULL, NULL, NULL, NULL, &res), DC_E_INVALID_ARG);
  assert_null(dc_apply_result_added(NULL));
  assert_null(dc_apply_result_final(NULL));
  assert_int_equal(dc_zone_count(NULL), 0);
  dc_template_free(NULL);
  dc_zone_free(NULL);
  dc_apply_result_free(NULL);
}

/* ---- 12. templates as published: every quirk the engine accepts reads
 * exactly like its canonical form (docs/template-engine.md, "Templates as
 * published"): the same normalised template and the same apply output. */

struct quirk {
  const char *name;
  const char *quirky;     /* after k_head */
  const char *canonical;  /* after k_head */
};

#define Q_REC "{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"v=%v%\",\"ttl\":300"
static const struct quirk k_quirks[] = {
  {"syncRedirectDomain empty", "\"syncRedirectDomain\":\"\",\"records\":[" Q_REC "}]}",
   "\"records\":[" Q_REC "}]}"},
  {"version empty", "\"version\":\"\",\"records\":[" Q_REC "}]}", "\"records\":[" Q_REC "}]}"},
  {"flag as string", "\"syncBlock\":\"TRUE\",\"warnPhishing\":\"false\",\"records\":[" Q_REC "}]}",
   "\"syncBlock\":true,\"warnPhishing\":false,\"records\":[" Q_REC "}]}"},
  {"unknown top field", "\"$schema\":\"x\",\"notes\":{\"a\":1},\"records\":[" Q_REC "}]}",
   "\"records\":[" Q_REC "}]}"},
  {"unknown record field", "\"records\":[" Q_REC ",\"comment\":\"why\"}]}", "\"records\":[" Q_REC "}]}"},
  {"ttl as whole real", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"v=%v%\",\"ttl\":300.0}]}",
   "\"records\":[" Q_REC "}]}"},
  {"ttl as digit string", "\"records\":[{\"type\":\"TXT\",\"host\":\"@\",\"data\":\"v=%v%\",\"ttl\":\"300\"}]}",
   "\"records\":[" Q_REC "}]}"},
  {"groupId empty", "\"records\":[" Q_REC ",\"groupId\":\"\"}]}", "\"records\":[" Q_REC "}]}"},
  {"essential empty", "\"records\":[" Q_REC ",\"essential\":\"\"}]}", "\"records\":[" Q_REC "}]}"},
  {"txt mode empty", "\"records\":[" Q_REC ",\"txtConflictMatchingMode\":\"\"}]}",
   "\"records\":[" Q_REC "}]}"},
  {"prefix empty without Prefix mode",
   "\"records\":[" Q_REC ",\"txtConflictMatchingMode\":\"All\",\"txtConflictMatchingPrefix\":\"\"}]}",
   "\"records\":[" Q_REC ",\"txtConflictMatchingMode\":\"All\"}]}"},
  {"type in lower case", "\"records\":[{\"type\":\"txt\",\"host\":\"@\",\"data\":\"v=%v%\",\"ttl\":300}]}",
   "\"records\":[" Q_REC "}]}"},
  {"priority and port as reals",
   "\"records\":[{\"type\":\"SRV\",\"name\":\"_sip._tcp\",\"target\":\"t.example.\",\"ttl\":60,"
   "\"priority\":10.0,\"weight\":\"5\",\"port\":5060.0,\"protocol\":\"_TCP\",\"service\":\"_sip\"}]}",
   "\"records\":[{\"type\":\"SRV\",\"name\":\"_sip._tcp\",\"target\":\"t.example.\",\"ttl\":60,"
   "\"priority\":10,\"weight\":5,\"port\":5060,\"protocol\":\"_TCP\",\"service\":\"_sip\"}]}"},
};

/* Parses `rest`, prints the normalised template into *tj and the apply
 * output (zone with one TXT at @, v=1) into *aj. */
static void quirk_outputs(dc_client *c, const char *name, const char *rest, char **tj, char **aj)
{
  char *d = doc(rest);
  dc_template *t = NULL;
  dc_zone *z = NULL;
  dc_apply_opts *o = NULL;
  dc_apply_result *res = NULL;
  const char *zone = "[{\"type\":\"TXT\",\"name\":\"@\",\"ttl\":60,\"data\":\"v=old\"}]";
  dc_status st = dc_template_parse(c, d, strlen(d), &t);
  if (st != DC_OK) fail_msg("%s: %s (%s)", name, dc_status_name(st), dc_client_error(c));
  assert_status(dc_template_to_json(t, tj), DC_OK);
  assert_status(dc_zone_from_json(c, zone, strlen(zone), &z), DC_OK);
  assert_status(dc_apply_opts_new(&o), DC_OK);
  assert_status(dc_apply_opts_set_domain(o, "example.com"), DC_OK);
  assert_status(dc_apply_opts_set_param(o, "v", "1"), DC_OK);
  assert_status(dc_apply_opts_set_force(o, 1), DC_OK);
  assert_status(dc_template_apply(c, t, z, o, &res), DC_OK);
  assert_status(dc_apply_result_to_json(res, aj), DC_OK);
  dc_apply_result_free(res);
  dc_apply_opts_free(o);
  dc_zone_free(z);
  dc_template_free(t);
  free(d);
}

static void check_quirk(dc_client *c, const struct quirk *q)
{
  char *tq = NULL, *aq = NULL, *tc = NULL, *ac = NULL;
  quirk_outputs(c, q->name, q->quirky, &tq, &aq);
  quirk_outputs(c, q->name, q->canonical, &tc, &ac);
  if (strcmp(tq, tc) != 0) fail_msg("%s: template %s, canonical %s", q->name, tq, tc);
  if (strcmp(aq, ac) != 0) fail_msg("%s: apply %s, canonical %s", q->name, aq, ac);
  dc_free(tq);
  dc_free(aq);
  dc_free(tc);
  dc_free(ac);
}

static void test_published_quirks(void **state)
{
  (void)state;
  TU_TABLE(k_quirks, check_quirk);
  /* the accessor too: "" reads as absent */
  dc_client *c = tu_client();
  dc_template *t = NULL;
  char *d = doc(k_quirks[0].quirky);
  assert_status(dc_template_parse(c, d, strlen(d), &t), DC_OK);
  assert_null(dc_template_sync_redirect_domain(t));
  assert_int_equal(dc_template_version(t), -1);
  dc_template_free(t);
  free(d);
  dc_client_free(c);
}

/* ---- 13. apply requests (dc_apply_request_*, template apply --batch) */

struct rrow {
  const char *name;
  const char *json;
  dc_status want;
  const char *detail;
};

#define R_TPL "\"template\":{\"providerId\":\"p\",\"providerName\":\"P\",\"serviceId\":\"s\"," \
              "\"serviceName\":\"S\",\"records\":[{\"type\":\"A\",\"host\":\"@\",\"pointsTo\":\"%ip%\",\"ttl\":60}]}"
static const struct rrow k_requests[] = {
  {"inline", "{" R_TPL ",\"domain\":\"example.com\",\"params\":{\"ip\":\"192.0.2.1\"}}", DC_OK, ""},
  {"files", "{\"templateFile\":\"t.json\",\"zoneFile\":\"z.json\",\"domain\":\"example.com\"}", DC_OK, ""},
  {"every option", "{" R_TPL ",\"zone\":[],\"domain\":\"example.com\",\"host\":\"www\","
   "\"params\":{\"ip\":\"192.0.2.1\"},\"groupIds\":[\"g1\"],\"multiAware\":true,"
   "\"instanceId\":\"i-1\",\"force\":true,\"ignoreSignature\":false,"
   "\"redirectRecords\":[{\"type\":\"A\",\"data\":\"127.0.0.1\",\"ttl\":600}]}", DC_OK, ""},
  {"not json", "{", DC_E_JSON, ""},
  {"not an object", "[]", DC_E_JSON, ""},
  {"no template", "{\"domain\":\"example.com\"}", DC_E_INVALID_ARG,
   "request: give one of template and templateFile"},
  {"both templates", "{" R_TPL ",\"templateFile\":\"t\",\"domain\":\"example.com\"}",
   DC_E_INVALID_ARG, "request: give one of template and templateFile"},
  {"both zones", "{" R_TPL ",\"zone\":[],\"zoneFile\":\"z\",\"domain\":\"example.com\"}",
   DC_E_INVALID_ARG, "request: give at most one of zone and zoneFile"},
  {"no domain", "{" R_TPL "}", DC_E_INVALID_ARG, "request.domain: missing"},
  {"unknown member", "{" R_TPL ",\"domain\":\"example.com\",\"forse\":true}", DC_E_INVALID_ARG,
   "request: unknown member 'forse'"},
  {"force not a boolean", "{" R_TPL ",\"domain\":\"example.com\",\"force\":\"true\"}",
   DC_E_INVALID_ARG, "request.force: not a boolean"},
  {"params not an object", "{" R_TPL ",\"domain\":\"example.com\",\"params\":[]}",
   DC_E_INVALID_ARG, "request.params: not an object"},
  {"param value a number", "{" R_TPL ",\"domain\":\"example.com\",\"params\":{\"ip\":1}}",
   DC_E_INVALID_ARG, "request.params member: not a string"},
  {"group id bad", "{" R_TPL ",\"domain\":\"example.com\",\"groupIds\":[\"a b\"]}",
   DC_E_INVALID_ID, "request.groupIds: not a dc-id"},
  {"redirect record bad", "{" R_TPL ",\"domain\":\"example.com\",\"redirectRecords\":[{\"type\":\"A\"}]}",
   DC_E_INVALID_ARG, "request.redirectRecords[0]: not {\"type\",\"data\",\"ttl\"}"},
  {"signature half", "{" R_TPL ",\"domain\":\"example.com\",\"signedQuery\":\"a=1\"}",
   DC_E_INVALID_ARG, "request: signedQuery and keyRecords go together"},
  {"inline template bad", "{\"template\":{\"providerId\":\"p\"},\"domain\":\"example.com\"}",
   DC_E_TEMPLATE, "providerName: missing"},
  {"inline zone bad", "{" R_TPL ",\"zone\":{},\"domain\":\"example.com\"}", DC_E_ZONE, "zone: not"},
  {"empty file name", "{\"templateFile\":\"\",\"domain\":\"example.com\"}", DC_E_INVALID_ARG,
   "request.templateFile: empty"},
};

static void check_request(dc_client *c, const struct rrow *r)
{
  dc_apply_request *req = NULL;
  dc_status st = dc_apply_request_parse(c, r->json, strlen(r->json), &req);
  const char *detail = r->want == DC_OK ? "" : r->detail;
  if (st != r->want || strstr(dc_client_error(c), detail) == NULL)
    fail_msg("%s: %s (%s), expected %s with '%s'", r->name, dc_status_name(st),
             dc_client_error(c), dc_status_name(r->want), detail);
  if (r->want != DC_OK) assert_null(req);
  else assert_non_null(dc_apply_request_opts(req));
  dc_apply_request_free(req);
}

static void test_apply_request(void **state)
{
  (void)state;
  TU_TABLE(k_requests, check_request);
  dc_client *c = tu_client();
  dc_apply_request *req = NULL;
  /* files are paths, not read; inline parts are parsed; no zone = empty */
  const char *f = "{\"templateFile\":\"t.json\",\"zoneFile\":\"z.json\",\"domain\":\"example.com\"}";
  assert_status(dc_apply_request_parse(c, f, strlen(f), &req), DC_OK);
  assert_string_equal(dc_apply_request_template_file(req), "t.json");
  assert_string_equal(dc_apply_request_zone_file(req), "z.json");
  assert_null(dc_apply_request_template(req));
  assert_null(dc_apply_request_zone(req));
  dc_apply_request_free(req);
  const char *in = "{" R_TPL ",\"domain\":\"example.com\",\"params\":{\"ip\":\"192.0.2.1\"}}";
  assert_status(dc_apply_request_parse(c, in, strlen(in), &req), DC_OK);
  assert_null(dc_apply_request_template_file(req));
  assert_null(dc_apply_request_zone_file(req));
  assert_int_equal(dc_zone_count(dc_apply_request_zone(req)), 0);
  /* the same answer as the options set one by one */
  dc_apply_result *res = NULL;
  char *json = NULL;
  assert_status(dc_template_apply(c, dc_apply_request_template(req), dc_apply_request_zone(req),
                                  dc_apply_request_opts(req), &res), DC_OK);
  assert_status(dc_apply_result_to_json(res, &json), DC_OK);
  assert_string_equal(json, "{\"new\":[{\"type\":\"A\",\"name\":\"@\",\"ttl\":60,\"data\":\"192.0.2.1\"}],"
                            "\"deleted\":[],\"final\":[{\"type\":\"A\",\"name\":\"@\",\"ttl\":60,"
                            "\"data\":\"192.0.2.1\"}]}");
  dc_free(json);
  dc_apply_result_free(res);
  dc_apply_request_free(req);
  assert_status(dc_apply_request_parse(c, NULL, 0, &req), DC_E_INVALID_ARG);
  assert_status(dc_apply_request_parse(c, in, strlen(in), NULL), DC_E_INVALID_ARG);
  assert_null(dc_apply_request_opts(NULL));
  dc_apply_request_free(NULL);
  dc_client_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_validation),
    cmocka_unit_test(test_from_records_and_limits),
    cmocka_unit_test(test_to_json_normalised),
    cmocka_unit_test(test_substitution),
    cmocka_unit_test(test_host_rendering),
    cmocka_unit_test(test_record_data),
    cmocka_unit_test(test_spf_merge),
    cmocka_unit_test(test_conflict_modes),
    cmocka_unit_test(test_conflict_rules),
    cmocka_unit_test(test_conflict_cap),
    cmocka_unit_test(test_identical),
    cmocka_unit_test(test_multi_aware),
    cmocka_unit_test(test_redir_apexcname),
    cmocka_unit_test(test_signature),
    cmocka_unit_test(test_zones),
    cmocka_unit_test(test_result_final),
    cmocka_unit_test(test_options),
    cmocka_unit_test(test_published_quirks),
    cmocka_unit_test(test_apply_request),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
