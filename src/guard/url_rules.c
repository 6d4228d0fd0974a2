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

const char *dci_hostname_reason(const char *host, size_t len, bool allow_underscore,
                                dc_guard_reason *reason)
{
  dc_guard_reason dummy;
  if (reason == NULL) reason = &dummy;
  *reason = DC_GUARD_INVALID_HOST; /* unless a rule below says otherwise */
  if (host == NULL || len == 0) {
    *reason = DC_GUARD_EMPTY;
    return "empty host";
  }
  /* docs/security.md §4.1, "trailing dot": strip exactly one before the
   * name rules. */
  if (host[len - 1] == '.') len--;
  if (len == 0) {
    *reason = DC_GUARD_EMPTY;
    return "empty host";
  }
  if (len > DC_MAX_NAME_LEN) return "host name longer than 253 bytes";

  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)host[i];
    if (ch >= 0x80 || ch < 0x20 || ch == 0x7f) *reason = DC_GUARD_CHARACTERS;
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

  if (ends_in_number(host + last_start, last_len)) {
    *reason = DC_GUARD_IP_LITERAL;
    return "IP literal host";
  }
  for (size_t k = 0; k < sizeof k_special / sizeof k_special[0]; k++) {
    if (has_suffix_label(host, len, k_special[k].suffix)) {
      *reason = DC_GUARD_SPECIAL_NAME;
      return k_special[k].reason;
    }
  }
  /* Single-label names reach intranet hosts through search domains and
   * metadata services ("metadata", "kubernetes"): docs/security.md §3.7. */
  if (labels < 2) return "single-label host";
  return NULL;
}

const char *dci_hostname_problem(const char *host, size_t len,
                                 bool allow_underscore)
{
  return dci_hostname_reason(host, len, allow_underscore, NULL);
}

dc_status dci_check_hostname(const char *host, size_t len, bool allow_underscore)
{
  return dci_hostname_problem(host, len, allow_underscore) ? DC_E_UNSAFE_URL : DC_OK;
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

/* The validated pieces of an https URL, pointing into the caller's text. */
struct url_parts {
  const char *host; /* without its one trailing dot */
  size_t hostlen;
  unsigned port;
  const char *path; /* as it goes into the canonical URL */
  size_t pathlen;
  const char *query; /* after '?' (NULL without one) */
  size_t querylen;
};

static const char k_https[] = "https://";
#define HTTPS_PREFIX_LEN (sizeof k_https - 1)

/* The whole string and the scheme. Returns NULL or a reason (and its kind
 * in *reason). */
static const char *url_text_problem(const char *url, size_t len, dc_guard_reason *reason)
{
  *reason = DC_GUARD_TOO_LONG;
  if (len > DC_MAX_URL_LEN) return "URL longer than 2048 bytes";
  *reason = DC_GUARD_EMPTY;
  if (len == 0) return "empty URL";
  *reason = DC_GUARD_CHARACTERS;

  /* Whole string: printable ASCII, no backslash (libcurl and WHATWG read
   * "\" differently: docs/security.md §4.1, "backslash" and "Orange Tsai
   * variants"). */
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)url[i];
    if (ch >= 0x80) return "non-ASCII byte";
    if (ch < 0x20 || ch == 0x7f) return "control byte";
    if (ch == ' ') return "space";
    if (ch == '\\') return "backslash";
  }

  /* Literal "https://" then a non-'/' byte: "https:/x" and "https:///x" both
   * parse to host x in libcurl (docs/security.md §4.1, "slash count"). */
  *reason = DC_GUARD_SCHEME;
  if (len < HTTPS_PREFIX_LEN) return "URL does not start with https://";
  for (size_t i = 0; i < HTTPS_PREFIX_LEN; i++)
    if (dci_lower((unsigned char)url[i]) != (unsigned char)k_https[i])
      return "URL does not start with https://";
  if (len == HTTPS_PREFIX_LEN || url[HTTPS_PREFIX_LEN] == '/')
    return "no host after https://";
  *reason = DC_GUARD_FRAGMENT;
  if (memchr(url, '#', len) != NULL) return "fragment ('#') not allowed";
  *reason = DC_GUARD_NONE;
  return NULL;
}

/* The authority auth[0..alen): host and optional port into *u. Returns NULL
 * or a reason (and its kind in *reason). */
static const char *authority_problem(dc_client *c, const char *auth, size_t alen,
                                     struct url_parts *u, dc_guard_reason *reason)
{
  for (size_t i = 0; i < alen; i++) {
    char ch = auth[i];
    if (ch == '@') {
      *reason = DC_GUARD_USERINFO;
      return "userinfo ('@') not allowed";
    }
    if (ch == '%') {
      *reason = DC_GUARD_CHARACTERS;
      return "percent-encoding in the authority";
    }
    if (ch == '[' || ch == ']') {
      *reason = DC_GUARD_IP_LITERAL;
      return "IP literal host";
    }
  }
  *reason = DC_GUARD_PORT;
  const char *colon = memchr(auth, ':', alen);
  size_t hostlen = colon ? (size_t)(colon - auth) : alen;
  u->port = DCI_HTTPS_PORT;
  if (colon != NULL) {
    const char *ptext = colon + 1;
    size_t portlen = alen - hostlen - 1;
    if (portlen == 0) return "empty port";
    /* Exactly "443", or (TEST ONLY) a strictly written port that the
     * client's test-only allow list names; its addresses are judged with
     * that port later (dci_guard_addr_port). Anything else keeps the
     * production reason. */
    if (dci_port_problem(ptext, portlen, &u->port) != NULL ||
        (u->port != DCI_HTTPS_PORT && !dci_guard_test_port(c, u->port)))
      return "port other than 443";
  }
  const char *why = dci_hostname_reason(auth, hostlen, false, reason);
  if (why != NULL) return why;
  *reason = DC_GUARD_NONE;
  if (auth[hostlen - 1] == '.') hostlen--; /* one trailing dot, dropped */
  u->host = auth;
  u->hostlen = hostlen;
  return NULL;
}

