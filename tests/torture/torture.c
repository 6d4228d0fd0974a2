/* Allocation-failure torture test, in the manner of curl's: every parser and
 * builder of the library is run over the seed inputs of its fuzz target
 * (fuzz/corpus/<name>/, the unit tests' inputs), first once to count the
 * allocations it makes, then once per allocation with exactly that one
 * failing. Each run must:
 *   - not crash (ASan in the sanitizer build);
 *   - leak nothing (every pointer allocated in the run is freed by its end;
 *     alloc_fail.c tracks them);
 *   - report each step's status as in the run without failure, or
 *     DC_E_NOMEM; once a step said DC_E_NOMEM, the steps after it (which
 *     may depend on it) are not compared. The library's own allocations
 *     are the ones failed; jansson's are tracked for leaks only
 *     (alloc_fail.c says why).
 *
 * usage: torture CASE CORPUS_DIR [CASE CORPUS_DIR ...]
 * Prints one line per case with the inputs, allocation points visited and
 * failures injected; exits 1 on the first violation, with what and where. */
#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc_fail.h"
#include "core/mask.h"
#include "dns/resolver.h"
#include "domainconnect/dc.h"

#define MAX_STEPS 512

/* The statuses one run recorded, in order. */
struct steps {
  dc_status s[MAX_STEPS];
  size_t n;
};

static void rec(struct steps *st, dc_status s)
{
  if (st->n < MAX_STEPS) st->s[st->n++] = s;
}

/* A case gets a client and a NUL-terminated copy of the input (`text`,
 * which it may change) besides the input itself: run_case makes both inside
 * the run, so that their allocations fail in turn like the library's. */
typedef void (*case_fn)(dc_client *c, const uint8_t *d, size_t n, char *text,
                        struct steps *st);
#define UNUSED __attribute__((unused))
#define CASE(name)                                                                        \
  static void name(dc_client *c UNUSED, const uint8_t *d UNUSED, size_t n UNUSED,          \
                   char *text UNUSED, struct steps *st)

/* ---- the cases: public calls in the order a user makes them ---- */

CASE(case_settings)
{
  dc_settings *s = NULL, *back = NULL;
  char *out = NULL, *unknown = NULL;
  dc_status r = dc_settings_parse(c, (const char *)d, n, NULL, &s);
  if (r == DC_OK) r = dc_settings_to_json(s, &out);
  if (r == DC_OK) r = dc_settings_parse(c, out, strlen(out), dc_settings_zone(s), &back);
  rec(st, r);
  /* the members kept as they came: the raw document and the unknown ones */
  if (s != NULL) {
    size_t rawlen = 0;
    const char *raw = dc_settings_raw_json(s, &rawlen);
    rec(st, raw != NULL && rawlen == n && memcmp(raw, d, n) == 0 ? DC_OK : DC_E_INTERNAL);
    rec(st, dc_settings_unknown_json(s, &unknown));
  }
  dc_free(unknown);
  dc_free(out);
  dc_settings_free(back);
  dc_settings_free(s);
}

CASE(case_token)
{
  dc_token *t = NULL, *back = NULL;
  char *out = NULL;
  dc_status r = dc_token_parse_response(c, (const char *)d, n, "https://api.provider.test/v2",
                                        "provider.test", (time_t)1700000000, &t);
  if (r == DC_OK) r = dc_token_to_json(t, &out);
  if (r == DC_OK) r = dc_token_from_json(c, out, strlen(out), &back);
  rec(st, r);
  dc_token_free(back);
  dc_free(out);
  dc_token_free(t);
  t = NULL;
  rec(st, dc_token_from_json(c, (const char *)d, n, &t));
  dc_token_free(t);
}

/* Both returns to the Service Provider (the async flow's callback and the
 * synchronous flow's return): a flags byte (bit 0: an expected state), then
 * the query (fuzz/fuzz_callback.c's and fuzz/fuzz_sync_return.c's input). */
typedef dc_status (*return_parser)(dc_client *, const char *, size_t, const char *,
                                   dc_callback **);

