#include <string.h>

#include "core/validate.h"
#include "domainconnect/request.h"

bool dci_valid_dc_id(const char *s)
{
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > 63) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (!dci_is_alnum(ch) && ch != '-' && ch != '_' && ch != '.') return false;
  }
  return true;
}

bool dci_valid_key_label(const char *s)
{
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > DC_MAX_LABEL_LEN) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (!dci_is_alnum(ch) && ch != '-' && ch != '_') return false;
  }
  return true;
}

bool dci_valid_param_name(const char *s)
{
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > DC_MAX_PARAM_NAME) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch <= 0x20 || ch >= 0x7f || ch == '=' || ch == '&' || ch == '#' ||
        ch == '%')
      return false;
  }
  return true;
}

/* The one list of the protocol's parameter names (request.h, dc_param_kind;
 * docs/security.md §4.5). */
static const struct {
  const char *name;
  dc_param_kind kind;
} k_protocol_params[] = {
  {"domain", DC_PARAM_URL}, {"host", DC_PARAM_URL}, {"redirect_uri", DC_PARAM_URL},
  {"state", DC_PARAM_URL}, {"groupId", DC_PARAM_URL}, {"providerName", DC_PARAM_URL},
  {"serviceName", DC_PARAM_URL}, {"instanceId", DC_PARAM_URL}, {"sig", DC_PARAM_URL},
  {"key", DC_PARAM_URL}, {"client_id", DC_PARAM_URL}, {"scope", DC_PARAM_URL},
  {"response_type", DC_PARAM_URL}, {"force", DC_PARAM_URL},
  {"client_secret", DC_PARAM_OAUTH}, {"grant_type", DC_PARAM_OAUTH},
  {"code", DC_PARAM_OAUTH}, {"refresh_token", DC_PARAM_OAUTH},
  {"access_token", DC_PARAM_OAUTH},
};

DC_API dc_param_kind dc_param_kind_of(const char *name)
{
  if (name == NULL) return DC_PARAM_VARIABLE;
  /* ASCII case ignored: the template engine matches variables ignoring
   * case, and providers differ in how they read names, so "Domain" or
   * "HOST" must not pass as a variable either (docs/security.md §4.5). */
  for (size_t i = 0; i < sizeof k_protocol_params / sizeof k_protocol_params[0]; i++)
    if (dci_streq_nocase(name, k_protocol_params[i].name)) return k_protocol_params[i].kind;
  return DC_PARAM_VARIABLE;
}

bool dci_is_reserved_param(const char *name)
{
  return dc_param_kind_of(name) == DC_PARAM_URL;
}