/* Path, then the optional query, in rest[0..len) (the URL after the
 * authority). Returns NULL or a reason (QUERY or PATH). */
static const char *path_query_problem(const char *rest, size_t len, bool allow_query,
                                      struct url_parts *u, dc_guard_reason *reason)
{
  *reason = DC_GUARD_QUERY;
  const char *query = memchr(rest, '?', len);
  size_t pathlen = query ? (size_t)(query - rest) : len;
  u->query = NULL;
  u->querylen = 0;
  if (query != NULL) {
    if (!allow_query) return "query ('?') not allowed";
    u->query = query + 1;
    u->querylen = len - pathlen - 1;
  }
  size_t checklen = pathlen;
  if (checklen > 0 && rest[checklen - 1] == '/') checklen--;
  *reason = DC_GUARD_PATH;
  const char *why = dci_path_prefix_problem(rest, checklen);
  if (why != NULL) return why;
  *reason = DC_GUARD_NONE;
  /* A prefix loses its one trailing '/' (the caller appends "/v2/...");
   * a full link with a query keeps its path as written. */
  u->path = rest;
  u->pathlen = u->querylen > 0 ? pathlen : checklen;
  return NULL;
}

/* "https://" host [":" port] path ["?" query], the host in lower case;
 * *pathoff is where the path starts in it. */
static dc_status append_canonical(dci_buf *canon, const struct url_parts *u,
                                  size_t *pathoff)
{
  dc_status status = DC_OK;
  DCI_TRY(dci_buf_append(canon, k_https, HTTPS_PREFIX_LEN));
  for (size_t i = 0; i < u->hostlen; i++)
    DCI_TRY(dci_buf_append_char(canon, (char)dci_lower((unsigned char)u->host[i])));
  if (u->port != DCI_HTTPS_PORT) {
    char ptext[8];
    snprintf(ptext, sizeof ptext, ":%u", u->port);
    DCI_TRY(dci_buf_append_str(canon, ptext));
  }
  *pathoff = canon->len;
  DCI_TRY(dci_buf_append(canon, u->path, u->pathlen));
  if (u->querylen > 0) {
    DCI_TRY(dci_buf_append_char(canon, '?'));
    DCI_TRY(dci_buf_append(canon, u->query, u->querylen));
  }
done:
  return status;
}

dc_status dci_check_https_url(dc_client *c, const char *field, const char *url,
                              bool allow_query, char **canonical_out)
{
  dc_status status = DC_OK;
  const char *why = NULL;
  dc_guard_reason reason = DC_GUARD_NONE;
  struct url_parts u = {0};
  size_t pathoff = 0;
  bool nomem = false;
  dci_buf canon;
  dci_buf_init(&canon, DC_MAX_URL_LEN);
  if (canonical_out != NULL) *canonical_out = NULL;
  if (url == NULL || canonical_out == NULL) return DC_E_INVALID_ARG;
  if (field == NULL) field = "URL";

  size_t len = strnlen(url, DC_MAX_URL_LEN + 1);
  why = url_text_problem(url, len, &reason);
  if (why != NULL) goto refuse;
  /* Authority: up to the first '/' or '?'. */
  const char *auth = url + HTTPS_PREFIX_LEN;
  size_t alen = strcspn(auth, "/?");
  why = authority_problem(c, auth, alen, &u, &reason);
  if (why != NULL) goto refuse;
  why = path_query_problem(auth + alen, len - HTTPS_PREFIX_LEN - alen, allow_query, &u,
                           &reason);
  if (why != NULL) goto refuse;

  DCI_TRY(append_canonical(&canon, &u, &pathoff));
  why = curl_disagrees(canon.data, canon.data + HTTPS_PREFIX_LEN, u.hostlen, u.port,
                       canon.data + pathoff, u.pathlen,
                       u.querylen > 0 ? canon.data + pathoff + u.pathlen + 1 : NULL,
                       u.querylen, &nomem);
  if (nomem) { status = DC_E_NOMEM; goto done; }
  reason = DC_GUARD_PARSER_MISMATCH;
  if (why != NULL) goto refuse;

  *canonical_out = dci_buf_take(&canon);
  if (*canonical_out == NULL) status = DC_E_NOMEM;
  goto done;

refuse: {
    char safe[128];
    dci_sanitize(safe, sizeof safe, url, strnlen(url, DC_MAX_URL_LEN + 1), 100);
    status = dci_fail(c, DC_E_UNSAFE_URL, "%s: %s in \"%s\"", field, why, safe);
    dci_guard_note(c, reason);
  }
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "%s: out of memory", field);
  dci_buf_free(&canon);
  return status;
}