static void parse_return(return_parser parse, dc_client *c, const uint8_t *d, size_t n,
                         struct steps *st)
{
  if (n < 1) return;
  dc_callback *cb = NULL;
  const char *state = (d[0] & 1) ? "fuzz-state" : NULL;
  rec(st, parse(c, (const char *)d + 1, n - 1, state, &cb));
  dc_callback_free(cb);
}

CASE(case_callback)
{
  parse_return(dc_callback_parse, c, d, n, st);
}

CASE(case_sync_return)
{
  parse_return(dc_sync_return_parse, c, d, n, st);
}

CASE(case_conflicts)
{
  dc_conflicts *cf = NULL;
  rec(st, dc_conflicts_parse(c, (const char *)d, n, &cf));
  dc_conflicts_free(cf);
}

CASE(case_template)
{
  dc_template *t = NULL, *back = NULL;
  char *out = NULL;
  dc_status r = dc_template_parse(c, (const char *)d, n, &t);
  if (r == DC_OK) r = dc_template_to_json(t, &out);
  if (r == DC_OK) r = dc_template_parse(c, out, strlen(out), &back);
  rec(st, r);
  dc_free(out);
  dc_template_free(back);
  dc_template_free(t);
}

/* A template applied and its result (or conflicts) serialised: one step. */
static void apply_to_json(dc_client *c, const dc_template *t, const dc_zone *z,
                          const dc_apply_opts *o, struct steps *st)
{
  dc_apply_result *res = NULL;
  char *j = NULL;
  dc_status r = dc_template_apply(c, t, z, o, &res);
  if (r == DC_OK || r == DC_E_CONFLICT) {
    dc_status r2 = dc_apply_result_to_json(res, &j);
    if (r2 != DC_OK) r = r2;
  }
  rec(st, r);
  dc_free(j);
  dc_apply_result_free(res);
}

/* fuzz/fuzz_apply.c's input: template NUL zone, the byte before the NUL
 * holding the option flags. */
CASE(case_apply)
{
  const uint8_t *sep = memchr(d, 0, n);
  if (sep == NULL || sep == d) return;
  size_t tlen = (size_t)(sep - d) - 1;
  uint8_t flags = sep[-1];
  dc_template *t = NULL;
  dc_zone *z = NULL;
  dc_apply_opts *o = NULL;
  dc_status r = dc_template_parse(c, (const char *)d, tlen, &t);
  if (r != DC_OK && r != DC_E_NOMEM)
    r = dc_template_from_records(c, (const char *)d, tlen, "p.example", "s1", &t);
  if (r == DC_OK) r = dc_zone_from_json(c, (const char *)sep + 1, n - tlen - 2, &z);
  if (r == DC_OK) r = dc_apply_opts_new(&o);
  static const char *const hosts[] = {NULL, "", "@", "sub", "a.b"};
  if (r == DC_OK) r = dc_apply_opts_set_domain(o, "example.com");
  if (r == DC_OK) r = dc_apply_opts_set_host(o, hosts[flags % 5]);
  if (r == DC_OK) r = dc_apply_opts_set_force(o, (flags >> 3) & 1);
  if (r == DC_OK) r = dc_apply_opts_set_multi_aware(o, (flags >> 4) & 1);
  if (r == DC_OK && ((flags >> 5) & 1)) r = dc_apply_opts_set_instance_id(o, "i1");
  if (r == DC_OK && ((flags >> 6) & 1)) r = dc_apply_opts_add_group_id(o, "1");
  if (r == DC_OK) r = dc_apply_opts_set_ignore_signature(o, true);
  if (r == DC_OK) r = dc_apply_opts_add_redirect_record(o, "A", "192.0.2.80", 600);
  static const char *const params[][2] = {
    {"IP", "192.0.2.1"}, {"v", "x"}, {"var", ""}, {"host2", "www"}, {"ttl", "300"},
    {"RANDOMTEXT", "shm:1"}, {"target", "t.example"}, {"pct", "%v%"}, {"at", "@"}};
  for (size_t i = 0; r == DC_OK && i < sizeof params / sizeof params[0]; i++)
    r = dc_apply_opts_set_param(o, params[i][0], params[i][1]);
  if (r == DC_OK)
    apply_to_json(c, t, z, o, st);
  else
    rec(st, r);
  dc_apply_opts_free(o);
  dc_zone_free(z);
  dc_template_free(t);
}

