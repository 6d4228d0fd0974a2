/* Fuzz target: query encoding and the sync/consent URL builders.
 *
 * Input: the first byte selects the profile (bit 0: python, else default)
 * and whether a consent URL is built too (bit 1); the rest is lines
 * "name=value". Lines whose name starts with '@' set a request field
 * instead of a variable: @host, @addhost, @state, @redirect, @group,
 * @instance, @pname, @sname, @client, @service, @domain.
 *
 * Invariants (abort() on violation):
 * - dci_query_encode output is printable ASCII without spaces (a space is
 *   '+' in the python profile, %20 in the default one), has one
 *   "name=value" piece per input pair, each percent-decodes (with '+' as
 *   space in the python profile) back to an input pair, and the pieces are
 *   in the profile's order;
 * - a URL built by dc_sync_apply_url / dc_consent_url is printable ASCII
 *   without spaces, starts with the settings' prefix, and every variable of
 *   the request decodes back from the query (default profile: RFC 3986). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "domainconnect/dc.h"
#include "proto/query.h"

#define MAX_LINES (DC_MAX_PARAMS + 8)

static const char k_settings[] =
  "{\"providerId\":\"ionos.de\",\"providerName\":\"IONOS\","
  "\"urlSyncUX\":\"https://dc.example/sync\","
  "\"urlAsyncUX\":\"https://dc.example/async\","
  "\"urlAPI\":\"https://api.dc.example\"}";

static void check_printable(const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch <= 0x20 || ch >= 0x7f) abort();
  }
}

/* The python profile writes a space as '+' (never %20); the default
 * profile writes it as %20 and never emits a raw '+'. */
static void check_space_form(const char *s, size_t len, dc_profile prof)
{
  for (size_t i = 0; i < len; i++) {
    if (prof == DC_PROFILE_DEFAULT && s[i] == '+') abort();
    if (prof == DC_PROFILE_PYTHON && s[i] == '%' && i + 2 < len && s[i + 1] == '2' &&
        s[i + 2] == '0')
      abort();
  }
}

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
  size_t n = alen < blen ? alen : blen;
  int d = n ? memcmp(a, b, n) : 0;
  if (d != 0) return d;
  return alen == blen ? 0 : (alen < blen ? -1 : 1);
}

/* A query split into its pairs: decoded names and values, and where each
 * encoded name starts and its length. */
struct split {
  char **names, **values;
  const char **enc;
  size_t *enc_len;
  size_t n;
};

/* Decodes the "name=value" pieces of q (len bytes) into s, which has room
 * for max pairs (more aborts). */
static void split_query(const char *q, size_t len, bool plus, size_t max, struct split *s)
{
  s->names = calloc(max, sizeof *s->names);
  s->values = calloc(max, sizeof *s->values);
  s->enc = calloc(max, sizeof *s->enc);
  s->enc_len = calloc(max, sizeof *s->enc_len);
  s->n = 0;
  if (!s->names || !s->values || !s->enc || !s->enc_len) abort();
  const char *p = q, *end = q + len;
  while (p < end) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    const char *pe = amp ? amp : end;
    const char *eq = memchr(p, '=', (size_t)(pe - p));
    if (eq == NULL || s->n >= max) abort();
    if (dci_pct_decode(p, (size_t)(eq - p), plus, DC_MAX_QUERY_LEN, &s->names[s->n]) != DC_OK)
      abort();
    if (dci_pct_decode(eq + 1, (size_t)(pe - eq - 1), plus, DC_MAX_QUERY_LEN,
                       &s->values[s->n]) != DC_OK)
      abort();
    s->enc[s->n] = p;
    s->enc_len[s->n] = (size_t)(eq - p);
    s->n++;
    p = amp ? amp + 1 : end;
  }
}

static void split_free(struct split *s)
{
  for (size_t i = 0; i < s->n; i++) {
    free(s->names[i]);
    free(s->values[i]);
  }
  free(s->names);
  free(s->values);
  free(s->enc);
  free(s->enc_len);
}

static void check_encoder(const struct dci_pair *pairs, size_t n, dc_profile prof)
{
  dci_buf b;
  dci_buf_init(&b, DC_MAX_QUERY_LEN);
  dc_status st = dci_query_encode(pairs, n, prof, &b);
  if (st != DC_OK) {
    if (st != DC_E_LIMIT && st != DC_E_INVALID_ARG) abort();
    dci_buf_free(&b);
    return;
  }
  if (n == 0) {
    if (b.len != 0) abort();
    dci_buf_free(&b);
    return;
  }
  check_printable(b.data, b.len);
  check_space_form(b.data, b.len, prof);

  bool plus = prof == DC_PROFILE_PYTHON;
  bool *used = calloc(n, sizeof *used);
  if (!used) abort();
  struct split sp;
  split_query(b.data, b.len, plus, n, &sp);
  if (sp.n != n) abort();
  char **names = sp.names;
  for (size_t i = 0; i < n; i++) {
    /* order: python by raw name, default by encoded name */
    if (i > 0) {
      int d = plus ? bytes_cmp(names[i - 1], strlen(names[i - 1]), names[i], strlen(names[i]))
                   : bytes_cmp(sp.enc[i - 1], sp.enc_len[i - 1], sp.enc[i], sp.enc_len[i]);
      if (d > 0) abort();
    }
    /* the pair came from the input (first unused match: stability) */
    size_t j = 0;
    while (j < n && (used[j] || strcmp(pairs[j].name, names[i]) != 0)) j++;
    if (j == n || strcmp(pairs[j].value, sp.values[i]) != 0) abort();
    used[j] = true;
  }
  split_free(&sp);
  free(used);
  dci_buf_free(&b);
}

