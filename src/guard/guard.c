/* The SSRF guard for inspection (net.h): judge an IP literal, a
 * _domainconnect TXT value or an https URL, optionally resolving the host
 * and classifying every address (docs/security.md §2.4, §3.1).
 * Every refusal is DC_E_BLOCKED with the reason as the detail, and its
 * machine-readable reason on the call record (docs/security.md §2.11). */
#include <arpa/inet.h>
#include <string.h>

#include "dns/resolver.h"
#include "domainconnect/net.h"
#include "domainconnect/settings.h"
#include "guard/addr.h"
#include "guard/guard.h"
#include "guard/url_rules.h"

dc_status dci_guard_resolve(dc_client *c, const char *host, dci_addr_list *out)
{
  return dci_guard_resolve_port(c, host, DCI_HTTPS_PORT, out);
}

dc_status dci_guard_resolve_port(dc_client *c, const char *host, unsigned port,
                                 dci_addr_list *out)
{
  dc_status status = DC_OK;
  dci_addr_list list;
  memset(&list, 0, sizeof list);
  if (out != NULL) memset(out, 0, sizeof *out);
  if (c == NULL || host == NULL) return DC_E_INVALID_ARG;

  char safe_host[DC_MAX_NAME_LEN + 8];
  dci_sanitize(safe_host, sizeof safe_host, host, strlen(host), DC_MAX_NAME_LEN);
  status = dci_dns_addrs(c, host, &list, NULL);
  if (status != DC_OK) {
    /* No address, or DNS failed: the name is never allowed. */
    if (status == DC_E_NO_RECORD || status == DC_E_DNS || status == DC_E_DNS_TIMEOUT)
      dci_guard_note(c, DC_GUARD_UNRESOLVABLE);
    goto done;
  }
  if (list.n == 0) {
    /* The resolver reports an empty answer itself; never allow on none. */
    dci_guard_note(c, DC_GUARD_UNRESOLVABLE);
    status = dci_fail(c, DC_E_NO_RECORD, "%s has no A or AAAA record", safe_host);
    goto done;
  }
  for (size_t i = 0; i < list.n && i < DCI_MAX_ADDRS; i++) {
    const char *why = dci_guard_addr_port(c, &list.a[i], port);
    if (why == NULL) continue;
    char text[INET6_ADDRSTRLEN], reason[160];
    dci_addr_format(&list.a[i], text, sizeof text);
    dci_addr_reason(&list.a[i], why, reason, sizeof reason);
    status = dci_fail(c, DC_E_BLOCKED, "%s resolves to %s: %s", safe_host, text,
                      reason);
    goto done;
  }
  if (out != NULL) *out = list;
done:
  return status;
}

/* The host part of a canonical TXT value ("host[:port][/path]") or URL
 * ("https://host[:port][/path][?query]"), copied into buf, and its port
 * (443 when none; a canonical form carries only a checked test port). */
static bool host_of(const char *s, size_t skip, char *buf, size_t n, unsigned *port)
{
  const char *h = s + skip;
  size_t alen = strcspn(h, "/?");
  const char *colon = memchr(h, ':', alen);
  size_t len = colon ? (size_t)(colon - h) : alen;
  *port = DCI_HTTPS_PORT;
  if (len == 0 || len >= n) return false;
  if (colon != NULL && dci_port_problem(colon + 1, alen - len - 1, port) != NULL)
    return false;
  memcpy(buf, h, len);
  buf[len] = '\0';
  return true;
}

DC_API dc_status dc_guard_ip(dc_client *c, const char *ip)
{
  if (c == NULL || ip == NULL) return DC_E_INVALID_ARG;
  dci_clear(c);
  dci_addr a;
  if (!dci_addr_parse(ip, &a)) {
    /* A scoped IPv6 address is refused (docs/security.md §3.1 step 2a). */
    const char *pct = strchr(ip, '%');
    if (pct != NULL && (size_t)(pct - ip) < INET6_ADDRSTRLEN) {
      char head[INET6_ADDRSTRLEN];
      size_t hl = (size_t)(pct - ip);
      memcpy(head, ip, hl);
      head[hl] = '\0';
      unsigned char b[16];
      const char *h = head[0] == '[' ? head + 1 : head;
      if (inet_pton(AF_INET6, h, b) == 1) {
        dci_addr s = {.family = AF_INET6};
        memcpy(s.b, b, sizeof b);
        char text[INET6_ADDRSTRLEN];
        dci_addr_format(&s, text, sizeof text);
        dci_guard_note(c, DC_GUARD_SCOPED_ADDRESS);
        return dci_fail(c, DC_E_BLOCKED, "%s with a zone id: scoped IPv6 address",
                        text);
      }
    }
    char safe[80];
    dci_sanitize(safe, sizeof safe, ip, strlen(ip), 64);
    return dci_fail(c, DC_E_INVALID_ARG,
                    "'%s' is not an IP address (IPv4 as a dotted quad, or IPv6)",
                    safe);
  }
  const char *why = dci_guard_addr(c, &a);
  if (why == NULL) return DC_OK;
  char text[INET6_ADDRSTRLEN], reason[160];
  dci_addr_format(&a, text, sizeof text);
  dci_addr_reason(&a, why, reason, sizeof reason);
  return dci_fail(c, DC_E_BLOCKED, "%s: %s", text, reason);
}

