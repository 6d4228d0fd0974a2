/* The settings struct, shared by discovery and the URL builders (internal). */
#ifndef DC_DISCOVERY_SETTINGS_INTERNAL_H
#define DC_DISCOVERY_SETTINGS_INTERNAL_H

#include "core/internal.h"
#include "domainconnect/settings.h"

struct dc_settings {
  char *provider_id;           /* required */
  char *provider_name;         /* required */
  char *provider_display_name; /* optional */
  char *url_sync_ux;           /* optional; no trailing '/' */
  char *url_async_ux;          /* optional; no trailing '/' */
  char *url_api;               /* required; no trailing '/' */
  char *url_control_panel;     /* optional; %domain% filled when zone known */
  char *zone;                  /* optional */
  long width, height;          /* default 750 */
  char **name_servers;         /* NULL-terminated, may be NULL */
  size_t n_name_servers;
};

#endif
