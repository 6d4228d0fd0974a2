/* The _domainconnect TXT value (docs/protocol.md §1.2; docs/security.md
 * §4.2). The value is an authority plus an optional
 * path: "https://" + value + "/v2" must be a valid URL, with no scheme,
 * query or fragment (IETF draft, "DNS Provider Discovery"). We are stricter:
 * the authority is a bare host name (no userinfo, no port, no IP literal).
 * TEST ONLY: "host:PORT[/path]" is accepted when PORT is not 443 and the
 * client's test-only allow list names that port (dci_guard_test_port); the
 * host's addresses are then judged with that port when it is fetched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domainconnect/settings.h"
#include "guard/addr.h"
#include "guard/url_rules.h"

static bool is_ascii_space(unsigned char ch)
{
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' ||
         ch == '\v';
}

/* The first byte-level problem of the trimmed value, or NULL. Checked before
 * the host/path split so that each pitfall of docs/security.md §4.1 gets
 * its own reason; *reason gets its dc_guard_reason.
 * `port_colon` is the offset of the ':' of an accepted test port (skipped),
 * or len. */
static const char *byte_problem(const char *v, size_t len, size_t port_colon,
                                dc_guard_reason *reason)
{
  *reason = DC_GUARD_CHARACTERS;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)v[i];
    if (ch >= 0x80) return "non-ASCII byte";
    if (ch < 0x20 || ch == 0x7f) return "control byte";
    if (ch == ' ') return "space inside the value";
  }
  /* "http://api.x" would become "https://http://api.x/v2/...": host "http"
   * (docs/security.md §4.1, "scheme inside the TXT value"). */
  *reason = DC_GUARD_SCHEME;
  for (size_t i = 0; i + 3 <= len; i++)
    if (v[i] == ':' && v[i + 1] == '/' && v[i + 2] == '/') return "a scheme (\"://\")";
  static const struct {
    char ch;
    dc_guard_reason reason;
    const char *why;
  } k_bytes[] = {
    {'@', DC_GUARD_USERINFO, "userinfo ('@')"},
    {'\\', DC_GUARD_CHARACTERS, "a backslash"},
    {'%', DC_GUARD_CHARACTERS, "percent-encoding ('%')"},
    {'?', DC_GUARD_QUERY, "a query ('?')"},
    {'#', DC_GUARD_FRAGMENT, "a fragment ('#')"},
    {'[', DC_GUARD_IP_LITERAL, "an IP literal ('[...]')"},
    {']', DC_GUARD_IP_LITERAL, "an IP literal ('[...]')"},
    /* after "://" is ruled out, a ':' is a port ("host:8443") or a scheme
     * without slashes ("mailto:x"): both refused as a port */
    {':', DC_GUARD_PORT, "a scheme or port (':')"},
  };
  for (size_t i = 0; i < len; i++) {
    if (v[i] == ':' && i == port_colon) continue;
    for (size_t k = 0; k < sizeof k_bytes / sizeof k_bytes[0]; k++) {
      if (v[i] != k_bytes[k].ch) continue;
      *reason = k_bytes[k].reason;
      return k_bytes[k].why;
    }
  }
  *reason = DC_GUARD_NONE;
  return NULL;
}

/* TEST ONLY: the offset of the ':' in "host:PORT[/path]" when PORT is
 * strictly written, not 443, and named by the client's test-only allow list;
 * else len (no port accepted: a ':' is then refused as in production). */
static size_t test_port_colon(const dc_client *c, const char *v, size_t len,
                              unsigned *port)
{
  const char *slash = memchr(v, '/', len);
  size_t authlen = slash ? (size_t)(slash - v) : len;
  const char *colon = memchr(v, ':', authlen);
  *port = DCI_HTTPS_PORT;
  if (colon == NULL) return len;
  size_t off = (size_t)(colon - v);
  unsigned p = 0;
  if (dci_port_problem(colon + 1, authlen - off - 1, &p) != NULL) return len;
  if (!dci_guard_test_port(c, p)) return len;
  *port = p;
  return off;
}