CASE(case_txt)
{
  char *out = NULL;
  dc_status r = dc_txt_value_parse(c, (const char *)d, n, &out);
  rec(st, r);
  dc_free(out);
  out = NULL;
  /* each line one RR of one string */
  enum { MAX_RRS = 32 };
  const char *strs[MAX_RRS];
  size_t lens[MAX_RRS];
  dc_txt_rr rrs[MAX_RRS];
  size_t k = 0, pos = 0;
  while (pos <= n && k < MAX_RRS) {
    size_t end = pos;
    while (end < n && d[end] != '\n') end++;
    strs[k] = (const char *)d + pos;
    lens[k] = end - pos;
    rrs[k] = (dc_txt_rr){&strs[k], &lens[k], 1};
    k++;
    pos = end + 1;
  }
  r = c ? dc_txt_select(c, rrs, k, &out) : DC_E_NOMEM;
  rec(st, r);
  dc_free(out);
}

/* fuzz/fuzz_query.c's input: a flags byte, then "name=value" lines; names
 * starting with '@' set request fields. */
static dc_status set_field(dc_request *r, const char *name, const char *v)
{
  if (strcmp(name, "@host") == 0) return dc_request_set_host(r, v);
  if (strcmp(name, "@addhost") == 0) return dc_request_add_host(r, v);
  if (strcmp(name, "@state") == 0) return dc_request_set_state(r, v);
  if (strcmp(name, "@group") == 0) return dc_request_add_group_id(r, v);
  if (strcmp(name, "@instance") == 0) return dc_request_set_instance_id(r, v);
  if (strcmp(name, "@pname") == 0) return dc_request_set_provider_name(r, v);
  if (strcmp(name, "@sname") == 0) return dc_request_set_service_name(r, v);
  if (strcmp(name, "@client") == 0) return dc_request_set_client_id(r, v);
  if (strcmp(name, "@service") == 0) return dc_request_add_service_id(r, v);
  if (strcmp(name, "@domain") == 0) return dc_request_set_domain(r, v);
  if (strcmp(name, "@redirect") == 0) return dc_request_set_redirect_uri(r, v);
  return DC_E_INVALID_ARG;
}

CASE(case_query)
{
  static const char settings[] =
    "{\"providerId\":\"ionos.de\",\"providerName\":\"IONOS\","
    "\"urlSyncUX\":\"https://dc.example/sync\",\"urlAsyncUX\":\"https://dc.example/async\","
    "\"urlAPI\":\"https://api.dc.example\"}";
  if (n == 0 || n > 64 * 1024) return;
  dc_settings *s = NULL;
  dc_request *r = NULL;
  char *url = NULL;
  dc_status res = dc_settings_parse(c, settings, sizeof settings - 1, NULL, &s);
  if (res == DC_OK) res = dc_request_new(&r);
  if (res == DC_OK) res = dc_request_set_domain(r, "example.com");
  if (res == DC_OK) res = dc_request_set_provider_id(r, "exampleservice.domainconnect.org");
  if (res == DC_OK) res = dc_request_set_service_id(r, "template1");
  if (res == DC_OK) res = dc_request_set_redirect_uri(r, "https://app.example/cb");
  rec(st, res);
  if (res != DC_OK) goto done;
  for (char *p = text + 1; *p != '\0';) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    char *eq = strchr(p, '=');
    if (eq) {
      *eq = '\0';
      rec(st, p[0] == '@' ? set_field(r, p, eq + 1) : dc_request_set_param(r, p, eq + 1));
    }
    if (!nl) break;
    p = nl + 1;
  }
  rec(st, dc_sync_apply_url(c, s, r, NULL, (d[0] & 1) ? DC_PROFILE_PYTHON : DC_PROFILE_DEFAULT,
                            &url));
  dc_free(url);
  url = NULL;
  rec(st, dc_consent_url(c, s, r, &url));
  dc_free(url);
