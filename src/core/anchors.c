/* DNSSEC trust anchors: the one-line DS/DNSKEY parser and the client's
 * list (core/anchors.h; docs/security.md §8).
 *
 * Decisions: only the one-line zone-file form ("OWNER [TTL] [CLASS] TYPE
 * RDATA", TTL and class in either order, class IN only) is read; the
 * multi-line form with parentheses, quotes and escapes is refused, so a
 * line is exactly one record. The RDATA is checked field by field (DS:
 * key tag, algorithm, digest type, hex digest; DNSKEY: flags, protocol 3,
 * algorithm, base64 key), then written back in one normal form for the
 * validator. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/anchors.h"
#include "x/file.h"

#define MAX_TOKENS 64

void dci_ta_list_free(struct dci_ta_list *l)
{
  if (l == NULL) return;
  for (size_t i = 0; i < l->n; i++) {
    free(l->rr[i]);
    free(l->owner[i]);
  }
  free(l->rr);
  free(l->owner);
  memset(l, 0, sizeof *l);
}

typedef struct tok {
  const char *p;
  size_t n;
} tok;

static bool tok_is(const tok *t, const char *word)
{
  size_t n = strlen(word);
  if (t->n != n) return false;
  for (size_t i = 0; i < n; i++)
    if (dci_lower((unsigned char)t->p[i]) != (unsigned char)word[i]) return false;
  return true;
}

/* Decimal 0..max, at most 10 digits, no sign. */
static bool tok_num(const tok *t, unsigned long max, unsigned long *out)
{
  unsigned long v = 0;
  if (t->n == 0 || t->n > 10) return false;
  for (size_t i = 0; i < t->n; i++) {
    if (!dci_is_digit((unsigned char)t->p[i])) return false;
    v = v * 10 + (unsigned long)(t->p[i] - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

/* The owner: "." or LDH/_ labels of 1..63, <= DC_MAX_NAME_LEN, one
 * optional trailing dot; lower-cased into owner without the dot. */
static bool parse_owner(const tok *t, char *owner)
{
  size_t n = t->n;
  if (n == 1 && t->p[0] == '.') {
    owner[0] = '\0';
    return true;
  }
  if (n > 0 && t->p[n - 1] == '.') n--;
  if (n == 0 || n > DC_MAX_NAME_LEN) return false;
  size_t label = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)t->p[i];
    if (ch == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (dcx_is_alnum(ch) || ch == '-' || ch == '_') {
      if (++label > 63) return false;
    } else {
      return false;
    }
    owner[i] = (char)dci_lower(ch);
  }
  if (label == 0) return false;
  owner[n] = '\0';
  return true;
}

/* Tokens [from, ntok) are all of `kind` (hex or base64) characters; the
 * hex ones add up to an even, non-zero count. */
static bool data_ok(const tok *t, size_t from, size_t ntok, bool hex)
{
  size_t total = 0;
  if (from >= ntok) return false;
  for (size_t k = from; k < ntok; k++) {
    for (size_t i = 0; i < t[k].n; i++) {
      unsigned char ch = (unsigned char)t[k].p[i];
      bool ok = hex ? dcx_is_hex(ch) : (dcx_is_alnum(ch) || ch == '+' || ch == '/' || ch == '=');
      if (!ok) return false;
    }
    total += t[k].n;
  }
  return !hex || total % 2 == 0;
}

/* Splits at blanks after cutting a comment; refuses what the one-line form
 * does not allow. */
static dc_status tokenize(const char *line, size_t len, tok *t, size_t *ntok,
                          const char **why)
{
  *ntok = 0;
  for (size_t i = 0; i < len;) {
    unsigned char ch = (unsigned char)line[i];
    if (ch == ';') break;
    if (ch == ' ' || ch == '\t' || ch == '\r') { i++; continue; }
    if (ch < 0x21 || ch > 0x7e) { *why = "a control or non-ASCII byte"; return DC_E_INVALID_ARG; }
    if (ch == '(' || ch == ')' || ch == '"' || ch == '\\') {
      *why = "parentheses, quotes and escapes are not supported (one record per line)";
      return DC_E_INVALID_ARG;
    }
    size_t start = i;
    while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r' && line[i] != ';')
      i++;
    if (*ntok == MAX_TOKENS) { *why = "too many fields"; return DC_E_INVALID_ARG; }
    t[*ntok].p = line + start;
    t[*ntok].n = i - start;
    (*ntok)++;
  }
  return DC_OK;
}

/* The RDATA from token k on: checked, then written after "OWNER. TYPE". */
static dc_status rdata(const tok *t, size_t k, size_t ntok, bool ds, char *rr,
                       size_t *at, const char **why)
{
  unsigned long a = 0, b = 0, c = 0;
  if (ntok < k + 4) { *why = ds ? "DS needs key tag, algorithm, digest type and digest"
                                : "DNSKEY needs flags, protocol, algorithm and key";
    return DC_E_INVALID_ARG; }
  if (!tok_num(&t[k], 65535, &a) || !tok_num(&t[k + 1], ds ? 255 : 3, &b) ||
      !tok_num(&t[k + 2], 255, &c) || (!ds && b != 3)) {
    *why = ds ? "DS key tag, algorithm or digest type out of range"
              : "DNSKEY flags, protocol (must be 3) or algorithm out of range";
    return DC_E_INVALID_ARG;
  }
  if (!data_ok(t, k + 3, ntok, ds)) {
    *why = ds ? "DS digest is not hexadecimal (an even number of digits)"
              : "DNSKEY key is not base64";
    return DC_E_INVALID_ARG;
  }
  int w = snprintf(rr + *at, DC_MAX_TRUST_ANCHOR_LINE + 1 - *at, " %lu %lu %lu ", a, b, c);
  if (w < 0) return DC_E_INTERNAL;
  *at += (size_t)w;
  for (size_t i = k + 3; i < ntok; i++) {
    if (*at + t[i].n > DC_MAX_TRUST_ANCHOR_LINE) return DC_E_LIMIT;
    memcpy(rr + *at, t[i].p, t[i].n);
    *at += t[i].n;
  }
  rr[*at] = '\0';
  return DC_OK;
}

dc_status dci_ta_parse_line(const char *line, size_t len, char *rr, char *owner,
                            bool *empty, const char **why)
{
  tok t[MAX_TOKENS];
  size_t ntok = 0, k = 1, at = 0;
  *empty = false;
  *why = "";
  rr[0] = '\0';
  owner[0] = '\0';
  if (len > DC_MAX_TRUST_ANCHOR_LINE) {
    *why = "line longer than DC_MAX_TRUST_ANCHOR_LINE";
    return DC_E_LIMIT;
  }
  dc_status st = tokenize(line, len, t, &ntok, why);
  if (st != DC_OK) return st;
  if (ntok == 0) {
    *empty = true;
    return DC_OK;
  }
  if (!parse_owner(&t[0], owner)) {
    *why = "the owner is not a DNS name";
    return DC_E_INVALID_ARG;
  }
  unsigned long ttl = 0;
  for (int i = 0; i < 2 && k < ntok; i++) {
    if (tok_is(&t[k], "in")) k++;
    else if (tok_num(&t[k], 0x7fffffffUL, &ttl)) k++;
  }
  bool ds = k < ntok && tok_is(&t[k], "ds");
  if (k >= ntok || (!ds && !tok_is(&t[k], "dnskey"))) {
    *why = "not a DS or DNSKEY record (class IN only)";
    return DC_E_INVALID_ARG;
  }
  /* "OWNER. TYPE"; the root's empty owner gives ". TYPE" */
  int w = snprintf(rr, DC_MAX_TRUST_ANCHOR_LINE + 1, "%s. %s", owner, ds ? "DS" : "DNSKEY");
  if (w < 0) return DC_E_INTERNAL;
  at = strlen(rr);
  st = rdata(t, k + 1, ntok, ds, rr, &at, why);
  if (st == DC_E_LIMIT) *why = "record longer than DC_MAX_TRUST_ANCHOR_LINE";
  return st;
}

static dc_status list_push(struct dci_ta_list *l, const char *rr, const char *owner)
{
  char **nr = realloc(l->rr, (l->n + 1) * sizeof *nr);
  if (nr == NULL) return DC_E_NOMEM;
  l->rr = nr;
  char **no = realloc(l->owner, (l->n + 1) * sizeof *no);
  if (no == NULL) return DC_E_NOMEM;
  l->owner = no;
  char *a = dci_strdup(rr), *b = dci_strdup(owner);
  if (a == NULL || b == NULL) {
    free(a);
    free(b);
    return DC_E_NOMEM;
  }
  l->rr[l->n] = a;
  l->owner[l->n] = b;
  l->n++;
  return DC_OK;
}

dc_status dci_ta_parse_text(const char *text, size_t len, struct dci_ta_list *l,
                            size_t *line_no, const char **why)
{
  dc_status status = DC_OK;
  struct dci_ta_list add = {0};
  char *rr = malloc(DC_MAX_TRUST_ANCHOR_LINE + 1);
  char owner[DC_MAX_NAME_LEN + 1];
  *line_no = 0;
  *why = "";
  if (rr == NULL) { status = DC_E_NOMEM; goto done; }
  for (size_t pos = 0, no = 1; pos < len; no++) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - text) : len;
    bool empty = false;
    status = dci_ta_parse_line(text + pos, end - pos, rr, owner, &empty, why);
    if (status != DC_OK) {
      *line_no = no;
      goto done;
    }
    if (!empty) {
      if (l->n + add.n >= DC_MAX_TRUST_ANCHORS) {
        *why = "more than DC_MAX_TRUST_ANCHORS anchors";
        *line_no = no;
        status = DC_E_LIMIT;
        goto done;
      }
      DCI_TRY(list_push(&add, rr, owner));
    }
    pos = end + 1;
  }
  if (add.n == 0) {
    *why = "no DS or DNSKEY record";
    status = DC_E_INVALID_ARG;
    goto done;
  }
  for (size_t i = 0; i < add.n; i++) DCI_TRY(list_push(l, add.rr[i], add.owner[i]));
done:
  dci_ta_list_free(&add);
  free(rr);
  return status;
}