/* Every variable of the request decodes back from the URL's query. */
static void check_url(const char *url, const char *prefix, dc_profile prof,
                      const struct dci_pair *vars, size_t nvars)
{
  size_t len = strlen(url);
  check_printable(url, len);
  if (strncmp(url, prefix, strlen(prefix)) != 0) abort();
  const char *q = strchr(url, '?');
  if (q == NULL) abort();
  q++;
  size_t qlen = len - (size_t)(q - url);
  check_space_form(q, qlen, prof);
  struct split sp;
  split_query(q, qlen, prof == DC_PROFILE_PYTHON, DC_MAX_PARAMS + 2, &sp);
  for (size_t v = 0; v < nvars; v++) {
    /* the last setting of a name wins in the builder */
    bool later = false;
    for (size_t w = v + 1; w < nvars; w++)
      if (strcmp(vars[w].name, vars[v].name) == 0) later = true;
    if (later) continue;
    size_t i = 0;
    while (i < sp.n && strcmp(sp.names[i], vars[v].name) != 0) i++;
    if (i == sp.n || strcmp(sp.values[i], vars[v].value) != 0) abort();
  }
  split_free(&sp);
}

/* A built URL passes check_url (then freed); a refusal leaves none and says
 * why. */
static void check_outcome(dc_client *c, dc_status st, char *url, const char *prefix,
                          dc_profile prof, const struct dci_pair *vars, size_t nvars)
{
  if (st == DC_OK) check_url(url, prefix, prof, vars, nvars);
  else if (url != NULL || dc_client_error(c)[0] == '\0') abort();
  dc_free(url);
}

static dc_status set_field(dc_request *r, const char *name, const char *value)
{
  if (strcmp(name, "@host") == 0) return dc_request_set_host(r, value);
  if (strcmp(name, "@addhost") == 0) return dc_request_add_host(r, value);
  if (strcmp(name, "@state") == 0) return dc_request_set_state(r, value);
  if (strcmp(name, "@redirect") == 0) return dc_request_set_redirect_uri(r, value);
  if (strcmp(name, "@group") == 0) return dc_request_add_group_id(r, value);
  if (strcmp(name, "@instance") == 0) return dc_request_set_instance_id(r, value);
  if (strcmp(name, "@pname") == 0) return dc_request_set_provider_name(r, value);
  if (strcmp(name, "@sname") == 0) return dc_request_set_service_name(r, value);
  if (strcmp(name, "@client") == 0) return dc_request_set_client_id(r, value);
  if (strcmp(name, "@service") == 0) return dc_request_add_service_id(r, value);
  if (strcmp(name, "@domain") == 0) return dc_request_set_domain(r, value);
  return DC_OK; /* unknown field name: ignored */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0 || size > 64 * 1024) return 0;
  const dc_profile prof = (data[0] & 1) ? DC_PROFILE_PYTHON : DC_PROFILE_DEFAULT;
  const bool consent = (data[0] & 2) != 0;

  /* One NUL-terminated copy; each line is cut in place at '\n' and '='. */
  char *text = malloc(size);
  if (text == NULL) return 0;
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  struct dci_pair *lines = calloc(MAX_LINES, sizeof *lines);
  struct dci_pair *vars = calloc(MAX_LINES, sizeof *vars);
  if (lines == NULL || vars == NULL) abort();
  size_t nlines = 0, nvars = 0;
  for (char *p = text; *p != '\0' && nlines < MAX_LINES;) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = '\0';
    char *eq = strchr(p, '=');
    if (eq) {
      *eq = '\0';
      lines[nlines++] = (struct dci_pair){p, eq + 1};
    }
    if (!nl) break;
    p = nl + 1;
  }

  check_encoder(lines, nlines, prof);

  dc_client *c = NULL;
  dc_settings *s = NULL;
  dc_request *r = NULL;
  if (dc_client_new(&c) != DC_OK) abort();
  if (dc_settings_parse(c, k_settings, sizeof k_settings - 1, NULL, &s) != DC_OK) abort();
  if (dc_request_new(&r) != DC_OK) abort();
  if (dc_request_set_domain(r, "example.com") != DC_OK ||
      dc_request_set_provider_id(r, "exampleservice.domainconnect.org") != DC_OK ||
      dc_request_set_service_id(r, "template1") != DC_OK ||
      dc_request_set_redirect_uri(r, "https://app.example/cb") != DC_OK)
    abort();
  for (size_t i = 0; i < nlines; i++) {
    if (lines[i].name[0] == '@') {
      /* Fuzzed value: a refusal (a limit) is a normal outcome, checked below. */
      (void)set_field(r, lines[i].name, lines[i].value);
    } else if (dc_request_set_param(r, lines[i].name, lines[i].value) == DC_OK) {
      vars[nvars++] = lines[i];
    }
  }

  char *url = NULL;
  dc_status st = dc_sync_apply_url(c, s, r, NULL, prof, &url);
  check_outcome(c, st, url, "https://dc.example/sync/v2/domainTemplates/providers/"
                            "exampleservice.domainconnect.org/services/", prof, vars, nvars);
  if (consent) {
    url = NULL;
    st = dc_consent_url(c, s, r, &url);
    check_outcome(c, st, url, "https://dc.example/async/v2/domainTemplates/providers/"
                              "exampleservice.domainconnect.org?", DC_PROFILE_DEFAULT, vars,
                  nvars);
  }

  dc_request_free(r);
  dc_settings_free(s);
  dc_client_free(c);
  free(vars);
  free(lines);
  free(text);
  return 0;
}
