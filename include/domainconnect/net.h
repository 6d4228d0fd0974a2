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
 * proxies from the environment are ignored (an explicit HTTP CONNECT proxy
 * may be set: dc_client_set_proxy), bodies and headers are capped.
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
/* An HTTP CONNECT proxy for every HTTPS request of this client
 * (docs/security.md §2.9). `url` is "http://IPv4:PORT" or
 * "http://[IPv6]:PORT", optionally with "user:password@" (percent-encoded;
 * sent as Basic proxy authentication, kept apart, wiped on free, never in a
 * detail); NULL or "" removes the proxy. Only http:// proxies: https://,
 * socks4://, socks5:// and others are refused, and so is a host name (give
 * the proxy's address: it is configuration, never resolved through DNS).
 * The guard is unchanged: the client still resolves and judges the target
 * itself, then asks the proxy to CONNECT to the first checked ADDRESS (not
 * the name) on port 443, TLS verified against the host name; a target the
 * guard refuses never reaches the proxy. The socket checks allow exactly
 * the proxy's address and port (whatever the guard thinks of it, e.g.
 * 127.0.0.1: trusted as configuration), and connections are never reused
 * through a proxy. Without a proxy set, none is used: http_proxy,
 * https_proxy, ALL_PROXY and NO_PROXY in the environment are always
 * ignored. Returns DC_OK; DC_E_INVALID_ARG (detail "proxy: REASON", never
 * quoting the URL); DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_client_set_proxy(dc_client *c, const char *url);
/* The overall deadline of one discovery (dc_discover; each domain of a
 * dc_batch separately, counted from when the batch starts it), 1..600000
 * ms; default DC_DEFAULT_DISCOVERY_DEADLINE_MS (30000). Every step (the SOA
 * walk's lookups, the TXT lookup, the guard's A/AAAA lookup, the HTTPS GET
 * with its connect) gets min(its own timeout, the time left); when the
 * deadline passes the discovery fails with DC_E_TIMEOUT and a detail
 * starting "discovery of NAME: overall deadline of N ms exceeded".
 * Returns DC_OK, DC_E_INVALID_ARG. */
DC_API DC_WUR dc_status dc_client_set_deadline_ms(dc_client *c, long ms);
/* HTTP status of the last response received by the calling thread's last
 * call on this handle (0 if that call got none, or the thread made none). */
DC_API long dc_client_http_status(const dc_client *c);

/* ---- DNSSEC (docs/security.md §8). With a policy other than
 * DC_DNSSEC_OFF, discovery (dc_discover, dc_batch) resolves through a
 * validating resolver (libunbound, forwarding to the same DNS servers) and
 * every DNS answer that steers it is validated: the SOA walk's answers, the
 * _domainconnect TXT, and the provider host's A/AAAA (the addresses pinned
 * in libcurl are the validated ones; there is no second lookup). The state
 * of each (dc_dnssec_state, settings.h) is reported; the policy says what
 * fails:
 *   DC_DNSSEC_OFF       no validation (c-ares, the default); states unchecked
 *   DC_DNSSEC_REPORT    validate and report; the outcome never changes
 *                       (bogus data is used: for measurement, not production)
 *   DC_DNSSEC_VALIDATE  a bogus answer fails with DC_E_DNSSEC_BOGUS; secure,
 *                       insecure and indeterminate answers are used
 *   DC_DNSSEC_REQUIRE   bogus fails as above; anything else not secure fails
 *                       with DC_E_DNSSEC_INSECURE
 * Other calls (the OAuth calls, dc_dns_check_applied, dc_guard_*) do not
 * validate. */
typedef enum dc_dnssec_policy {
  DC_DNSSEC_OFF = 0,
  DC_DNSSEC_REPORT = 1,
  DC_DNSSEC_VALIDATE = 2,
  DC_DNSSEC_REQUIRE = 3
} dc_dnssec_policy;
/* Sets the policy. Returns DC_OK; DC_E_INVALID_ARG (not a policy);
 * DC_E_DNSSEC_UNAVAILABLE (a policy other than off in a build without
 * libunbound). */
