/* Syntactic rules for hosts and https URLs that come from DNS or from a
 * provider's settings document (internal). Shared by the _domainconnect TXT
 * value parser, the settings parser and the SSRF guard.
 * docs/security.md §3.6, §3.7 and §4; docs/protocol.md §1.2 and §1.3. */
#ifndef DC_GUARD_URL_RULES_H
#define DC_GUARD_URL_RULES_H

#include "core/addr.h"
#include "core/internal.h"
#include "domainconnect/net.h" /* dc_guard_reason */

/* Checks a host name whose value an attacker may influence (TXT value, URL
 * host from a settings document, name server). `len` bytes of `host` are
 * examined (no NUL needed). Rules, in the order they are checked:
 *   - not empty; one trailing dot is ignored (the caller strips it);
 *   - at most DC_MAX_NAME_LEN bytes without that dot;
 *   - ASCII letters, digits, '-', '.' only ('_' too when allow_underscore);
 *   - labels 1..DC_MAX_LABEL_LEN bytes, no empty label (so ".." fails), no
 *     label starting or ending with '-';
 *   - not an IP literal: neither a dotted quad nor a name whose last label is
 *     all digits or 0x-hex (WHATWG "ends in a number"; docs/security.md §3.6);
 *   - not a special-use name (docs/security.md §3.7): localhost and
 *     *.localhost, *.local, *.internal, home.arpa and below, *.onion, *.alt,
 *     *.invalid (.test and .example are deliberately allowed);
 *   - at least two labels.
 * Returns NULL when the host passes, else a fixed English reason (static
 * storage, never contains input bytes). */
const char *dci_hostname_problem(const char *host, size_t len,
                                 bool allow_underscore);

/* dci_hostname_problem() that also says which kind of rule refused:
 * *reason (may be NULL) is DC_GUARD_EMPTY, DC_GUARD_CHARACTERS (control or
 * non-ASCII byte), DC_GUARD_IP_LITERAL, DC_GUARD_SPECIAL_NAME or
 * DC_GUARD_INVALID_HOST (every other name rule) on a refusal. */
const char *dci_hostname_reason(const char *host, size_t len, bool allow_underscore,
                                dc_guard_reason *reason);

/* dci_hostname_problem() as a status: DC_OK or DC_E_UNSAFE_URL (callers map
 * it to their own status). */
dc_status dci_check_hostname(const char *host, size_t len, bool allow_underscore);

/* Checks a URL path prefix (docs/security.md §4.1, "query or fragment in a
 * prefix"): `len` bytes from `path`; the caller has already stripped one
 * trailing '/'.
 * Empty is fine (no path). Otherwise it starts with '/', uses only
 * A-Za-z0-9 . _ ~ / -, and has no empty, "." or ".." segment.
 * Returns NULL when it passes, else a fixed English reason. */
const char *dci_path_prefix_problem(const char *path, size_t len);

/* Validates an https URL from a settings document (docs/security.md §4.3)
 * and returns its canonical form in *canonical_out (malloc'd,
 * free with free/dc_free; NULL on failure):
 *   - at most DC_MAX_URL_LEN bytes, printable ASCII only (no space, control
 *     or non-ASCII byte), no '\\' anywhere;
 *   - starts with "https://" (scheme case-insensitive) followed by a byte
 *     other than '/';
 *   - authority without userinfo ('@'), '%', '[' / ']' (IP literals, zone
 *     ids); port absent or exactly ":443", or (TEST ONLY) a port other
 *     than 443 that passes dci_port_problem() and that an entry of c's
 *     test-only allow list names (dci_guard_test_port(); c may be NULL:
 *     then 443 only); host passes dci_hostname_problem() without
 *     underscores;
 *   - no fragment; no query unless allow_query (then the query may hold any
 *     printable ASCII but '#', '%' included);
 *   - the path, after one trailing '/' is dropped, passes
 *     dci_path_prefix_problem().
 * Canonical form: "https://" + lower-case host (trailing dot dropped) + path
 * without one trailing '/' (the path is kept byte for byte when a query
 * follows it) + "?query" if any. ":443" is dropped; an allowed test port is
 * kept as ":PORT" (decimal) after the host.
 * The canonical URL is then parsed with libcurl's curl_url() (flags:
 * CURLU_DISALLOW_USER only); it must parse and give the same scheme, host
 * and port (none for 443), no user, zone id or fragment, and a query only
 * when allowed.
 * `field` names the URL in the detail ("urlAPI"); a refusal notes its
 * dc_guard_reason on c (dci_guard_note). Returns DC_OK,
 * DC_E_INVALID_ARG (url or canonical_out NULL), DC_E_NOMEM, DC_E_UNSAFE_URL
 * (detail: field, reason, sanitised URL). */
dc_status dci_check_https_url(dc_client *c, const char *field, const char *url,
                              bool allow_query, char **canonical_out);

#endif
