/* Rendering helpers: record types, %variable% syntax and substitution,
 * and the syntax checks applied to rendered values (no locale, no ctype). */
#include <stdlib.h>
#include <string.h>

#include "template/tpl_internal.h"
#include "x/addr.h"

enum dci_kind dci_kind_of(const char *t)
{
  static const struct {
    const char *name;
    enum dci_kind kind;
  } k[] = {
    {"A", DCI_K_A},           {"AAAA", DCI_K_AAAA},
    {"CNAME", DCI_K_CNAME},   {"MX", DCI_K_MX},
    {"TXT", DCI_K_TXT},       {"SRV", DCI_K_SRV},
    {"NS", DCI_K_NS},         {"SPFM", DCI_K_SPFM},
    {"APEXCNAME", DCI_K_APEXCNAME},
    {"REDIR301", DCI_K_REDIR301}, {"REDIR302", DCI_K_REDIR302},
  };
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
    if (strcmp(t, k[i].name) == 0) return k[i].kind;
  return DCI_K_OTHER;
}

const char *dci_type_problem(const char *s, char *out)
{
  /* Types a template cannot write: zone bookkeeping and query-only types. */
  static const char *const meta[] = {"SOA", "ANY", "AXFR", "IXFR", "OPT",
                                     "TSIG", "TKEY", "MAILA", "MAILB", "TYPE0"};
  size_t n = strlen(s);
  if (n == 0) return "empty";
  if (n > DC_MAX_TYPE_LEN) return "longer than 32 bytes";
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (!dci_is_alnum(ch) && ch != '-') return "not a record type (letters, digits, '-')";
    out[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : (char)ch;
  }
  out[n] = '\0';
  if (n > 4 && strncmp(out, "TYPE", 4) == 0) {
    bool digits = true;
    long v = 0;
    for (size_t i = 4; i < n && digits; i++) {
      if (!dci_is_digit((unsigned char)out[i])) digits = false;
      else if (v <= 65535) v = v * 10 + (out[i] - '0');
    }
    if (digits && (out[4] == '0' || v > 65535))
      return "TYPE number outside 1..65535 or with a leading zero";
  }
  for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
    if (strcmp(out, meta[i]) == 0) return "a meta type a template cannot write";
  return NULL;
}

static bool var_char(unsigned char ch)
{
  return dci_is_alnum(ch) || ch == '-' || ch == '_';
}

const char *dci_var_syntax_problem(const char *s)
{
  for (const char *p = strchr(s, '%'); p != NULL; p = strchr(p, '%')) {
    const char *end = strchr(p + 1, '%');
    if (end == NULL) return "unclosed %variable% (a '%' without its closing '%')";
    if (end == p + 1) return "empty variable name ('%%')";
    for (const char *q = p + 1; q < end; q++)
      if (!var_char((unsigned char)*q))
        return "variable name with a character other than letter, digit, '-', '_'";
    p = end + 1;
  }
  return NULL;
}

bool dci_is_sole_var(const char *s)
{
  size_t n = strlen(s);
  if (n < 3 || s[0] != '%' || s[n - 1] != '%') return false;
  for (size_t i = 1; i + 1 < n; i++)
    if (!var_char((unsigned char)s[i])) return false;
  return true;
}

/* Case-insensitive comparison of `len` bytes of `a` with NUL-terminated
 * `b`. */
static bool name_eq(const char *a, size_t len, const char *b, bool exact)
{
  if (strlen(b) != len) return false;
  for (size_t i = 0; i < len; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (exact ? x != y : dci_lower(x) != dci_lower(y)) return false;
  }
  return true;
}

static const char *lookup(const struct dci_subst_ctx *x, const char *name, size_t len)
{
  if (name_eq(name, len, "domain", false)) return x->domain;
  if (name_eq(name, len, "host", false)) return x->host;
  if (name_eq(name, len, "fqdn", false)) return x->fqdn;
  for (size_t i = 0; i < x->nparams; i++)
    if (name_eq(name, len, x->params[i].name, true)) return x->params[i].value;
  for (size_t i = 0; i < x->nparams; i++)
    if (name_eq(name, len, x->params[i].name, false)) return x->params[i].value;
  return NULL;
}

