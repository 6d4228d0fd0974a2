/* SPF merging for SPFM records (spec "SPF Record Merging"; docs/protocol.md
 * §4.4). The terms of spfRules go in front of the existing record's terms,
 * as the conformance suite expects ("v=spf1 foo bar -all" from rules "foo"
 * and "v=spf1 bar -all"); terms already present are not repeated; the
 * existing record's own "all" term is kept. docs/template-engine.md. */
#include <stdlib.h>
#include <string.h>

#include "template/tpl_internal.h"

#define SPF_MAX_TERMS 256

struct terms {
  const char *t[SPF_MAX_TERMS];
  size_t len[SPF_MAX_TERMS];
  size_t n;
};

static bool split(const char *s, struct terms *out)
{
  out->n = 0;
  while (*s) {
    while (*s == ' ') s++;
    if (*s == '\0') break;
    const char *b = s;
    while (*s && *s != ' ') s++;
    if (out->n == SPF_MAX_TERMS) return false;
    out->t[out->n] = b;
    out->len[out->n] = (size_t)(s - b);
    out->n++;
  }
  return true;
}

static bool is_qual(char ch)
{
  return ch == '+' || ch == '-' || ch == '~' || ch == '?';
}

/* Restrictiveness of a qualifier: + (pass) 0, ? 1, ~ 2, - 3. */
static int rank(char q)
{
  switch (q) {
  case '?': return 1;
  case '~': return 2;
  case '-': return 3;
  default: return 0;
  }
}

/* Same mechanism, qualifier aside, ignoring ASCII case. */
static bool same_mech(const char *a, size_t al, const char *b, size_t bl)
{
  if (al > 0 && is_qual(a[0])) { a++; al--; }
  if (bl > 0 && is_qual(b[0])) { b++; bl--; }
  if (al != bl) return false;
  for (size_t i = 0; i < al; i++)
    if (dci_lower((unsigned char)a[i]) != dci_lower((unsigned char)b[i])) return false;
  return true;
}

static bool is_all(const char *t, size_t n)
{
  if (n > 0 && is_qual(t[0])) { t++; n--; }
  return n == 3 && dci_lower((unsigned char)t[0]) == 'a' &&
         dci_lower((unsigned char)t[1]) == 'l' && dci_lower((unsigned char)t[2]) == 'l';
}

static bool is_version(const char *t, size_t n)
{
  static const char v[] = "v=spf1";
  if (n != 6) return false;
  for (size_t i = 0; i < 6; i++)
    if (dci_lower((unsigned char)t[i]) != v[i]) return false;
  return true;
}

bool dci_is_spf(const char *txt)
{
  size_t n = strlen(txt);
  return n >= 6 && is_version(txt, 6) && (n == 6 || txt[6] == ' ');
}

const char *dci_spf_rules_problem(const char *rules)
{
  struct terms t;
  for (const char *p = rules; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    if (ch != ' ' && (ch < 0x21 || ch > 0x7e))
      return "character other than printable ASCII and space";
  }
  if (!split(rules, &t)) return "more than 256 terms";
  if (t.n == 0) return "no SPF term";
  for (size_t i = 0; i < t.n; i++) {
    if (is_version(t.t[i], t.len[i])) return "contains the version term v=spf1";
    if (is_all(t.t[i], t.len[i])) return "contains an 'all' term (the provider adds it)";
  }
  return NULL;
}

static dc_status put_term(dci_buf *b, const char *t, size_t n)
{
  dc_status st = dci_buf_append_char(b, ' ');
  return st == DC_OK ? dci_buf_append(b, t, n) : st;
}

dc_status dci_spf_new(const char *rules, char **out)
{
  dc_status status = DC_OK;
  struct terms t;
  dci_buf b;
  *out = NULL;
  dci_buf_init(&b, DC_MAX_RENDERED_VALUE);
  if (!split(rules, &t)) return DC_E_LIMIT;
  DCI_TRY(dci_buf_append_str(&b, "v=spf1"));
  for (size_t i = 0; i < t.n; i++) {
    bool dup = false;
    for (size_t k = 0; k < i && !dup; k++)
      dup = same_mech(t.t[i], t.len[i], t.t[k], t.len[k]);
    if (!dup) DCI_TRY(put_term(&b, t.t[i], t.len[i]));
  }
  DCI_TRY(dci_buf_append_str(&b, " ~all"));
  *out = dci_buf_take(&b);
  if (*out == NULL) status = DC_E_NOMEM;
done:
  dci_buf_free(&b);
  return status;
}

dc_status dci_spf_merge(const char *rules, const char *existing, char **out)
{
  dc_status status = DC_OK;
  struct terms r, e;
  char qual[SPF_MAX_TERMS]; /* replacement qualifier of existing terms, 0 = keep */
  bool add[SPF_MAX_TERMS];
  dci_buf b;
  *out = NULL;
  dci_buf_init(&b, DC_MAX_RENDERED_VALUE);
  if (!split(rules, &r) || !split(existing, &e)) return DC_E_LIMIT;
  bool changed = false;
  memset(qual, 0, sizeof qual);
  for (size_t i = 0; i < r.n; i++) {
    add[i] = true;
    for (size_t k = 0; k < i && add[i]; k++)
      if (same_mech(r.t[i], r.len[i], r.t[k], r.len[k])) add[i] = false;
    if (!add[i]) continue;
    for (size_t k = 1; k < e.n; k++) { /* e.t[0] is v=spf1 */
      if (!same_mech(r.t[i], r.len[i], e.t[k], e.len[k])) continue;
      add[i] = false;
      char rq = is_qual(r.t[i][0]) ? r.t[i][0] : '+';
      char eq = qual[k] ? qual[k] : (is_qual(e.t[k][0]) ? e.t[k][0] : '+');
      if (rank(rq) < rank(eq)) {
        qual[k] = rq;
        changed = true;
      }
      break;
    }
    if (add[i]) changed = true;
  }
  if (!changed) return DC_OK;
  DCI_TRY(dci_buf_append_str(&b, "v=spf1"));
  for (size_t i = 0; i < r.n; i++)
    if (add[i]) DCI_TRY(put_term(&b, r.t[i], r.len[i]));
  for (size_t k = 1; k < e.n; k++) {
    if (qual[k] == 0) {
      DCI_TRY(put_term(&b, e.t[k], e.len[k]));
      continue;
    }
    const char *t = e.t[k];
    size_t n = e.len[k];
    if (is_qual(t[0])) { t++; n--; }
    DCI_TRY(dci_buf_append_char(&b, ' '));
    if (qual[k] != '+') DCI_TRY(dci_buf_append_char(&b, qual[k]));
    DCI_TRY(dci_buf_append(&b, t, n));
  }
  *out = dci_buf_take(&b);
  if (*out == NULL) status = DC_E_NOMEM;
done:
  dci_buf_free(&b);
  return status;
}