done:
  dc_request_free(r);
  dc_settings_free(s);
}

/* DNS messages: every response parser over the same bytes (independent). */
CASE(case_dns)
{
  dci_txt_answer txt;
  dci_dns_result res;
  dci_dns_info info;
  rec(st, dci_dns_parse_txt(d, n, &txt, &res, &info));
  dci_txt_answer_free(&txt);
  static const unsigned types[] = {1, 2, 5, 15, 16, 28, 33, 257};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    dci_rrset set;
    dci_dns_info ri;
    rec(st, dci_dns_parse_rrset(d, n, types[i], &set, &res, &ri));
    dci_rrset_free(&set);
  }
}

/* The https URL rules over each line of the input, as URL and as TXT. */
CASE(case_url)
{
  for (char *p = text; p != NULL && *p != '\0';) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    rec(st, dc_guard_url(c, p, false));
    rec(st, dc_guard_txt(c, p, false));
    p = nl ? nl + 1 : NULL;
  }
}

/* A received sync query checked against the published demo key (public
 * data, as in fuzz/fuzz_verify.c). */
CASE(case_verify)
{
  static const char *const demo[] = {
    "p=1,a=RS256,d=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA18SgvpmeasN4BHkkv0SBjAzIc4grYLjiAXRtNiBUiGUDMeTzQrKTsWvy9NuxU1dIHCZy9o1CrKNg5EzLIZLNyMfI6qiXnM+HMd4byp97zs/3D39Q8iR5poubQcRaGozWx8yQpG0OcVdmEVcTfy",
    "p=2,a=RS256,d=R/XSEWC5u16EBNvRnNAOAvZYUdWqVyQvXsjnxQot8KcK0QP8iHpoL/1dbdRy2opRPQ2FdZpovUgknybq/6FkeDtW7uCQ6Mvu4QxcUa3+WP9nYHKtgWip/eFxpeb+qLvcLHf1h0JXtxLVdyy6OLk3f2JRYUX2ZZVDvG3biTpeJz6iRzjGg6MfGxXZHjI8",
    "p=3,a=RS256,d=weDjXrJwIDAQAB",
  };
  rec(st, dc_verify_query(c, (const char *)d, n, "_dck1", demo, 3));
  rec(st, dc_verify_query(c, (const char *)d, n, NULL, demo, 3));
}

/* One line of `template apply --batch` (fuzz/fuzz_apply_request.c's input);
 * an inline request is applied and its result serialised. */
CASE(case_apply_request)
{
  dc_apply_request *req = NULL;
  dc_status r = dc_apply_request_parse(c, (const char *)d, n, &req);
  rec(st, r);
  if (r == DC_OK && dc_apply_request_template(req) != NULL &&
      dc_apply_request_zone(req) != NULL) {
    apply_to_json(c, dc_apply_request_template(req), dc_apply_request_zone(req),
                  dc_apply_request_opts(req), st);
  }
  dc_apply_request_free(req);
}

/* The proxy URL parser (fuzz/fuzz_proxy.c's input): a proxy set, then the
 * input in its place, then the input again over itself, then removed. */
CASE(case_proxy)
{
  dc_status r = dc_client_set_proxy(c, "http://u:p@192.0.2.1:9");
  rec(st, r);
  if (r == DC_OK) {
    rec(st, dc_client_set_proxy(c, text));
    rec(st, dc_client_set_proxy(c, text));
    rec(st, dc_client_set_proxy(c, NULL));
  }
}

/* The masking rule (core/mask.h) over server text: the input as two
 * fields, against a fixed secret and one taken from the input itself (so
 * that pieces match). Out of memory it masks everything, reported here as
 * DC_E_NOMEM; any other output is DC_OK. Then through dci_sanitize_server
 * with the secrets installed on a client's call. */
static bool all_masked(const char *t, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (t[i] != '*') return false;
  return n > 0;
}