DC_API DC_WUR dc_status dc_client_set_dnssec(dc_client *c, dc_dnssec_policy policy);
/* Trust anchors. Without any, the distribution's root key file
 * (DC_DNSSEC_ROOT_KEY_FILE, /usr/share/dns/root.key on Debian) is read when
 * a validating lookup starts: never compiled in. Adding an anchor replaces
 * that default. An anchor is one DS or DNSKEY record in zone-file form on
 * one line: "OWNER [TTL] [IN] DS|DNSKEY RDATA" ("; comments" allowed; no
 * parentheses). A name no anchor covers is reported indeterminate.
 * _file reads every anchor of a file (at most DC_MAX_TRUST_ANCHOR_FILE
 * bytes, empty lines and comments skipped, at least one anchor).
 * Returns DC_OK; DC_E_INVALID_ARG (a malformed line: the detail names its
 * number; NULL); DC_E_IO (the file cannot be read); DC_E_LIMIT (more than
 * DC_MAX_TRUST_ANCHORS anchors, a line over DC_MAX_TRUST_ANCHOR_LINE, a
 * file over DC_MAX_TRUST_ANCHOR_FILE); DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_client_add_trust_anchor(dc_client *c, const char *rr);
DC_API DC_WUR dc_status dc_client_add_trust_anchor_file(dc_client *c, const char *path);
/* RFC 5011 tracking for long-running services: `path` is a state file that
 * starts as an anchor file (e.g. a copy of root.key) and that libunbound
 * rewrites when the anchor's zone rolls its key (ub_ctx_add_ta_autr). It
 * must be a regular file the process can read and write; it is checked
 * (parsed as an anchor file) now and read again by every validating
 * resolver. Replaces the default root key file; anchors added with
 * dc_client_add_trust_anchor* are used as well. NULL turns it off.
 * Returns DC_OK; DC_E_IO (missing, not writable); the statuses of
 * dc_client_add_trust_anchor_file; DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_client_set_trust_anchor_autr(dc_client *c, const char *path);
/* The DNSSEC states of the calling thread's last dc_discover on `c` (also
 * when it failed; DC_DNSSEC_UNCHECKED when the policy was off or the step
 * was not reached): overall (the weakest), the TXT (with the SOA walk's
 * answers) and the provider host's addresses. Any pointer may be NULL. */
DC_API void dc_client_dnssec_last(const dc_client *c, dc_dnssec_state *overall,
                                  dc_dnssec_state *txt, dc_dnssec_state *host);

/* ---- guard, for inspection (the network calls apply it themselves).
 * DC_OK = allowed; DC_E_BLOCKED = refused, for every kind of refusal (an
 * address the policy forbids, and also a TXT value or URL that breaks the
 * syntax rules, which dc_txt_value_parse would report as DC_E_TXT_INVALID /
 * DC_E_LIMIT and the settings parser as DC_E_UNSAFE_URL); dc_client_error()
 * then gives the reason, e.g. "127.0.0.1: loopback 127.0.0.0/8" or
 * "api.example.test resolves to 127.0.0.1: loopback 127.0.0.0/8".
 * Addresses on the TEST-ONLY allow list pass. `c` must not be NULL
 * (DC_E_INVALID_ARG), nor the input. dc_client_guard_reason() gives the
 * refusal's kind (below). */
/* An IP address literal: IPv4 only as a strict dotted quad, IPv6 with or
 * without brackets. DC_E_INVALID_ARG if `ip` is not an address (e.g.
 * "127.1"); an IPv6 address with a zone id ("fe80::1%eth0") is
 * DC_E_BLOCKED. */
DC_API DC_WUR dc_status dc_guard_ip(dc_client *c, const char *ip);
/* A _domainconnect TXT value ("host[/path]"); with `resolve`, its host is
 * resolved (A and AAAA) and every address classified: one forbidden address
 * refuses the name. DNS failures return the resolver's status unchanged
 * (DC_E_NO_RECORD, DC_E_DNS, DC_E_DNS_TIMEOUT, DC_E_NOMEM); the first three
 * with the guard reason DC_GUARD_UNRESOLVABLE. */
