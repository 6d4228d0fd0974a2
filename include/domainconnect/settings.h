/* Discovery data: the _domainconnect TXT value and the settings document.
 * These are parsers only (no network); the network issue builds on them. */
#ifndef DOMAINCONNECT_SETTINGS_H
#define DOMAINCONNECT_SETTINGS_H

#include "domainconnect/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One TXT resource record as received: its character-strings in order. */
typedef struct dc_txt_rr {
  const char *const *strings; /* not NUL-terminated necessarily: see lens */
  const size_t *lens;
  size_t count;
} dc_txt_rr;

/* Validates one _domainconnect TXT value (the character-strings of one RR
 * already joined) and returns its canonical form: "host" or "host/path",
 * host lower-cased, one trailing dot of the host removed, one trailing '/'
 * removed. Leading/trailing ASCII whitespace is trimmed.
 * Refused (DC_E_TXT_INVALID): empty value, a scheme ("x://" or "x:"),
 * userinfo ('@'), a port (':'), a query ('?'), a fragment ('#'), '\\', '%',
 * any byte outside printable ASCII, an IP literal host (IPv4 dotted quad or
 * any all-numeric/hex last label, '[' ... ']'), a host that breaks the name
 * rules (LDH labels of 1..63, name <= 253, no empty label, at least two
 * labels, not localhost/.local/.internal/... per docs/security.md §3.7), a path
 * with empty, "." or ".." segments or characters outside [A-Za-z0-9._~/-].
 * The host is an ASCII name: U-labels are refused, A-labels ("xn--") pass.
 * DC_E_LIMIT when `len` (the bytes as received, before trimming) exceeds
 * DC_MAX_TXT_VALUE. `value` needs no NUL terminator; an embedded NUL is
 * refused like any control byte. DC_E_INVALID_ARG: out NULL, or value NULL
 * with len > 0.
 * TEST ONLY: "host:PORT[/path]" passes when PORT (strict decimal, not 443)
 * is the port of an entry of c's test-only allow list
 * (dc_client_test_only_allow_address with "IP:PORT"); it is kept as
 * "host:PORT[/path]". Without such an entry a port is refused as above.
 * On success *out is a new string (dc_free). */
DC_API DC_WUR dc_status dc_txt_value_parse(dc_client *c, const char *value, size_t len,
                                           char **out);

/* Chooses the _domainconnect value from all TXT RRs at the name: each RR's
 * strings are joined and parsed with dc_txt_value_parse(). If every RR gives
 * the same canonical value (duplicates, e.g. through a CNAME), that value is
 * returned. RRs that differ are refused with DC_E_TXT_MULTIPLE: their order is
 * chosen by whoever controls the zone, so no choice between them is safe.
 * No RRs: DC_E_INVALID_ARG. More than DC_MAX_TXT_RRS: DC_E_LIMIT.
 * Any invalid RR: that RR's status (DC_E_TXT_INVALID / DC_E_LIMIT; the
 * joined strings of one RR are capped at DC_MAX_TXT_VALUE bytes). An RR
 * with no strings is an empty value (DC_E_TXT_INVALID). */
DC_API DC_WUR dc_status dc_txt_select(dc_client *c, const dc_txt_rr *rrs, size_t n,
                                      char **out);

/* The provider settings (spec "Settings" table). Immutable once parsed. */
typedef struct dc_settings dc_settings;

/* Parses a settings JSON document (at most DC_MAX_SETTINGS_JSON bytes, depth
 * DC_MAX_JSON_DEPTH, duplicate keys refused). `zone` is the zone apex the
 * document was fetched for (normalised; may be NULL when unknown, then
 * urlControlPanel is kept unfilled); it fills %domain% in urlControlPanel,
 * percent-encoded.
 * Required: providerId (a dc-id: 1..63 of A-Za-z0-9-_.), providerName
 * (dc-display-name: 1..255 characters, no control characters or Unicode
 * noncharacters), urlAPI. Optional: providerDisplayName (as providerName),
 * urlSyncUX, urlAsyncUX, urlControlPanel, width, height (integers 1..10000
 * given as a JSON number without fraction, e.g. 800 or 800.0, or as a
 * decimal string such as "800"; default 750), nameServers (array of at most
 * DC_MAX_NAME_SERVERS host names, stored lower-case without trailing dot).
 * A member whose value is JSON null counts as absent (so a required one is
 * DC_E_SETTINGS_MISSING).
 * urlAPI/urlSyncUX/urlAsyncUX/urlControlPanel must be https URLs passing the
 * URL safety rules (see docs/security.md) and are stored in canonical form:
 * scheme and host lower-case, ":443" and a trailing dot of the host dropped,
 * one trailing '/' of the path dropped. TEST ONLY: another port passes (and
 * is kept) when it is the port of an entry of c's test-only allow list. urlControlPanel may also carry a
 * query (then its path is kept as written); it is checked after %domain% is
 * filled (without a zone, with a placeholder filled in) and, without a zone,
 * kept exactly as given. Unknown fields are ignored by the parser and kept
 * with the document (dc_settings_raw_json, dc_settings_unknown_json).
 * Details name the offending field, e.g. "settings: required field urlAPI
 * is missing" or "urlAPI: port other than 443 in ...".
 * Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM, DC_E_LIMIT, DC_E_JSON,
 * DC_E_SETTINGS_MISSING, DC_E_SETTINGS_TYPE, DC_E_UNSAFE_URL,
 * DC_E_INVALID_DOMAIN (zone). */