CASE(case_mask)
{
  size_t slen = n < 24 ? n : 24;
  char *own = malloc(slen + 1);
  if (own == NULL) {
    rec(st, DC_E_NOMEM);
    return;
  }
  memcpy(own, d + (n - slen) / 2, slen);
  own[slen] = '\0';
  for (size_t i = 0; i < slen; i++)
    if (own[i] == '\0') own[i] = 'x';
  struct dci_secrets set = {.n = 0};
  dci_secrets_add(&set, "s3cr3tValue-XYZ99");
  dci_secrets_add(&set, own);
  char *fields[2] = {text, text + n / 2};
  size_t lens[2] = {n / 2, n - n / 2};
  (void)dci_mask_texts(&set, fields, lens, 2);
  rec(st, all_masked(text, n) ? DC_E_NOMEM : DC_OK);
  {
    char out[200];
    const struct dci_secrets *prev = dci_secrets_begin(c, &set);
    dci_sanitize_server(c, out, sizeof out, (const char *)d, n, 160);
    dci_secrets_end(c, prev);
    size_t ol = strlen(out);
    if (ol >= 3 && n > 160 && memcmp(out + ol - 3, "...", 3) == 0) ol -= 3;
    bool dropped = strcmp(out, "(withheld)") == 0 || all_masked(out, ol);
    rec(st, dropped ? DC_E_NOMEM : DC_OK);
  }
  free(own);
}

/* Planted defects for the twin tests that prove the driver fails: with
 * `wrong_status` the first allocation failing gives a wrong status; else the
 * second one failing leaks the first. */
static void planted(struct steps *st, bool wrong_status)
{
  char *a = malloc(8);
  if (a == NULL) {
    rec(st, wrong_status ? DC_E_JSON : DC_E_NOMEM);
    return;
  }
  char *b = malloc(8);
  if (b == NULL) {
    rec(st, DC_E_NOMEM); /* a is leaked */
    return;
  }
  rec(st, DC_OK);
  free(b);
  free(a);
}

CASE(case_planted_status)
{
  planted(st, true);
}

CASE(case_planted_leak)
{
  planted(st, false);
}

static const struct {
  const char *name;
  case_fn fn;
} k_cases[] = {
  {"settings", case_settings}, {"token", case_token}, {"callback", case_callback},
  {"conflicts", case_conflicts}, {"template", case_template}, {"apply", case_apply},
  {"txt", case_txt}, {"query", case_query}, {"dns", case_dns},
  {"url", case_url},           {"verify", case_verify},
  {"sync_return", case_sync_return}, {"apply_request", case_apply_request},
  {"proxy", case_proxy},       {"mask", case_mask},
  {"planted_status", case_planted_status}, {"planted_leak", case_planted_leak},
};

/* ---- the driver ---- */

static uint8_t *read_all(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  uint8_t *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 4096;
      uint8_t *nb = realloc(buf, cap);
      if (nb == NULL) break;
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    if (got == 0) break;
    n += got;
  }
  fclose(f);
  *len = n;
  return buf;
}

/* One run of a case: the client and the copy of the input it gets are made
 * here, inside the run (each a step of its own). */
static void run_case(case_fn fn, const uint8_t *d, size_t n, struct steps *st)
{
  dc_client *c = NULL;
  char *text = NULL;
  dc_status r = dc_client_new(&c);
  if (r == DC_OK && (text = malloc(n + 1)) == NULL) r = DC_E_NOMEM;
  rec(st, r);
  if (r == DC_OK) {
    memcpy(text, d, n);
    text[n] = '\0';
    fn(c, d, n, text, st);
  }
  free(text);
  dc_client_free(c);
}