DC_API DC_WUR dc_status dc_guard_txt(dc_client *c, const char *value, bool resolve);
/* An https URL (urlAPI rules: no query); with `resolve` as above. */
DC_API DC_WUR dc_status dc_guard_url(dc_client *c, const char *url, bool resolve);

/* Why the guard refused, as a stable machine-readable reason (one per kind
 * of rule; the table is in docs/security.md §2.11). Values are stable (append
 * only); dc_guard_reason_name() gives the stable lower-case name. */
typedef enum dc_guard_reason {
  DC_GUARD_NONE = 0,             /* "none": no refusal */
  DC_GUARD_INVALID_HOST = 1,     /* "invalid_host": the host breaks the name rules
                                    (characters, label or name length, empty or
                                    '-'-edged label, a single label) */
  DC_GUARD_IP_LITERAL = 2,       /* "ip_literal": the host is an IP literal (dotted
                                    quad, numeric or 0x last label, [...]) */
  DC_GUARD_SPECIAL_NAME = 3,     /* "special_name": localhost, .local, .internal,
                                    .home.arpa, .onion, .alt, .invalid */
  DC_GUARD_SCHEME = 4,           /* "scheme": not "https://" with a host; a scheme
                                    inside a TXT value */
  DC_GUARD_USERINFO = 5,         /* "userinfo": '@' in the authority */
  DC_GUARD_PORT = 6,             /* "port": a port other than 443 that the
                                    TEST-ONLY allow list does not name */
  DC_GUARD_QUERY = 7,            /* "query": '?' where none is allowed */
  DC_GUARD_FRAGMENT = 8,         /* "fragment": '#' */
  DC_GUARD_PATH = 9,             /* "path": the path prefix breaks its rules */
  DC_GUARD_CHARACTERS = 10,      /* "characters": control, non-ASCII, space,
                                    backslash or percent-encoding */
  DC_GUARD_TOO_LONG = 11,        /* "too_long": URL or TXT value over its cap */
  DC_GUARD_EMPTY = 12,           /* "empty": empty URL or TXT value */
  DC_GUARD_PARSER_MISMATCH = 13, /* "parser_mismatch": libcurl reads the URL
                                    differently from the guard */
  DC_GUARD_BLOCKED_ADDRESS = 14, /* "blocked_address": the address is in a refused
                                    range (docs/security.md §3) */
  DC_GUARD_LOCAL_ADDRESS = 15,   /* "local_address": an address of this host's
                                    interfaces (or they cannot be listed) */
  DC_GUARD_SCOPED_ADDRESS = 16,  /* "scoped_address": IPv6 with a zone id */
  DC_GUARD_UNRESOLVABLE = 17     /* "unresolvable": dc_guard_txt/_url with
                                    resolve: the host has no address (no A/AAAA,
                                    NXDOMAIN) or DNS failed */
} dc_guard_reason;

/* Stable lower-case name of a reason ("blocked_address"); "unknown" for a
 * value outside the enum. Static storage, never NULL. */
DC_API const char *dc_guard_reason_name(dc_guard_reason reason);

/* The guard's reason for the refusal that ended the calling thread's last
 * call on `c` (dc_guard_*, dc_txt_value_parse/dc_txt_select, dc_settings_parse,
 * dc_discover, dc_check_template and the OAuth calls: every call that clears
 * the detail clears it too). DC_GUARD_NONE when that call was not refused by
 * a guard rule, when `c` is NULL or the thread made no call. The transport's
 * connection-time re-checks give reasons too: an address outside the checked
 * set DC_GUARD_BLOCKED_ADDRESS, another port DC_GUARD_PORT. */
DC_API dc_guard_reason dc_client_guard_reason(const dc_client *c);

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
 * parser's statuses (DC_E_JSON, DC_E_SETTINGS_*, DC_E_UNSAFE_URL).
 * The whole call is bounded by the overall deadline
 * (dc_client_set_deadline_ms, default 30 s): DC_E_TIMEOUT when it passes. */
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

