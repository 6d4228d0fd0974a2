/* Network half of the Service Provider client: options, the SSRF guard,
 * discovery, template support check, the OAuth calls, and DNS verification
 * of an applied template.
 *
 * Every request whose target comes from DNS or from a settings document goes
 * through the guard (docs/security.md): https on port 443 only (another port
 * only through the TEST-ONLY allow list below), the host
 * resolved once through the configured DNS servers (c-ares; no hosts file, no
 * search domains), every address classified, the checked addresses pinned in
 * libcurl and checked again when the socket is opened and before the request
 * is sent; redirects are never followed, TLS verification is always on,
 * proxies from the environment are ignored, bodies and headers are capped.
 *
 * Threading: dc_global_init() (called by dc_client_new) is safe to call from
 * any thread any number of times. A configured dc_client may be used by
 * several threads at once for the calls below (the detail and the HTTP
 * status are per thread); its setters are not thread-safe and must not run
 * while another thread uses it. Connections are reused per thread.
 * dc_settings, dc_token and dc_signer are immutable after creation and may
 * be shared between threads for reading. */
#ifndef DOMAINCONNECT_NET_H
#define DOMAINCONNECT_NET_H

#include <time.h>

#include "domainconnect/common.h"
#include "domainconnect/oauth.h"
#include "domainconnect/request.h"
#include "domainconnect/settings.h"
#include "domainconnect/template.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Initialises libcurl, c-ares and OpenSSL once per process (pthread_once).
 * Returns DC_OK or DC_E_INTERNAL. */
DC_API DC_WUR dc_status dc_global_init(void);

/* ---- options */
typedef enum dc_timeout {
  DC_TIMEOUT_DNS = 0,     /* one DNS lookup (all tries); default 3000 ms */
  DC_TIMEOUT_CONNECT = 1, /* TCP + TLS handshake; default 5000 ms */
  DC_TIMEOUT_TOTAL = 2    /* whole HTTPS transfer; default 10000 ms (15000 ms
                             for token, refresh, apply and revert) */
} dc_timeout;
/* ms in 1..600000. Setting DC_TIMEOUT_TOTAL applies to every call. */
DC_API DC_WUR dc_status dc_client_set_timeout_ms(dc_client *c, dc_timeout which, long ms);
/* Adds a DNS server "IPv4[:port]" or "[IPv6][:port]" (default port 53).
 * Without any, the system's resolv.conf servers are used (never its search
 * list or options). Returns DC_OK, DC_E_INVALID_ARG, DC_E_LIMIT, DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_client_add_dns_server(dc_client *c, const char *host_port);
/* Trust anchors for TLS (default: the system store). */
DC_API DC_WUR dc_status dc_client_set_ca_file(dc_client *c, const char *path);
DC_API DC_WUR dc_status dc_client_set_ca_blob(dc_client *c, const void *pem, size_t len);
typedef enum dc_zone_mode {
  DC_ZONE_PSL = 0, /* zone = registrable domain per the public suffix list */
  DC_ZONE_SOA = 1  /* zone = closest enclosing name that has an SOA record
                      (delegated sub-zones), found by walking up */
} dc_zone_mode;
DC_API DC_WUR dc_status dc_client_set_zone_mode(dc_client *c, dc_zone_mode mode);
/* TEST ONLY. Lets the guard accept this exact address on this exact port,
 * which it would otherwise refuse (e.g. 127.0.0.2 for a loopback test
 * server). `ip` is one of:
 *   "127.0.0.2", "::1", "[::1]"     the address on port 443;
 *   "127.0.0.1:8443", "[::1]:8443"  the address on that port (1..65535),
 *                                   so a test server needs no root.
 * IPv4 is a strict dotted quad; an IPv6 address with a port must be in
 * brackets (unbracketed, "::1:8443" is the address ::1:8443 on port 443).
 * The port is decimal digits without a sign or leading zero; nothing may
 * follow it. Each entry allows only its address+port pair: "127.0.0.1:8443"
 * does not allow 127.0.0.1 on port 443, nor "127.0.0.1" on 8443.
 * A port other than 443 is then accepted in a URL (urlAPI, urlSyncUX,
 * urlAsyncUX, urlControlPanel, a registered API URL, a request URL) and in
 * the _domainconnect TXT value ("host:8443[/path]") only when an entry names
 * that port, and a host on that port passes only if every address it
 * resolves to is an entry with that port (public addresses included); the
 * transport pins host:port and its open-socket and pre-request checks
 * compare address and port. Without such an entry a non-443 port is refused
 * exactly as in production.
 * Nothing reads it from the environment; never call it in production code.
 * Returns DC_OK; DC_E_INVALID_ARG (detail "test-only address 'X': REASON",
 * e.g. "not an IP address (IP, IPv4:PORT or [IPv6]:PORT)", "empty port",
 * "port is not decimal digits", "port with a leading zero", "port outside
 * 1..65535"); DC_E_LIMIT (more than DC_MAX_TEST_ALLOW entries). */
