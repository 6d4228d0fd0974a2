/* Every size, count and time limit of the library, in one place.
 * Each is documented in docs/limits.md; change both together. */
#ifndef DC_CORE_LIMITS_H
#define DC_CORE_LIMITS_H

/* RFC 1035: a name is at most 253 characters in text form (255 octets on
 * the wire), a label at most 63. */
#define DC_MAX_NAME_LEN 253
#define DC_MAX_LABEL_LEN 63

/* Input accepted by dc_domain_normalize() before IDNA conversion (U-labels
 * are longer than their A-labels in bytes). */
#define DC_MAX_DOMAIN_INPUT 1024

/* _domainconnect TXT value: host plus a short path (docs/security.md §4.2). */
#define DC_MAX_TXT_VALUE 253
/* Distinct TXT RRs considered when selecting the _domainconnect value. */
#define DC_MAX_TXT_RRS 16

/* A URL field of the settings document (docs/security.md §4.3: 2048 bytes). */
#define DC_MAX_URL_LEN 2048

/* Settings / token / 409 JSON documents: bytes and nesting depth
 * (docs/security.md §5.2: 16 KiB settings and token; 64 KiB error bodies). */
#define DC_MAX_SETTINGS_JSON (16 * 1024)
#define DC_MAX_TOKEN_JSON (16 * 1024)
#define DC_MAX_CONFLICT_JSON (64 * 1024)
#define DC_MAX_JSON_DEPTH 32
/* Any single JSON string we keep (docs/security.md §5.3: 8 KiB). */
#define DC_MAX_JSON_STRING (8 * 1024)
/* nameServers entries kept from a settings document. */
#define DC_MAX_NAME_SERVERS 32
/* Settings width/height: the spec's default pop-up size, and the largest
 * value accepted (a sanity bound; the spec sets none). */
#define DC_DEFAULT_WINDOW_SIZE 750
#define DC_MAX_WINDOW_SIZE 10000
/* providerName / providerDisplayName: dc-display-name is 1..255 Unicode
 * characters (IETF draft, "Terminology"). */
#define DC_MAX_DISPLAY_NAME 255
/* Records kept from a 409 conflict body. */
#define DC_MAX_CONFLICT_RECORDS 1024

/* Query building: parameters in one request and bytes in one URL. */
#define DC_MAX_PARAMS 256
#define DC_MAX_PARAM_NAME 256
#define DC_MAX_PARAM_VALUE 4096
#define DC_MAX_QUERY_LEN (64 * 1024)
#define DC_MAX_IDS 64 /* group ids, service ids (scope), hosts */

/* A callback query string (what the provider redirects back with). */
#define DC_MAX_CALLBACK_QUERY (16 * 1024)

/* OAuth: access and refresh tokens (docs/security.md §6.4). */
#define DC_MAX_TOKEN_LEN 4096
/* expires_in accepted from a provider: 1 s .. 30 days
 * (docs/security.md §6.4). */
#define DC_MAX_EXPIRES_IN (86400L * 30)
/* Default clock skew subtracted from the expiry, seconds. Whatever skew is
 * asked for, at most a quarter of the token's lifetime is used
 * (DC_TOKEN_SKEW_DIVISOR), so a short token is usable when issued. */
#define DC_DEFAULT_TOKEN_SKEW 60
#define DC_TOKEN_SKEW_DIVISOR 4

/* Masking of server text in calls that sent a secret (core/mask.h,
 * docs/security.md §7.3): any run of DC_SECRET_PIECE_LEN bytes that is part
 * of a secret (letter case, control bytes and %XX escapes ignored) is
 * masked; a secret shorter than that is masked whole when at least
 * DC_SECRET_MIN_LEN bytes long. Secrets kept for one call: DC_MAX_CALL_SECRETS. */
#define DC_SECRET_PIECE_LEN 8
#define DC_SECRET_MIN_LEN 4
#define DC_MAX_CALL_SECRETS 8

/* Bytes kept of a provider's OAuth error / error_description after
 * sanitising, including a "..." marker when cut (oauth.h promises 256). */
#define DC_MAX_OAUTH_ERROR_TEXT 256

/* Keys: PEM file size, RSA modulus bits accepted for signing/verifying. */
#define DC_MAX_PEM_LEN (64 * 1024)
#define DC_MIN_RSA_BITS 2048
#define DC_MAX_RSA_BITS 8192
/* Public-key TXT records: fragments and bytes per DNS character-string. */
#define DC_MAX_PUBKEY_FRAGMENTS 64
#define DC_TXT_STRING_MAX 255

/* ---- network (docs/security.md §5) */
#define DC_DEFAULT_DNS_TIMEOUT_MS 3000L
#define DC_DEFAULT_CONNECT_TIMEOUT_MS 5000L
#define DC_DEFAULT_TOTAL_TIMEOUT_MS 10000L   /* settings, template query */
#define DC_DEFAULT_OAUTH_TIMEOUT_MS 15000L   /* token, refresh, apply, revert */
#define DC_MAX_TIMEOUT_MS 600000L
/* Overall deadline of one discovery (dc_discover, one domain of a batch):
 * every step gets min(its own timeout, the time left); 0 = none is not
 * offered, the range is 1..DC_MAX_TIMEOUT_MS (dc_client_set_deadline_ms). */
#define DC_DEFAULT_DISCOVERY_DEADLINE_MS 30000L
/* An HTTP proxy URL (dc_client_set_proxy): "http://[user:pass@]host[:port]". */
#define DC_MAX_PROXY_URL 512
/* Public suffix list file (dc_client_set_psl_file): the real list is about
 * 250 KiB; anything bigger, or not a regular file, is refused. */