/* Where a registration's token calls put their parameters
 * (dc_client_set_token_params; docs/protocol.md §3.3):
 *   DC_TOKEN_PARAMS_DEFAULT    code exchange as the reference client sends
 *       it: code, grant_type, redirect_uri in the query; client_id and
 *       client_secret in a JSON body. Refresh: grant_type, refresh_token,
 *       redirect_uri, client_id, client_secret in a JSON body, nothing in
 *       the URL. The single-use code is the one secret that reaches a URL.
 *   DC_TOKEN_PARAMS_REFERENCE  exactly the reference client's placement,
 *       secrets in the query included: the exchange as DEFAULT; refresh
 *       with client_id, client_secret, grant_type, redirect_uri and
 *       refresh_token in the query and client_id/client_secret in the body.
 *       For providers that refuse a refresh otherwise; the client secret
 *       and refresh token then reach the provider's URL logs.
 *   DC_TOKEN_PARAMS_BODY       everything in the JSON body, nothing in the
 *       URL (the strictest placement; providers that read the code only
 *       from the query refuse it). */
typedef enum dc_token_params {
  DC_TOKEN_PARAMS_DEFAULT = 0,
  DC_TOKEN_PARAMS_REFERENCE = 1,
  DC_TOKEN_PARAMS_BODY = 2
} dc_token_params;

/* Sets the token-call placement of the registration for `api_url` (which
 * must already be registered: DC_E_NOT_REGISTERED; re-registering resets it
 * to DC_TOKEN_PARAMS_DEFAULT). Returns DC_OK, DC_E_INVALID_ARG (NULL c or
 * api_url, unknown value, a call context), DC_E_UNSAFE_URL,
 * DC_E_NOT_REGISTERED. A setter: not thread-safe. */
DC_API DC_WUR dc_status dc_client_set_token_params(dc_client *c, const char *api_url,
                                                   dc_token_params p);

/* POST {api_url}/v2/oauth/access_token (placement: the registration's
 * dc_token_params); fresh connection. `settings` may be NULL; when given
 * its urlAPI must equal `api_url` (DC_E_API_MISMATCH). redirect_uri is sent
 * when one was registered; the code must be 1..DC_MAX_TOKEN_LEN printable
 * ASCII (DC_E_INVALID_ARG). Returns DC_OK, DC_E_NOT_REGISTERED,
 * DC_E_API_MISMATCH, DC_E_HTTP_STATUS (detail: the provider's sanitised
 * error/error_description, secrets masked), the token parser's statuses,
 * and the transport's. */
DC_API DC_WUR dc_status dc_token_exchange(dc_client *c, const char *api_url,
                                          const dc_settings *settings,
                                          const char *code, dc_token **out);
/* Refresh grant at the token's API URL (must be registered; placement: the
 * registration's dc_token_params). *out is a new token; a rotated refresh
 * token replaces the old one, an absent one keeps it. `t` may be a
 * refresh-only token (dc_token_from_json of {refresh_token, api_url}); the
 * new token then gets the registration's DNS provider id unless `t` has
 * one. DC_E_TOKEN when the token has no refresh token. An invalid_client
 * or invalid_request answer's detail names the reference placement
 * (dc_client_set_token_params), which some providers need for refresh. */
DC_API DC_WUR dc_status dc_token_refresh(dc_client *c, const dc_token *t, dc_token **out);

/* ---- options of the bearer calls (dc_oauth_apply, dc_oauth_revert) */
typedef struct dc_oauth_opts dc_oauth_opts;
typedef struct dc_signer dc_signer;

/* Where apply and revert put their parameters (domain, host, variables,
 * groupId, force, instanceId, providerName, serviceName):
 *   DC_PARAMS_IN_QUERY (default) in the query string, RFC 3986
 *     percent-encoded, pairs sorted by encoded name, and an empty body;
 *   DC_PARAMS_IN_BODY as a JSON object body (application/json). */
typedef enum dc_params_in { DC_PARAMS_IN_QUERY = 0, DC_PARAMS_IN_BODY = 1 } dc_params_in;

