/* Client configuration: the HTTP CONNECT proxy and the overall discovery
 * deadline (include/domainconnect/net.h; docs/security.md §2.9). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/internal.h"
#include "domainconnect/net.h"

/* What a proxy URL gave (owned strings; the password is a secret). */
struct proxy_parts {
  struct dci_allowed_addr addr;
  char *url;   /* "http://ADDR:PORT" */
  char *user;  /* NULL when no userinfo */
  char *pass;  /* NULL when none (wiped on free) */
};

static void parts_free(struct proxy_parts *p)
{
  free(p->url);
  dci_free_secret(p->user);
  dci_free_secret(p->pass);
  memset(p, 0, sizeof *p);
}

/* The first n bytes of s equal `lit` (lower case), ASCII case-insensitively. */
static bool prefix_nocase(const char *s, const char *lit, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (s[i] == '\0' || dci_lower((unsigned char)s[i]) != (unsigned char)lit[i]) return false;
  return true;
}

/* One percent-decoded userinfo part: printable ASCII only (it becomes a
 * Proxy-Authorization header). NULL on failure (*why set). */
static char *userinfo_part(const char *s, size_t len, const char **why)
{
  char *out = NULL;
  dc_status st = dci_pct_decode(s, len, false, 256, &out);
  if (st == DC_E_NOMEM) {
    *why = "out of memory"; /* dc_client_set_proxy: DC_E_NOMEM */
    return NULL;
  }
  if (st != DC_OK) {
    *why = "the proxy URL's user name or password is not valid percent-encoding "
           "or longer than 256 bytes";
    return NULL;
  }
  for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
    if (*p < 0x20 || *p >= 0x7f) {
      *why = "the proxy URL's user name or password holds a control or non-ASCII byte";
      dci_free_secret(out);
      return NULL;
    }
  }
  return out;
}

/* "http://[user[:pass]@]ADDR:PORT[/]": NULL and *out filled, or a fixed
 * reason (never quoting the URL: it may hold a password). */
static const char *parse_proxy(const char *url, struct proxy_parts *out)
{
  static const char scheme[] = "http://";
  const size_t sl = sizeof scheme - 1;
  const char *why = NULL;
  size_t len = strnlen(url, DC_MAX_PROXY_URL + 1);
  memset(out, 0, sizeof *out);
  if (len > DC_MAX_PROXY_URL) return "the proxy URL is too long";
  if (len < sl || !prefix_nocase(url, scheme, sl)) {
    if (strstr(url, "://") != NULL)
      return "only http:// proxies (HTTP CONNECT) are supported; the scheme of the "
             "proxy URL is another";
    return "the proxy URL must start with http://";
  }
  const char *auth = url + sl;
  size_t alen = strcspn(auth, "/?#");
  const char *rest = auth + alen;
  if (rest[0] != '\0' && strcmp(rest, "/") != 0)
    return "the proxy URL has a path, query or fragment (only http://ADDRESS:PORT)";
  const char *at = memrchr(auth, '@', alen);
  const char *hp = at != NULL ? at + 1 : auth;
  size_t hplen = alen - (size_t)(hp - auth);
  dci_addr a;
  unsigned port = 0;
  if (hplen == 0 || dci_hostport_parse(hp, hplen, 0, &a, &port) != NULL)
    return "the proxy must be given as an IP address and port (http://IPv4:PORT or "
           "http://[IPv6]:PORT), not a host name";
  if (port == 0) return "the proxy URL names no port";
  out->addr.family = a.family;
  memcpy(out->addr.b, a.b, sizeof out->addr.b);
  out->addr.port = port;
  if (at != NULL) {
    size_t ulen = (size_t)(at - auth);
    const char *colon = memchr(auth, ':', ulen);
    size_t nlen = colon != NULL ? (size_t)(colon - auth) : ulen;
    if (nlen == 0) return "the proxy URL has a password without a user name";
    out->user = userinfo_part(auth, nlen, &why);
    if (out->user == NULL) goto fail;
    if (colon != NULL) {
      out->pass = userinfo_part(colon + 1, ulen - nlen - 1, &why);
      if (out->pass == NULL) goto fail;
    }
  }
  char text[64], buf[96];
  dci_addr_format(&a, text, sizeof text);
  int n = snprintf(buf, sizeof buf, a.family == AF_INET6 ? "http://[%s]:%u" : "http://%s:%u",
                   text, port);
  if (n < 0 || (size_t)n >= sizeof buf) {
    why = "the proxy address cannot be formatted";
    goto fail;
  }
  out->url = dci_strdup(buf);
  if (out->url == NULL) {
    why = "out of memory";
    goto fail;
  }
  return NULL;
fail:
  parts_free(out);
  return why;
}

DC_API dc_status dc_client_set_proxy(dc_client *c, const char *url)
{
  if (c == NULL) return DC_E_INVALID_ARG;
  struct dci_config *cfg = dci_setter_entry(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  struct proxy_parts p;
  memset(&p, 0, sizeof p);
  if (url != NULL && url[0] != '\0') {
    const char *why = parse_proxy(url, &p);
    if (why != NULL)
      return dci_fail(c, strcmp(why, "out of memory") == 0 ? DC_E_NOMEM : DC_E_INVALID_ARG,
                      "proxy: %s", why);
  }
  free(cfg->proxy_url);
  dci_free_secret(cfg->proxy_user);
  dci_free_secret(cfg->proxy_pass);
  cfg->proxy_url = p.url;
  cfg->proxy_addr = p.addr;
  cfg->proxy_user = p.user;
  cfg->proxy_pass = p.pass;
  return DC_OK;
}

DC_API dc_status dc_client_set_deadline_ms(dc_client *c, long ms)
{
  if (c == NULL) return DC_E_INVALID_ARG;
  struct dci_config *cfg = dci_setter_entry(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  if (ms < 1 || ms > DC_MAX_TIMEOUT_MS)
    return dci_fail(c, DC_E_INVALID_ARG, "deadline %ld ms is outside 1..%ld", ms,
                    DC_MAX_TIMEOUT_MS);
  cfg->deadline_ms = ms;
  return DC_OK;
}
