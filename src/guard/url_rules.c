/* Host, path-prefix and https URL rules for attacker-influenced input.
 * docs/security.md §3.6 (non-canonical IPv4 text), §3.7 (special names)
 * and §4 (URL-parsing pitfalls, rules for the TXT value and urlAPI). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "guard/addr.h"
#include "guard/url_rules.h"

/* Names refused without resolving them (docs/security.md §3.7). A host
 * matches when it equals the suffix or ends with "." + suffix. .test and
 * .example are not here on purpose: RFC 6761 says applications should not
 * treat them as special, and test harnesses rely on them. */
static const struct {
  const char *suffix;
  const char *reason;
} k_special[] = {
  {"localhost", "special-use name localhost (RFC 6761)"},
  {"local", "special-use name .local (RFC 6762)"},
  {"internal", "special-use name .internal (private use)"},
  {"home.arpa", "special-use name .home.arpa (RFC 8375)"},
  {"onion", "special-use name .onion (RFC 7686)"},
  {"alt", "special-use name .alt (RFC 9476)"},
  {"invalid", "special-use name .invalid (RFC 6761)"},
};

/* ASCII case-insensitive: does name[0..len) equal `suffix` or end with
 * "." + suffix? */
static bool has_suffix_label(const char *name, size_t len, const char *suffix)
{
  size_t sl = strlen(suffix);
  if (len < sl) return false;
  const char *tail = name + (len - sl);
  for (size_t i = 0; i < sl; i++)
    if (dci_lower((unsigned char)tail[i]) != (unsigned char)suffix[i]) return false;
  return len == sl || tail[-1] == '.';
}

/* WHATWG URL "ends in a number": the last label is all decimal digits, or
 * "0x"/"0X" followed by hex digits (possibly none). Such a host is parsed as
 * an IPv4 address by WHATWG parsers and by libcurl/getaddrinfo in various
 * non-canonical ways (docs/security.md §3.6), so every one is refused; a
 * strict dotted quad is a special case of it. */
static bool ends_in_number(const char *label, size_t n)
{
  if (n == 0) return false;
  if (n >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X')) {
    for (size_t i = 2; i < n; i++)
      if (!dci_is_hex((unsigned char)label[i])) return false;
    return true;
  }
  for (size_t i = 0; i < n; i++)
    if (!dci_is_digit((unsigned char)label[i])) return false;
  return true;
}

const char *dci_hostname_problem(const char *host, size_t len,
                                 bool allow_underscore)
{
  if (host == NULL || len == 0) return "empty host";
  /* docs/security.md §4.1, "trailing dot": strip exactly one before the
   * name rules. */
  if (host[len - 1] == '.') len--;
  if (len == 0) return "empty host";
  if (len > DC_MAX_NAME_LEN) return "host name longer than 253 bytes";

  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)host[i];
    if (ch >= 0x80) return "non-ASCII byte in host";
    if (ch < 0x20 || ch == 0x7f) return "control byte in host";
    if (dci_is_alnum(ch) || ch == '-' || ch == '.') continue;
    if (ch == '_' && allow_underscore) continue;
    return "character other than letter, digit, '-' or '.' in host";
  }

  size_t labels = 0, start = 0;
  size_t last_start = 0, last_len = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && host[i] != '.') continue;
    size_t n = i - start;
    if (n == 0) return "empty label in host";
    if (n > DC_MAX_LABEL_LEN) return "label longer than 63 bytes in host";
    if (host[start] == '-' || host[i - 1] == '-')
      return "label starts or ends with '-' in host";
    labels++;
    last_start = start;
    last_len = n;
    start = i + 1;
  }

  if (ends_in_number(host + last_start, last_len)) return "IP literal host";
  for (size_t k = 0; k < sizeof k_special / sizeof k_special[0]; k++)
    if (has_suffix_label(host, len, k_special[k].suffix)) return k_special[k].reason;
  /* Single-label names reach intranet hosts through search domains and
   * metadata services ("metadata", "kubernetes"): docs/security.md §3.7. */
  if (labels < 2) return "single-label host";
  return NULL;
}