dc_status dci_ta_read_file(dc_client *c, const char *path, struct dci_ta_list *l)
{
  dc_status status = DC_OK;
  char safe[160];
  char *text = NULL;
  size_t len = 0, line_no = 0;
  enum dcx_read_err rerr = DCX_READ_OK;
  bool not_regular = false;
  const char *why = "";
  dci_sanitize(safe, sizeof safe, path, strlen(path), 120);
  int fd = dcx_open_regular(path, &not_regular);
  if (fd < 0) {
    status = dci_fail(c, DC_E_IO, "trust anchor file %s: %s", safe,
                      not_regular ? "not a regular file" : strerror(errno));
    goto done;
  }
  text = dcx_read_fd(fd, DC_MAX_TRUST_ANCHOR_FILE, false, &len, &rerr);
  close(fd);
  if (text == NULL) {
    if (rerr == DCX_READ_NOMEM) status = dci_fail(c, DC_E_NOMEM, "out of memory");
    else if (rerr == DCX_READ_TOO_BIG)
      status = dci_fail(c, DC_E_LIMIT, "trust anchor file %s: over %d bytes", safe,
                        DC_MAX_TRUST_ANCHOR_FILE);
    else status = dci_fail(c, DC_E_IO, "trust anchor file %s: read failed", safe);
    goto done;
  }
  status = dci_ta_parse_text(text, len, l, &line_no, &why);
  if (status == DC_E_NOMEM) dci_fail(c, status, "out of memory");
  else if (status != DC_OK && line_no > 0)
    dci_fail(c, status, "trust anchor file %s line %zu: %s", safe, line_no, why);
  else if (status != DC_OK) dci_fail(c, status, "trust anchor file %s: %s", safe, why);
done:
  free(text);
  return status;
}

bool dci_ta_covers(const struct dci_ta_list *l, const char *name)
{
  size_t n = strlen(name);
  if (n > 0 && name[n - 1] == '.') n--;
  for (size_t i = 0; i < l->n; i++) {
    const char *o = l->owner[i];
    size_t on = strlen(o);
    if (on == 0) return true; /* the root covers every name */
    if (on > n || strncasecmp(name + n - on, o, on) != 0) continue;
    if (on == n || name[n - on - 1] == '.') return true;
  }
  return false;
}