/* The end of dc_guard_txt and dc_guard_url: on success and with `resolve`,
 * the host and port of the accepted canonical form (after `skip` bytes of
 * scheme) resolved and judged; `canon` freed. `no_host` is the detail should
 * the canonical form have no host. */
static dc_status resolve_canon(dc_client *c, dc_status status, char *canon, size_t skip,
                               bool resolve, const char *no_host)
{
  if (status == DC_OK && resolve) {
    char host[DC_MAX_NAME_LEN + 1];
    unsigned port = DCI_HTTPS_PORT;
    if (!host_of(canon, skip, host, sizeof host, &port))
      status = dci_fail(c, DC_E_INTERNAL, "%s", no_host);
    else
      status = dci_guard_resolve_port(c, host, port, NULL);
  }
  dc_free(canon);
  return status;
}

DC_API dc_status dc_guard_txt(dc_client *c, const char *value, bool resolve)
{
  char *canon = NULL;
  if (c == NULL || value == NULL) return DC_E_INVALID_ARG;
  dci_clear(c);
  /* The value as received: dc_txt_value_parse enforces the length cap. */
  dc_status status = dc_txt_value_parse(c, value, strlen(value), &canon);
  if (status == DC_E_TXT_INVALID || status == DC_E_LIMIT)
    status = DC_E_BLOCKED; /* the parser's detail names the rule */
  return resolve_canon(c, status, canon, 0, resolve, "TXT value: no host after parsing");
}

DC_API dc_status dc_guard_url(dc_client *c, const char *url, bool resolve)
{
  char *canon = NULL;
  if (c == NULL || url == NULL) return DC_E_INVALID_ARG;
  dci_clear(c);
  dc_status status = dci_check_https_url(c, "URL", url, false, &canon);
  if (status == DC_E_UNSAFE_URL) status = DC_E_BLOCKED; /* the rule's detail is kept */
  return resolve_canon(c, status, canon, sizeof "https://" - 1, resolve,
                       "URL: no host after checking");
}

/* The stable names (docs/security.md §2.11); append only, like the enum. */
static const char *const k_reason_names[] = {
  [DC_GUARD_NONE] = "none",
  [DC_GUARD_INVALID_HOST] = "invalid_host",
  [DC_GUARD_IP_LITERAL] = "ip_literal",
  [DC_GUARD_SPECIAL_NAME] = "special_name",
  [DC_GUARD_SCHEME] = "scheme",
  [DC_GUARD_USERINFO] = "userinfo",
  [DC_GUARD_PORT] = "port",
  [DC_GUARD_QUERY] = "query",
  [DC_GUARD_FRAGMENT] = "fragment",
  [DC_GUARD_PATH] = "path",
  [DC_GUARD_CHARACTERS] = "characters",
  [DC_GUARD_TOO_LONG] = "too_long",
  [DC_GUARD_EMPTY] = "empty",
  [DC_GUARD_PARSER_MISMATCH] = "parser_mismatch",
  [DC_GUARD_BLOCKED_ADDRESS] = "blocked_address",
  [DC_GUARD_LOCAL_ADDRESS] = "local_address",
  [DC_GUARD_SCOPED_ADDRESS] = "scoped_address",
  [DC_GUARD_UNRESOLVABLE] = "unresolvable",
};

DC_API const char *dc_guard_reason_name(dc_guard_reason reason)
{
  size_t i = (size_t)reason;
  if ((int)reason < 0 || i >= sizeof k_reason_names / sizeof k_reason_names[0] ||
      k_reason_names[i] == NULL)
    return "unknown";
  return k_reason_names[i];
}

DC_API dc_guard_reason dc_client_guard_reason(const dc_client *c)
{
  if (c == NULL) return DC_GUARD_NONE;
  /* the caller's own record (per thread for a client); reading it may
   * create an empty one, as the first call would */
  return (dc_guard_reason)dci_call_of((dc_client *)c)->guard_reason;
}