dc_status dci_check_hostname(const char *host, size_t len, bool allow_underscore)
{
  return dci_hostname_problem(host, len, allow_underscore) ? DC_E_UNSAFE_URL : DC_OK;
}

const char *dci_port_problem(const char *s, size_t len, unsigned *port)
{
  unsigned long v = 0;
  if (port != NULL) *port = 0;
  if (s == NULL || len == 0) return "empty port";
  for (size_t i = 0; i < len; i++)
    if (!dci_is_digit((unsigned char)s[i])) return "port is not decimal digits";
  if (s[0] == '0') return len == 1 ? "port outside 1..65535" : "port with a leading zero";
  if (len > 5) return "port outside 1..65535";
  for (size_t i = 0; i < len; i++) v = v * 10 + (unsigned long)(s[i] - '0');
  if (v > 65535) return "port outside 1..65535";
  if (port != NULL) *port = (unsigned)v;
  return NULL;
}

static bool path_byte_ok(unsigned char ch)
{
  return dci_is_alnum(ch) || ch == '.' || ch == '_' || ch == '~' || ch == '/' ||
         ch == '-';
}

const char *dci_path_prefix_problem(const char *path, size_t len)
{
  if (len == 0) return NULL;
  if (path == NULL || path[0] != '/') return "path does not start with '/'";
  for (size_t i = 0; i < len; i++)
    if (!path_byte_ok((unsigned char)path[i]))
      return "character outside A-Za-z0-9._~/- in path";
  /* Segments follow each '/'. An empty one ("//"), "." or ".." would let
   * the appended "/v2/..." land somewhere else after normalisation. */
  size_t start = 1;
  for (size_t i = 1; i <= len; i++) {
    if (i < len && path[i] != '/') continue;
    size_t n = i - start;
    if (n == 0) return "empty path segment";
    if (n == 1 && path[start] == '.') return "'.' path segment";
    if (n == 2 && path[start] == '.' && path[start + 1] == '.')
      return "'..' path segment";
    start = i + 1;
  }
  return NULL;
}

/* Cross-check with libcurl's own parser (docs/security.md §2.2). The
 * canonical URL must parse with CURLU_DISALLOW_USER and give back exactly
 * the host, port (none for 443), path and query we validated, and nothing
 * else. Returns NULL when curl agrees, else a reason. */
