#include <string.h>

#include "core/validate.h"

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

bool dci_is_reserved_param(const char *name)
{
  static const char *const k_reserved[] = {
    "domain", "host", "redirect_uri", "state", "groupId", "providerName",
    "serviceName", "instanceId", "sig", "key", "client_id", "scope",
    "response_type", "force",
  };
  for (size_t i = 0; i < sizeof k_reserved / sizeof k_reserved[0]; i++)
    if (strcmp(name, k_reserved[i]) == 0) return true;
  return false;
}