DC_API DC_WUR dc_status dc_settings_parse(dc_client *c, const char *json, size_t len,
                                          const char *zone, dc_settings **out);

/* Frees settings. NULL is a no-op. */
DC_API void dc_settings_free(dc_settings *s);

/* Borrowed strings, valid until dc_settings_free; NULL when absent. */
DC_API const char *dc_settings_provider_id(const dc_settings *s);
DC_API const char *dc_settings_provider_name(const dc_settings *s);
DC_API const char *dc_settings_provider_display_name(const dc_settings *s);
DC_API const char *dc_settings_url_sync_ux(const dc_settings *s);
DC_API const char *dc_settings_url_async_ux(const dc_settings *s);
DC_API const char *dc_settings_url_api(const dc_settings *s);
/* urlControlPanel with %domain% filled (or as given when zone was NULL). */
DC_API const char *dc_settings_url_control_panel(const dc_settings *s);
/* The zone given to dc_settings_parse (NULL if none). */
DC_API const char *dc_settings_zone(const dc_settings *s);
/* DNSSEC state of an answer (docs/security.md §8; RFC 4033 §5). The
 * states rank from strongest to weakest: secure, insecure, indeterminate,
 * bogus; a discovery's overall state is the weakest of its answers. */
typedef enum dc_dnssec_state {
  DC_DNSSEC_UNCHECKED = 0,    /* not validated (policy off, parsed settings) */
  DC_DNSSEC_SECURE = 1,       /* chain of trust from an anchor (a secure
                                 NXDOMAIN/NODATA too) */
  DC_DNSSEC_INSECURE = 2,     /* provably unsigned (no DS at a cut) */
  DC_DNSSEC_INDETERMINATE = 3, /* no verdict: no anchor covers the name, or
                                 the lookup failed */
  DC_DNSSEC_BOGUS = 4         /* validation failed: forged, broken, expired,
                                 or a path that strips DNSSEC records */
} dc_dnssec_state;
/* "unchecked", "secure", "insecure", "indeterminate", "bogus"; "unknown"
 * for other values. */
DC_API const char *dc_dnssec_state_name(dc_dnssec_state state);
/* The states recorded by dc_discover / dc_batch: overall, the TXT (with the
 * SOA walk's answers), the provider host's A/AAAA; DC_DNSSEC_UNCHECKED for
 * NULL or settings from dc_settings_parse. */
DC_API dc_dnssec_state dc_settings_dnssec(const dc_settings *s);
DC_API dc_dnssec_state dc_settings_dnssec_txt(const dc_settings *s);
DC_API dc_dnssec_state dc_settings_dnssec_host(const dc_settings *s);
/* Why an answer was bogus (libunbound's reason, sanitised, at most
 * DC_MAX_DNSSEC_WHY bytes), or NULL. Borrowed, valid until
 * dc_settings_free. */
DC_API const char *dc_settings_dnssec_why(const dc_settings *s);
DC_API long dc_settings_width(const dc_settings *s);
DC_API long dc_settings_height(const dc_settings *s);
DC_API size_t dc_settings_name_server_count(const dc_settings *s);
DC_API const char *dc_settings_name_server(const dc_settings *s, size_t i);

/* The settings document exactly as it was given to dc_settings_parse (for
 * discovered settings: the body received, at most DC_MAX_SETTINGS_JSON
 * bytes), NUL-terminated; *len (may be NULL) gets its length (0 for NULL
 * s). Borrowed, valid until dc_settings_free; NULL for NULL s. */
DC_API const char *dc_settings_raw_json(const dc_settings *s, size_t *len);

/* The document's members this library does not know (every member but
 * providerId, providerName, providerDisplayName, urlSyncUX, urlAsyncUX,
 * urlAPI, urlControlPanel, width, height and nameServers), as one JSON
 * object: in the document's order, each key and value byte for byte as
 * received, without the whitespace between tokens; "{}" when there are none.
 * Returns DC_OK, DC_E_INVALID_ARG (s or out NULL), DC_E_NOMEM. *out: dc_free. */
DC_API DC_WUR dc_status dc_settings_unknown_json(const dc_settings *s, char **out);

/* Serialises settings as one JSON object with the spec's field names (only
 * present fields; width/height always). Returns DC_OK, DC_E_INVALID_ARG,
 * DC_E_NOMEM. *out: dc_free. */
DC_API DC_WUR dc_status dc_settings_to_json(const dc_settings *s, char **out);

#ifdef __cplusplus
}
#endif
#endif