static const char *curl_disagrees(const char *canon, const char *host,
                                  size_t hostlen, unsigned port, const char *path,
                                  size_t pathlen, const char *query, size_t querylen,
                                  bool *nomem)
{
  const char *why = NULL;
  char *part = NULL;
  CURLU *h = curl_url();
  if (h == NULL) { *nomem = true; return "out of memory"; }
  if (curl_url_set(h, CURLUPART_URL, canon, CURLU_DISALLOW_USER) != CURLUE_OK) {
    why = "libcurl cannot parse the URL";
    goto done;
  }
  if (curl_url_get(h, CURLUPART_SCHEME, &part, 0) != CURLUE_OK ||
      !dci_streq_nocase(part, "https")) {
    why = "libcurl sees another scheme";
    goto done;
  }
  curl_free(part);
  part = NULL;
  if (curl_url_get(h, CURLUPART_HOST, &part, 0) != CURLUE_OK ||
      strlen(part) != hostlen) {
    why = "libcurl sees another host";
    goto done;
  }
  for (size_t i = 0; i < hostlen; i++) {
    if (dci_lower((unsigned char)part[i]) != (unsigned char)host[i]) {
      why = "libcurl sees another host";
      goto done;
    }
  }
  curl_free(part);
  part = NULL;
  if (curl_url_get(h, CURLUPART_PATH, &part, 0) != CURLUE_OK) {
    why = "libcurl sees no path";
    goto done;
  }
  /* curl reports an empty path as "/". */
  if (pathlen == 0 ? strcmp(part, "/") != 0
                   : (strlen(part) != pathlen || memcmp(part, path, pathlen) != 0)) {
    why = "libcurl sees another path";
    goto done;
  }
  curl_free(part);
  part = NULL;
  CURLUcode qrc = curl_url_get(h, CURLUPART_QUERY, &part, 0);
  if (querylen == 0 ? qrc == CURLUE_OK
                    : (qrc != CURLUE_OK || strlen(part) != querylen ||
                       memcmp(part, query, querylen) != 0)) {
    why = "libcurl sees another query";
    goto done;
  }
  curl_free(part);
  part = NULL;
  /* Without CURLU_DEFAULT_PORT libcurl reports only a port written in the
   * URL: none for 443 (dropped from the canonical form), else ours. */
  CURLUcode prc = curl_url_get(h, CURLUPART_PORT, &part, 0);
  if (port == DCI_HTTPS_PORT) {
    if (prc == CURLUE_OK) {
      why = "libcurl sees a port";
      goto done;
    }
  } else {
    char want[8];
    snprintf(want, sizeof want, "%u", port);
    if (prc != CURLUE_OK || strcmp(part, want) != 0) {
      why = "libcurl sees another port";
      goto done;
    }
  }
  curl_free(part);
  part = NULL;
  static const struct { CURLUPart p; const char *why; } k_absent[] = {
    {CURLUPART_USER, "libcurl sees userinfo"},
    {CURLUPART_PASSWORD, "libcurl sees userinfo"},
    {CURLUPART_OPTIONS, "libcurl sees login options"},
    {CURLUPART_ZONEID, "libcurl sees a zone id"},
    {CURLUPART_FRAGMENT, "libcurl sees a fragment"},
  };
  for (size_t k = 0; k < sizeof k_absent / sizeof k_absent[0]; k++) {
    if (curl_url_get(h, k_absent[k].p, &part, 0) == CURLUE_OK) {
      why = k_absent[k].why;
      goto done;
    }
    curl_free(part); /* NULL on failure; curl_free(NULL) is a no-op */
    part = NULL;
  }
done:
  curl_free(part);
  curl_url_cleanup(h);
  return why;
}