/* One input: the count run, then one run per allocation point. */
static bool torture_input(const char *cname, case_fn fn, const char *path,
                          unsigned long *points, unsigned long *injected)
{
  size_t len = 0;
  uint8_t *data = read_all(path, &len);
  if (data == NULL) {
    fprintf(stderr, "torture: %s: cannot read %s\n", cname, path);
    return false;
  }
  struct steps base = {.n = 0};
  run_case(fn, data, len, &base); /* warm-up: lazily initialised state is made here */
  base.n = 0;
  torture_begin(0);
  run_case(fn, data, len, &base);
  struct torture_run r0 = torture_end();
  bool ok = true;
  if (r0.leaked != 0 && !r0.overflow) {
    fprintf(stderr, "torture: %s %s: %zu allocation(s) leaked without any failure\n", cname,
            path, r0.leaked);
    ok = false;
  }
  *points += r0.allocations;
  for (unsigned long k = 1; ok && k <= r0.allocations; k++) {
    struct steps got = {.n = 0};
    torture_begin(k);
    run_case(fn, data, len, &got);
    struct torture_run r = torture_end();
    (*injected)++;
    if (!r.failed) {
      fprintf(stderr, "torture: %s %s: allocation %lu of %lu was never reached\n", cname, path,
              k, r0.allocations);
      ok = false;
      break;
    }
    if (r.leaked != 0 && !r.overflow) {
      fprintf(stderr, "torture: %s %s: allocation %lu failing leaks %zu allocation(s)\n",
              cname, path, k, r.leaked);
      ok = false;
    }
    for (size_t i = 0; ok && i < got.n; i++) {
      if (got.s[i] == DC_E_NOMEM) break; /* later steps may depend on this one */
      if (i >= base.n || got.s[i] != base.s[i]) {
        fprintf(stderr,
                "torture: %s %s: allocation %lu failing: step %zu returned %s, expected %s "
                "or nomem\n",
                cname, path, k, i, dc_status_name(got.s[i]),
                i < base.n ? dc_status_name(base.s[i]) : "(no step)");
        ok = false;
      }
    }
  }
  free(data);
  return ok;
}

static int by_name(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool torture_case(const char *cname, case_fn fn, const char *dir)
{
  DIR *dh = opendir(dir);
  if (dh == NULL) {
    fprintf(stderr, "torture: %s: cannot open corpus %s\n", cname, dir);
    return false;
  }
  char *names[1024];
  size_t nn = 0;
  struct dirent *e;
  while ((e = readdir(dh)) != NULL && nn < 1024) {
    if (e->d_name[0] == '.') continue;
    size_t need = strlen(dir) + strlen(e->d_name) + 2;
    names[nn] = malloc(need);
    if (names[nn] == NULL) break;
    snprintf(names[nn], need, "%s/%s", dir, e->d_name);
    nn++;
  }
  closedir(dh);
  qsort(names, nn, sizeof names[0], by_name);
  unsigned long points = 0, injected = 0;
  bool ok = nn > 0;
  if (nn == 0) fprintf(stderr, "torture: %s: empty corpus %s\n", cname, dir);
  for (size_t i = 0; ok && i < nn; i++) ok = torture_input(cname, fn, names[i], &points, &injected);
  for (size_t i = 0; i < nn; i++) free(names[i]);
  printf("torture %-10s inputs=%zu allocation_points=%lu failures_injected=%lu %s\n", cname, nn,
         points, injected, ok ? "ok" : "FAILED");
  return ok;
}

int main(int argc, char **argv)
{
  if (argc < 3 || argc % 2 == 0) {
    fprintf(stderr, "usage: torture CASE CORPUS_DIR [CASE CORPUS_DIR ...]\n");
    return 2;
  }
  json_set_alloc_funcs(torture_json_malloc, torture_json_free);
  bool ok = true;
  for (int i = 1; ok && i + 1 < argc; i += 2) {
    case_fn fn = NULL;
    for (size_t k = 0; k < sizeof k_cases / sizeof k_cases[0]; k++)
      if (strcmp(k_cases[k].name, argv[i]) == 0) fn = k_cases[k].fn;
    if (fn == NULL) {
      fprintf(stderr, "torture: unknown case %s\n", argv[i]);
      return 2;
    }
    ok = torture_case(argv[i], fn, argv[i + 1]);
  }
  return ok ? 0 : 1;
}