dc_status dci_subst(dc_client *c, const struct dci_subst_ctx *x, const char *field,
                    const char *in, char **out)
{
  dc_status status = DC_OK;
  dci_buf b;
  dci_buf_init(&b, DC_MAX_RENDERED_VALUE);
  *out = NULL;
  const char *p = in;
  for (;;) {
    const char *pct = strchr(p, '%');
    if (pct == NULL) {
      status = dci_buf_append_str(&b, p);
      break;
    }
    const char *end = strchr(pct + 1, '%');
    if (end == NULL) {
      status = dci_fail(c, DC_E_TEMPLATE, "%s: unclosed %%variable%%", field);
      goto done;
    }
    DCI_TRY(dci_buf_append(&b, p, (size_t)(pct - p)));
    size_t nlen = (size_t)(end - pct - 1);
    const char *v = lookup(x, pct + 1, nlen);
    if (v == NULL) {
      char safe[80];
      dci_sanitize(safe, sizeof safe, pct + 1, nlen, 64);
      status = dci_fail(c, DC_E_MISSING_VARIABLE, "%s: variable %%%s%% has no value",
                        field, safe);
      goto done;
    }
    DCI_TRY(dci_buf_append_str(&b, v)); /* inserted text is never re-scanned */
    p = end + 1;
  }
  if (status == DC_OK) {
    *out = dci_buf_take(&b);
    if (*out == NULL) status = DC_E_NOMEM;
  }
done:
  if (status == DC_E_LIMIT)
    status = dci_fail(c, DC_E_LIMIT, "%s: longer than %d bytes after substitution",
                      field, DC_MAX_RENDERED_VALUE);
  else if (status == DC_E_NOMEM)
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
  dci_buf_free(&b);
  return status;
}

bool dci_valid_ipv4(const char *s)
{
  dcx_addr a;
  return dcx_ip_parse(s, AF_INET, &a);
}

bool dci_valid_ipv6(const char *s)
{
  dcx_addr a;
  return dcx_ip_parse(s, AF_INET6, &a);
}

const char *dci_target_problem(const char *s)
{
  size_t n = strlen(s);
  if (n == 0) return "empty";
  if (s[n - 1] == '.') n--;
  if (n == 0) return "a lone '.'";
  if (n > DC_MAX_NAME_LEN) return "longer than 253 bytes";
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && s[i] != '.') {
      unsigned char ch = (unsigned char)s[i];
      if (!dci_is_alnum(ch) && ch != '-' && ch != '_')
        return "character other than letter, digit, '-', '_' or '.'";
      continue;
    }
    if (i == start) return "empty label";
    if (i - start > DC_MAX_LABEL_LEN) return "label longer than 63 bytes";
    if (s[start] == '-' || s[i - 1] == '-') return "label starts or ends with '-'";
    start = i + 1;
  }
  return NULL;
}

const char *dci_url_problem(const char *s)
{
  size_t n = strlen(s);
  if (n == 0) return "empty";
  if (n > DC_MAX_URL_LEN) return "longer than 2048 bytes";
  size_t i;
  if (n > 7 && dci_lower((unsigned char)s[0]) == 'h' && dci_lower((unsigned char)s[1]) == 't' &&
      dci_lower((unsigned char)s[2]) == 't' && dci_lower((unsigned char)s[3]) == 'p' &&
      s[4] == ':' && s[5] == '/' && s[6] == '/')
    i = 7;
  else if (n > 8 && dci_lower((unsigned char)s[0]) == 'h' &&
           dci_lower((unsigned char)s[1]) == 't' && dci_lower((unsigned char)s[2]) == 't' &&
           dci_lower((unsigned char)s[3]) == 'p' && dci_lower((unsigned char)s[4]) == 's' &&
           s[5] == ':' && s[6] == '/' && s[7] == '/')
    i = 8;
  else
    return "not an http:// or https:// URL";
  size_t host0 = i;
  while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#' && s[i] != ':') {
    if (s[i] == '@') return "user information in the URL";
    i++;
  }
  char host[DC_MAX_NAME_LEN + 2];
  size_t hl = i - host0;
  if (hl == 0) return "no host";
  if (hl > DC_MAX_NAME_LEN) return "host longer than 253 bytes";
  memcpy(host, s + host0, hl);
  host[hl] = '\0';
  if (!dci_valid_ipv4(host) && dci_target_problem(host) != NULL) return "invalid host";
  if (i < n && s[i] == ':') {
    i++;
    size_t d = 0;
    long port = 0;
    while (i < n && dci_is_digit((unsigned char)s[i])) {
      port = port * 10 + (s[i] - '0');
      if (++d > 5) return "invalid port";
      i++;
    }
    if (d == 0 || port > 65535) return "invalid port";
    if (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#') return "invalid port";
  }
  for (; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '<' || ch == '>' || ch == '\\' ||
        ch == '^' || ch == '`' || ch == '{' || ch == '|' || ch == '}')
      return "character not allowed in a URL";
  }
  return NULL;
}

bool dci_has_ctl(const char *s)
{
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch < 0x20 || ch == 0x7f) return true;
  }
  return false;
}

void dci_lower_str(char *s)
{
  for (; *s; s++) *s = (char)dci_lower((unsigned char)*s);
}