dc_status dci_check_https_url(dc_client *c, const char *field, const char *url,
                              bool allow_query, char **canonical_out)
{
  dc_status status = DC_OK;
  const char *why = NULL;
  dci_buf canon;
  dci_buf_init(&canon, DC_MAX_URL_LEN);
  if (canonical_out != NULL) *canonical_out = NULL;
  if (url == NULL || canonical_out == NULL) return DC_E_INVALID_ARG;
  if (field == NULL) field = "URL";

  size_t len = strnlen(url, DC_MAX_URL_LEN + 1);
  if (len > DC_MAX_URL_LEN) { why = "URL longer than 2048 bytes"; goto refuse; }
  if (len == 0) { why = "empty URL"; goto refuse; }

  /* Whole string: printable ASCII, no backslash (libcurl and WHATWG read
   * "\" differently: docs/security.md §4.1, "backslash" and "Orange Tsai
   * variants"). */
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)url[i];
    if (ch >= 0x80) { why = "non-ASCII byte"; goto refuse; }
    if (ch < 0x20 || ch == 0x7f) { why = "control byte"; goto refuse; }
    if (ch == ' ') { why = "space"; goto refuse; }
    if (ch == '\\') { why = "backslash"; goto refuse; }
  }

  /* Literal "https://" then a non-'/' byte: "https:/x" and "https:///x" both
   * parse to host x in libcurl (docs/security.md §4.1, "slash count"). */
  static const char k_prefix[] = "https://";
  const size_t plen = sizeof k_prefix - 1;
  if (len < plen) { why = "URL does not start with https://"; goto refuse; }
  for (size_t i = 0; i < plen; i++) {
    if (dci_lower((unsigned char)url[i]) != (unsigned char)k_prefix[i]) {
      why = "URL does not start with https://";
      goto refuse;
    }
  }
  if (len == plen || url[plen] == '/') { why = "no host after https://"; goto refuse; }
  if (memchr(url, '#', len) != NULL) { why = "fragment ('#') not allowed"; goto refuse; }

  /* Authority: up to the first '/' or '?'. */
  const char *auth = url + plen;
  size_t alen = strcspn(auth, "/?");
  for (size_t i = 0; i < alen; i++) {
    char ch = auth[i];
    if (ch == '@') { why = "userinfo ('@') not allowed"; goto refuse; }
    if (ch == '%') { why = "percent-encoding in the authority"; goto refuse; }
    if (ch == '[' || ch == ']') { why = "IP literal host"; goto refuse; }
  }
  const char *colon = memchr(auth, ':', alen);
  size_t hostlen = colon ? (size_t)(colon - auth) : alen;
  unsigned port = DCI_HTTPS_PORT;
  if (colon != NULL) {
    const char *ptext = colon + 1;
    size_t portlen = alen - hostlen - 1;
    if (portlen == 0) { why = "empty port"; goto refuse; }
    /* Exactly "443", or (TEST ONLY) a strictly written port that the
     * client's test-only allow list names; its addresses are judged with
     * that port later (dci_guard_addr_port). Anything else keeps the
     * production reason. */
    if (dci_port_problem(ptext, portlen, &port) != NULL ||
        (port != DCI_HTTPS_PORT && !dci_guard_test_port(c, port))) {
      why = "port other than 443";
      goto refuse;
    }
  }
  why = dci_hostname_problem(auth, hostlen, false);
  if (why != NULL) goto refuse;
  if (auth[hostlen - 1] == '.') hostlen--; /* one trailing dot, dropped */

  /* Path, then the optional query. */
  const char *path = auth + alen;
  const char *query = memchr(path, '?', len - (size_t)(path - url));
  size_t pathlen = query ? (size_t)(query - path) : len - (size_t)(path - url);
  size_t querylen = 0;
  if (query != NULL) {
    if (!allow_query) { why = "query ('?') not allowed"; goto refuse; }
    query++;
    querylen = len - (size_t)(query - url);
  }
  size_t checklen = pathlen;
  if (checklen > 0 && path[checklen - 1] == '/') checklen--;
  why = dci_path_prefix_problem(path, checklen);
  if (why != NULL) goto refuse;
  /* A prefix loses its one trailing '/' (the caller appends "/v2/...");
   * a full link with a query keeps its path as written. */
  size_t outpathlen = querylen > 0 ? pathlen : checklen;

  DCI_TRY(dci_buf_append(&canon, k_prefix, plen));
  for (size_t i = 0; i < hostlen; i++)
    DCI_TRY(dci_buf_append_char(&canon, (char)dci_lower((unsigned char)auth[i])));
  if (port != DCI_HTTPS_PORT) {
    char ptext[8];
    snprintf(ptext, sizeof ptext, ":%u", port);
    DCI_TRY(dci_buf_append_str(&canon, ptext));
  }
  size_t pathoff = canon.len; /* where the path starts in the canonical URL */
  DCI_TRY(dci_buf_append(&canon, path, outpathlen));
  if (querylen > 0) {
    DCI_TRY(dci_buf_append_char(&canon, '?'));
    DCI_TRY(dci_buf_append(&canon, query, querylen));
  }

  bool nomem = false;
  why = curl_disagrees(canon.data, canon.data + plen, hostlen, port,
                       canon.data + pathoff, outpathlen,
                       querylen > 0 ? canon.data + pathoff + outpathlen + 1 : NULL,
                       querylen, &nomem);
  if (nomem) { status = DC_E_NOMEM; goto done; }
  if (why != NULL) goto refuse;

  *canonical_out = dci_buf_take(&canon);
  if (*canonical_out == NULL) status = DC_E_NOMEM;
  goto done;

refuse: {
    char safe[128];
    dci_sanitize(safe, sizeof safe, url, strnlen(url, DC_MAX_URL_LEN + 1), 100);
    status = dci_fail(c, DC_E_UNSAFE_URL, "%s: %s in \"%s\"", field, why, safe);
  }
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "%s: out of memory", field);
  dci_buf_free(&canon);
  return status;
}