DC_API dc_status dc_txt_value_parse(dc_client *c, const char *value, size_t len,
                                    char **out)
{
  dc_status status = DC_OK;
  dci_buf b;
  dci_buf_init(&b, DC_MAX_TXT_VALUE);
  dci_clear(c);
  if (out != NULL) *out = NULL;
  if (out == NULL || (value == NULL && len > 0))
    return dci_fail(c, DC_E_INVALID_ARG, "TXT value: NULL argument");
  /* The cap applies to the value as received, before trimming. */
  if (len > DC_MAX_TXT_VALUE) {
    dci_guard_note(c, DC_GUARD_TOO_LONG);
    return dci_fail(c, DC_E_LIMIT, "TXT value is %zu bytes, limit %d", len,
                    DC_MAX_TXT_VALUE);
  }

  const char *v = value;
  while (len > 0 && is_ascii_space((unsigned char)v[0])) { v++; len--; }
  while (len > 0 && is_ascii_space((unsigned char)v[len - 1])) len--;

  const char *why = NULL;
  dc_guard_reason reason = DC_GUARD_EMPTY;
  if (len == 0) {
    why = "empty value";
    goto refuse;
  }
  unsigned port = DCI_HTTPS_PORT;
  size_t colon = test_port_colon(c, v, len, &port);
  why = byte_problem(v, len, colon, &reason);
  if (why != NULL) goto refuse;

  /* host [ ":" test port ] [ "/" path ] */
  const char *slash = memchr(v, '/', len);
  size_t authlen = slash ? (size_t)(slash - v) : len;
  size_t hostlen = colon < len ? colon : authlen;
  why = dci_hostname_reason(v, hostlen, false, &reason);
  if (why != NULL) goto refuse;
  size_t pathlen = len - authlen;
  if (pathlen > 0 && v[authlen + pathlen - 1] == '/') pathlen--; /* one '/' */
  reason = DC_GUARD_PATH;
  why = dci_path_prefix_problem(v + authlen, pathlen);
  if (why != NULL) goto refuse;

  size_t outhost = hostlen;
  if (v[outhost - 1] == '.') outhost--; /* one trailing dot of the host */
  for (size_t i = 0; i < outhost; i++)
    DCI_TRY(dci_buf_append_char(&b, (char)dci_lower((unsigned char)v[i])));
  if (port != DCI_HTTPS_PORT) {
    char ptext[8];
    snprintf(ptext, sizeof ptext, ":%u", port);
    DCI_TRY(dci_buf_append_str(&b, ptext));
  }
  DCI_TRY(dci_buf_append(&b, v + authlen, pathlen));
  *out = dci_buf_take(&b);
  if (*out == NULL) status = DC_E_NOMEM;
  goto done;

refuse: {
    char safe[128];
    dci_sanitize(safe, sizeof safe, v, len, 100);
    status = dci_fail(c, DC_E_TXT_INVALID, "_domainconnect TXT value: %s in \"%s\"",
                      why, safe);
    dci_guard_note(c, reason);
  }
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "TXT value: out of memory");
  dci_buf_free(&b);
  return status;
}

/* Joins the character-strings of one RR (docs/protocol.md §1.2) and
 * parses the result. */
static dc_status parse_rr(dc_client *c, const dc_txt_rr *rr, size_t index,
                          char **out)
{
  dc_status status = DC_OK;
  dci_buf b;
  dci_buf_init(&b, DC_MAX_TXT_VALUE);
  *out = NULL;
  if (rr->count > 0 && (rr->strings == NULL || rr->lens == NULL)) {
    status = dci_fail(c, DC_E_INVALID_ARG, "TXT RR %zu: NULL strings", index);
    goto done;
  }
  for (size_t i = 0; i < rr->count; i++) {
    if (rr->strings[i] == NULL && rr->lens[i] > 0) {
      status = dci_fail(c, DC_E_INVALID_ARG, "TXT RR %zu: NULL string", index);
      goto done;
    }
    status = dci_buf_append(&b, rr->strings[i], rr->lens[i]);
    if (status == DC_E_LIMIT) {
      dci_guard_note(c, DC_GUARD_TOO_LONG);
      status = dci_fail(c, DC_E_LIMIT, "TXT RR %zu: value longer than %d bytes",
                        index, DC_MAX_TXT_VALUE);
      goto done;
    }
    if (status != DC_OK) goto done;
  }
  /* b.data is NULL when nothing was appended; the parser refuses empty. */
  status = dc_txt_value_parse(c, b.data ? b.data : "", b.len, out);
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "TXT RR: out of memory");
  dci_buf_free(&b);
  return status;
}

DC_API dc_status dc_txt_select(dc_client *c, const dc_txt_rr *rrs, size_t n,
                               char **out)
{
  dc_status status = DC_OK;
  char *chosen = NULL, *other = NULL;
  dci_clear(c);
  if (out != NULL) *out = NULL;
  if (out == NULL || rrs == NULL || n == 0)
    return dci_fail(c, DC_E_INVALID_ARG, "TXT select: no records");
  if (n > DC_MAX_TXT_RRS)
    return dci_fail(c, DC_E_LIMIT, "%zu _domainconnect TXT records, limit %d", n,
                    DC_MAX_TXT_RRS);

  for (size_t i = 0; i < n; i++) {
    char **slot = (chosen == NULL) ? &chosen : &other;
    DCI_TRY(parse_rr(c, &rrs[i], i, slot));
    if (other == NULL) continue;
    /* Identical RRs (e.g. duplicates through a CNAME) are harmless;
     * distinct ones are refused: their order is under the zone owner's
     * control (docs/security.md §4.2). */
    if (strcmp(chosen, other) != 0) {
      status = dci_fail(c, DC_E_TXT_MULTIPLE,
                        "%zu distinct _domainconnect TXT records (\"%s\" and \"%s\")",
                        n, chosen, other);
      goto done;
    }
    free(other);
    other = NULL;
  }
  *out = chosen;
  chosen = NULL;
done:
  free(chosen);
  free(other);
  return status;
}