/* Called by an auto-refreshing call with the rotated token, before the call
 * itself is made: store it (atomically) and return DC_OK; any other status
 * stops the call with that status. `rotated` is borrowed for the duration
 * of the callback (dc_token_copy keeps one). */
typedef dc_status (*dc_token_rotated_fn)(void *user, const dc_token *rotated);

/* A new options object with the defaults: no force, parameters in the
 * query, no signer, no auto-refresh. DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_oauth_opts_new(dc_oauth_opts **out);
DC_API void dc_oauth_opts_free(dc_oauth_opts *o); /* NULL is a no-op */
/* force=1 on apply (revert ignores it). DC_OK, DC_E_INVALID_ARG. */
DC_API DC_WUR dc_status dc_oauth_opts_set_force(dc_oauth_opts *o, bool force);
/* DC_OK, DC_E_INVALID_ARG (NULL o, unknown value). */
DC_API DC_WUR dc_status dc_oauth_opts_set_params_in(dc_oauth_opts *o, dc_params_in where);
/* Signs apply's query as the synchronous flow signs its own (RSA-SHA256
 * over exactly the query bytes sent, then &key=KEY_ID&sig=SIG). `s` is
 * borrowed (keep it alive while o is used); NULL removes it. With a signer,
 * body placement and revert are refused (DC_E_INVALID_ARG): a signature
 * covers a query. DC_OK, DC_E_INVALID_ARG. */
DC_API DC_WUR dc_status dc_oauth_opts_set_signer(dc_oauth_opts *o, const dc_signer *s);
/* Turns auto-refresh on (fn not NULL) or off (fn NULL): when the token is
 * expired or within the skew (dc_token_expired, default skew), the call
 * first refreshes it (dc_token_refresh; its API URL must be registered on
 * the client), hands the rotated token to fn, then makes the call once with
 * it. DC_OK, DC_E_INVALID_ARG (NULL o). */
DC_API DC_WUR dc_status dc_oauth_opts_set_auto_refresh(dc_oauth_opts *o,
                                                       dc_token_rotated_fn fn,
                                                       void *user);

/* POST {token api_url}/v2/domainTemplates/providers/{p}/services/{s}/apply
 * with domain, host, variables, groupId (one comma-separated value), force=1
 * (when forced; omitted otherwise), instanceId, providerName, serviceName
 * where `o` places them (NULL o: the defaults), and Authorization: Bearer.
 * `settings` may be NULL; when given, its urlAPI must be the token's
 * (DC_E_TOKEN_BINDING). Any 2xx is DC_OK. 409: DC_E_CONFLICT and
 * *conflicts (may be NULL) gets the parsed body (secrets masked). 401:
 * DC_E_UNAUTHORIZED. Other: DC_E_HTTP_STATUS. Also DC_E_RESERVED_PARAM etc.
 * as for the URLs. No registration is needed (except for auto-refresh):
 * the call goes to the token's api_url. An expired token (dc_token_expired,
 * default skew) is DC_E_TOKEN_EXPIRED before anything is sent unless `o`
 * auto-refreshes. Query placement: a URL over DC_MAX_URL_LEN is DC_E_LIMIT;
 * body placement: a body over DC_MAX_QUERY_LEN is DC_E_LIMIT. */
DC_API DC_WUR dc_status dc_oauth_apply(dc_client *c, const dc_token *t,
                                       const dc_settings *settings, const dc_request *r,
                                       const dc_oauth_opts *o, dc_conflicts **conflicts);
/* POST .../revert with domain, host, instanceId, placed as `o` says. 501:
 * DC_E_REVERT_UNSUPPORTED; 410: DC_E_NOT_APPLIED; others as dc_oauth_apply
 * (409: DC_E_CONFLICT without records). The request is checked as for
 * dc_oauth_apply; its variables, group ids and names are not sent. */
DC_API DC_WUR dc_status dc_oauth_revert(dc_client *c, const dc_token *t,
                                        const dc_settings *settings, const dc_request *r,
                                        const dc_oauth_opts *o);

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