#define DC_MAX_PSL_FILE (4 * 1024 * 1024)
/* Response caps: bodies and all header bytes together. */
#define DC_MAX_SETTINGS_BODY (16 * 1024)
#define DC_MAX_TOKEN_BODY (16 * 1024)
#define DC_MAX_TEMPLATE_BODY (256 * 1024)
#define DC_MAX_API_BODY (64 * 1024)
#define DC_MAX_HEADER_BYTES (32 * 1024)
/* DNS servers configured on one client; TEST-ONLY allowed addresses. */
#define DC_MAX_DNS_SERVERS 8
#define DC_MAX_TEST_ALLOW 16
/* Bytes of one TEST-ONLY allow-list entry ("[IPv6]:PORT" is at most 54). */
#define DC_MAX_ALLOW_SPEC 64
/* Idle connections a client keeps per thread for reuse across calls (one
 * per provider API host it talks to; the least recently used is closed
 * beyond this). libcurl's default of 5 closed most of them when a
 * sequential loop went through more than 5 providers. */
#define DC_MAX_IDLE_CONNECTIONS 64
/* DNSSEC trust anchors (dc_client_add_trust_anchor, _file; docs/security.md
 * §8): anchors (DS or DNSKEY lines) one client holds, bytes of one anchor
 * line, and bytes of an anchor file (root.key is about 1 KiB). */
#define DC_MAX_TRUST_ANCHORS 32
#define DC_MAX_TRUST_ANCHOR_LINE 4096
#define DC_MAX_TRUST_ANCHOR_FILE (64 * 1024)
/* Bytes of libunbound's reason for a bogus answer kept in a detail and in
 * dc_settings_dnssec_why (longer text is cut). */
#define DC_MAX_DNSSEC_WHY 200
/* Seconds a loaded and verified CA store (the client's CA file, or the
 * system's) is reused by later transfers of the same multi handle (one per
 * thread and client, one per batch) before the file is read again: a CA
 * file replaced on disk takes effect within this time. */
#define DC_CA_CACHE_SECONDS 3600L
/* A resolver (one per batch, one per single discovery) keeps A/AAAA answers
 * for their TTL, at most this many seconds, for at most this many names;
 * beyond, answers are not kept (the guard checks every address it is given
 * either way). */
#define DC_MAX_ADDR_CACHE_TTL 300
#define DC_MAX_ADDR_CACHE 4096
/* Registered DNS providers on one client. */
#define DC_MAX_REGISTRATIONS 256
/* SOA walk: labels stripped at most when looking for the zone apex. */
#define DC_MAX_SOA_WALK 10
/* DNS answers (src/dns): TXT RRs kept from one answer and the bytes of
 * their character-strings together; more is refused with DC_E_LIMIT (a DNS
 * message holds at most 64 KiB anyway). */
#define DC_MAX_DNS_TXT_RRS 64
#define DC_MAX_DNS_TXT_BYTES (64 * 1024)
/* CNAMEs followed for one lookup, within one answer and across the
 * follow-up queries made when a server stops at a CNAME into a zone it does
 * not serve; a longer chain (or a loop) is a malformed answer (DC_E_DNS). */
#define DC_MAX_CNAME_CHAIN 8
/* Lookups one resolver has on the wire at once (each 1 or 2 queries); more
 * wait in order and their DNS timeout starts when they are sent. */
#define DC_MAX_DNS_INFLIGHT 128
/* A batch raises its resolver's limit to its concurrency (every job has at
 * most one lookup out), up to this many; and asks for a socket receive
 * buffer this large for the answers of such bursts (the kernel may give
 * less: net.core.rmem_max). Measured through bench/delayproxy: 1024 in
 * flight reached 0.87 of the ideal rate at 200 ms RTT with no lookup lost
 * (0.3 % timed out with no delay at all); 4096 lost a third of its
 * lookups to overflowing UDP buffers, so the limit stops at 1024. */
#define DC_MAX_DNS_INFLIGHT_BATCH 1024
#define DC_DNS_RCVBUF (4 * 1024 * 1024)

/* ---- template engine (DNS Provider side, src/template; docs/template-engine.md) */
/* Template document bytes (the same cap as a template-support body). */
#define DC_MAX_TEMPLATE_JSON (256 * 1024)
/* Records in one template. */
#define DC_MAX_TEMPLATE_RECORDS 256
/* Length of a record type name ("TYPE65535" and IANA mnemonics fit). */
#define DC_MAX_TYPE_LEN 32
/* Zone JSON document bytes and records in one zone. */
#define DC_MAX_ZONE_JSON (64 * 1024 * 1024)
#define DC_MAX_ZONE_RECORDS 500000
/* One field after variable substitution (and a merged SPF value): the JSON
 * string cap, so every zone the engine writes can be read back. */
#define DC_MAX_RENDERED_VALUE DC_MAX_JSON_STRING
/* Provider-configured backing records of REDIR301/REDIR302. */
#define DC_MAX_REDIRECT_RECORDS 8
/* TTL of an SPF record created by SPFM when the template gives none. */
#define DC_SPF_DEFAULT_TTL 6000
/* Largest TTL accepted (RFC 2181: 2^31 - 1). */
#define DC_MAX_TTL 2147483647L
/* One apply request document (dc_apply_request_parse), and so one line of
 * `template apply --batch`: room for an inline template (256 KiB) and a
 * zone of some thousand records; larger zones go by file (zoneFile). */
#define DC_MAX_APPLY_REQUEST (4 * 1024 * 1024)

#endif
