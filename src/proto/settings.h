/* The settings struct, shared by discovery and the URL builders (internal).
 * Filled only by dc_settings_parse (src/proto/settings.c), which
 * guarantees every invariant below; readers may rely on them. */
#ifndef DC_PROTO_SETTINGS_H
#define DC_PROTO_SETTINGS_H

#include "core/internal.h"
#include "domainconnect/settings.h"

struct dc_settings {
  char *provider_id;           /* required; a dc-id (dci_valid_dc_id) */
  char *provider_name;         /* required; 1..255 characters, no controls */
  char *provider_display_name; /* optional; same rules as provider_name */
  /* URL fields passed dci_check_https_url (src/guard/url_rules.h) and are
   * stored in its canonical form: "https://" + lower-case host (no trailing
   * dot; no port, except a TEST-ONLY allowed one as ":PORT") + path without
   * a trailing '/'. */
  char *url_sync_ux;           /* optional; no trailing '/' */
  char *url_async_ux;          /* optional; no trailing '/' */
  char *url_api;               /* required; no trailing '/' */
  /* optional; may carry a query. %domain% filled (percent-encoded zone) when
   * the zone is known; kept as given (but checked) when it is not. */
  char *url_control_panel;
  char *zone;                  /* optional; normalised A-label form */
  char *host;                  /* set by dc_discover only: the host part left
                                  of the zone ("" at the apex); NULL when the
                                  settings were parsed from a document */
  long width, height;          /* 1..10000, default 750 */
  char **name_servers;         /* lower case, no trailing dot; NULL-terminated,
                                  NULL when there are none */
  size_t n_name_servers;       /* <= DC_MAX_NAME_SERVERS */
  char *raw;                   /* the document as received (it parsed, so it
                                  holds no NUL byte), NUL-terminated */
  size_t raw_len;              /* <= DC_MAX_SETTINGS_JSON */
  /* DNSSEC states (dc_dnssec_state) set by discovery; 0 = unchecked.
   * dnssec_why: the bogus reason, "" when none. */
  int dnssec, dnssec_txt, dnssec_host;
  char dnssec_why[DC_MAX_DNSSEC_WHY + 1];
};

#endif