DC_API DC_WUR dc_status dc_client_test_only_allow_address(dc_client *c, const char *ip);
/* HTTP status of the last response received by the calling thread's last
 * call on this handle (0 if that call got none, or the thread made none). */
DC_API long dc_client_http_status(const dc_client *c);

/* ---- guard, for inspection (the network calls apply it themselves).
 * DC_OK = allowed; DC_E_BLOCKED = refused, for every kind of refusal (an
 * address the policy forbids, and also a TXT value or URL that breaks the
 * syntax rules, which dc_txt_value_parse would report as DC_E_TXT_INVALID /
 * DC_E_LIMIT and the settings parser as DC_E_UNSAFE_URL); dc_client_error()
 * then gives the reason, e.g. "127.0.0.1: loopback 127.0.0.0/8" or
 * "api.example.test resolves to 127.0.0.1: loopback 127.0.0.0/8".
 * Addresses on the TEST-ONLY allow list pass. `c` must not be NULL
 * (DC_E_INVALID_ARG), nor the input. */
/* An IP address literal: IPv4 only as a strict dotted quad, IPv6 with or
 * without brackets. DC_E_INVALID_ARG if `ip` is not an address (e.g.
 * "127.1"); an IPv6 address with a zone id ("fe80::1%eth0") is
 * DC_E_BLOCKED. */
DC_API DC_WUR dc_status dc_guard_ip(dc_client *c, const char *ip);
/* A _domainconnect TXT value ("host[/path]"); with `resolve`, its host is
 * resolved (A and AAAA) and every address classified: one forbidden address
 * refuses the name. DNS failures return the resolver's status unchanged
 * (DC_E_NO_RECORD, DC_E_DNS, DC_E_DNS_TIMEOUT, DC_E_NOMEM). */
DC_API DC_WUR dc_status dc_guard_txt(dc_client *c, const char *value, bool resolve);
/* An https URL (urlAPI rules: no query); with `resolve` as above. */
DC_API DC_WUR dc_status dc_guard_url(dc_client *c, const char *url, bool resolve);

/* ---- discovery (spec "Discovery"): zone split (PSL or SOA walk) -> TXT
 * _domainconnect.{zone} -> guard -> GET https://{txt}/v2/{zone}/settings.
 * The settings carry the zone and host (dc_settings_zone/_host).
 * SOA mode: from the full name upwards, the first name owning an SOA is the
 * zone (at most DC_MAX_SOA_WALK queries, never at or above the public
 * suffix); when none below the registrable domain has one, the zone is the
 * registrable domain, as in PSL mode. A DNS failure during the walk is
 * returned as such.
 * Returns DC_OK; DC_E_INVALID_DOMAIN, DC_E_PUBLIC_SUFFIX; DC_E_NO_RECORD
 * (NXDOMAIN or no TXT); DC_E_DNS, DC_E_DNS_TIMEOUT; DC_E_TXT_INVALID,
 * DC_E_TXT_MULTIPLE; DC_E_BLOCKED (the guard's reason in the detail);
 * DC_E_HTTP_STATUS (dc_client_http_status() has the code, e.g. 404);
 * DC_E_REDIRECT; DC_E_TRANSPORT, DC_E_TIMEOUT, DC_E_TOO_LARGE; the settings
 * parser's statuses (DC_E_JSON, DC_E_SETTINGS_*, DC_E_UNSAFE_URL). */
DC_API DC_WUR dc_status dc_discover(dc_client *c, const char *domain, dc_settings **out);
/* Host part found by discovery ("" at the apex; NULL for parsed settings). */
DC_API const char *dc_settings_host(const dc_settings *s);

/* GET {urlAPI}/v2/domainTemplates/providers/{p}/services/{s}.
 * DC_OK: supported (any 2xx; an empty or non-JSON body too); *version (may
 * be NULL) = the body's "version" (integer or decimal string) or -1.
 * DC_E_NOT_SUPPORTED: 404. DC_E_INVALID_ID: an id is not a dc-id (nothing
 * sent). Other failures as for discovery. */
DC_API DC_WUR dc_status dc_check_template(dc_client *c, const dc_settings *s,
                                          const char *provider_id,
                                          const char *service_id, long *version);

/* ---- OAuth (spec "OAuth Flow"). A registration is what the Service
 * Provider received when it onboarded with a DNS Provider. Secret-bearing
 * calls go only to a registered API URL. */
/* `api_url` is checked with the urlAPI rules and stored canonical;
 * `dns_provider_id` may be NULL (then the API URL's host is used). The
 * secret is copied and wiped on free; it may be NULL for a secret-less
 * deployment (then no client_secret is sent). client_id and the secret are
 * 1..DC_MAX_PARAM_VALUE printable ASCII bytes; `dns_provider_id` is a dc-id
 * (needed when the API host is longer than 63 bytes); `redirect_uri` (may
 * be NULL) is checked like the consent URL's. Re-registering an API URL
 * replaces it.
 * Returns DC_OK, DC_E_INVALID_ARG, DC_E_UNSAFE_URL, DC_E_LIMIT, DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_client_register_provider(dc_client *c, const char *api_url,
                                                    const char *client_id,
                                                    const char *client_secret,
                                                    const char *redirect_uri,
                                                    const char *dns_provider_id);
/* DC_OK when the settings' urlAPI is a registered API URL; DC_E_API_MISMATCH
 * otherwise (spec: a fake settings document must not receive the secret). */
DC_API DC_WUR dc_status dc_check_registered_api(dc_client *c, const dc_settings *s);

/* POST {api_url}/v2/oauth/access_token with a JSON body (grant_type
 * authorization_code, code, redirect_uri, client_id, client_secret); nothing
 * secret in the URL; fresh connection. `settings` may be NULL; when given its
 * urlAPI must equal `api_url` (DC_E_API_MISMATCH). redirect_uri is sent
 * when one was registered; the code must be 1..DC_MAX_TOKEN_LEN printable
 * ASCII (DC_E_INVALID_ARG). Returns DC_OK, DC_E_NOT_REGISTERED,
 * DC_E_API_MISMATCH, DC_E_HTTP_STATUS (detail: the provider's sanitised
 * error/error_description), the token parser's statuses, and the
 * transport's. */
DC_API DC_WUR dc_status dc_token_exchange(dc_client *c, const char *api_url,
                                          const dc_settings *settings,
                                          const char *code, dc_token **out);
/* Refresh grant at the token's API URL (must be registered). *out is a new
 * token; a rotated refresh token replaces the old one, an absent one keeps
 * it. DC_E_TOKEN when the token has no refresh token. */
DC_API DC_WUR dc_status dc_token_refresh(dc_client *c, const dc_token *t, dc_token **out);

/* POST {token api_url}/v2/domainTemplates/providers/{p}/services/{s}/apply
 * with domain, host, variables, groupId, force=1 (when `force`),
 * instanceId, providerName, serviceName as a JSON body and
 * Authorization: Bearer. `settings` may be NULL; when given, its urlAPI must
 * be the token's (DC_E_TOKEN_BINDING). Any 2xx is DC_OK. 409: DC_E_CONFLICT
 * and *conflicts (may be NULL) gets the parsed body. 401: DC_E_UNAUTHORIZED.
 * Other: DC_E_HTTP_STATUS. Also DC_E_RESERVED_PARAM etc. as for the URLs.
 * No registration is needed: the call goes to the token's api_url. An
 * expired token (dc_token_expired, default skew) is DC_E_TOKEN_EXPIRED
 * before anything is sent; a body over DC_MAX_QUERY_LEN is DC_E_LIMIT. */
DC_API DC_WUR dc_status dc_oauth_apply(dc_client *c, const dc_token *t,
                                       const dc_settings *settings, const dc_request *r,
                                       bool force, dc_conflicts **conflicts);
/* POST .../revert with domain, host, instanceId. 501:
 * DC_E_REVERT_UNSUPPORTED; 410: DC_E_NOT_APPLIED; others as dc_oauth_apply (409:
 * DC_E_CONFLICT without records). The request is checked as for dc_oauth_apply;
 * its variables, group ids and names are not sent. */
DC_API DC_WUR dc_status dc_oauth_revert(dc_client *c, const dc_token *t,
                                        const dc_settings *settings, const dc_request *r);

/* ---- DNS verification: after an apply, does DNS show the records? (A
 * redirect without an error does not prove the change was made.)
 * The records checked are those the template produces on an empty zone
 * (dc_template_apply's "new" records, with `o`'s domain, host, parameters
 * and group ids); their names are zone-relative ("@" = apex) under `o`'s
 * domain. Each is looked up at the client's DNS servers
 * (dc_client_add_dns_server, else the system's; DNS timeout per lookup) and
 * must be present:
 *   A, AAAA  that address among the name's (compared as addresses)
 *   CNAME    the name's CNAME with exactly that target
 *   MX       an MX with that preference and exchange
 *   TXT      that value among the name's TXT records (strings of one RR
 *            joined); SPF data ("v=spf1 ...", e.g. from SPFM): an SPF record
 *            holding every term of it but "all" (the provider merges rules)
 *   NS       that name among the name's NS (a delegation's referral counts)
 *   SRV      priority, weight, port and target, at _service._proto.name
 *   CAA      flags, tag and value
 * Names compare case-insensitively, one trailing dot ignored; TTLs are not
 * compared. Other types (REDIR301/302, whose backing A/AAAA records are
 * checked; APEXCNAME; generic types) and names that cannot be asked for
 * (e.g. a wildcard) are skipped, and the detail says so, on success too.
 * All records are checked up to `attempts` times (1..1000), `interval_ms`
 * (0..600000) apart, until every one is present (propagation).
 * Signatures are not checked: pass an `o` that the template engine accepts
 * (dc_apply_opts_set_ignore_signature for a signed template).
 * Returns DC_OK when all are present; DC_E_NOT_VERIFIED when one is still
 * missing after the last attempt (detail: the first missing record's type,
 * name and expected data, and what DNS has instead); DNS failures other
 * than NXDOMAIN/NODATA at once with their status (DC_E_DNS,
 * DC_E_DNS_TIMEOUT, DC_E_LIMIT, DC_E_NOMEM); dc_template_apply's failures
 * (DC_E_MISSING_VARIABLE, DC_E_TEMPLATE, ...); DC_E_INVALID_ARG. */
DC_API DC_WUR dc_status dc_dns_check_applied(dc_client *c, const dc_template *t,
                                             const dc_apply_opts *o, int attempts,
                                             long interval_ms);

#ifdef __cplusplus
}
#endif
#endif
