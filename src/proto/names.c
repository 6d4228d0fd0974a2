/* Domain normalisation and the zone/host split (docs/protocol.md §1.1, §1.4).
 * Zone apex discovery uses the Public Suffix List, as the reference client
 * does; names travel in A-label (IDNA) form. */
#include <stdlib.h>
#include <string.h>

#include <idn2.h>
#include <libpsl.h>

#include "proto/names.h"
#include "domainconnect/names.h"

/* Does the name hold a label that starts with the ACE prefix "xn--"? Such
 * ASCII input still goes through libidn2 so that a bogus A-label
 * ("xn--a.com") is refused. */
static bool has_ace_label(const char *s, size_t len)
{
  for (size_t i = 0; i + 4 <= len; i++) {
    if (i > 0 && s[i - 1] != '.') continue;
    if (dci_lower((unsigned char)s[i]) == 'x' && dci_lower((unsigned char)s[i + 1]) == 'n' &&
        s[i + 2] == '-' && s[i + 3] == '-')
      return true;
  }
  return false;
}

/* RFC 1035 / RFC 1123 checks on an ASCII, lower-case name without a
 * trailing dot. Returns NULL or a reason. */
static const char *ldh_problem(const char *s, size_t len)
{
  if (len == 0) return "empty name";
  if (len > DC_MAX_NAME_LEN) return "name longer than 253 bytes";
  size_t start = 0, last_start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && s[i] != '.') {
      unsigned char ch = (unsigned char)s[i];
      if (ch == '_') return "underscore in a domain name";
      if (!dci_is_alnum(ch) && ch != '-')
        return "character other than letter, digit, '-' or '.'";
      continue;
    }
    size_t n = i - start;
    if (n == 0) return "empty label";
    if (n > DC_MAX_LABEL_LEN) return "label longer than 63 bytes";
    if (s[start] == '-' || s[i - 1] == '-') return "label starts or ends with '-'";
    last_start = start;
    start = i + 1;
  }
  /* RFC 1123 2.1: the top-level label is alphabetic; an all-numeric one is
   * an IPv4 address typed as a domain. */
  bool numeric = true;
  for (size_t i = last_start; i < len; i++)
    if (!dci_is_digit((unsigned char)s[i])) numeric = false;
  if (numeric) return "numeric top-level label (an IP address, not a domain)";
  return NULL;
}

DC_API dc_status dc_domain_normalize(dc_client *c, const char *in, char **out)
{
  dc_status status = DC_OK;
  char *ace = NULL;     /* from libidn2 (idn2_free) */
  char *name = NULL;    /* our copy (free) */
  dci_clear(c);
  if (out != NULL) *out = NULL;
  if (in == NULL || out == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "domain: NULL argument");

  size_t len = strnlen(in, DC_MAX_DOMAIN_INPUT + 1);
  if (len > DC_MAX_DOMAIN_INPUT)
    return dci_fail(c, DC_E_LIMIT, "domain: input longer than %d bytes",
                    DC_MAX_DOMAIN_INPUT);
  if (len == 0) return dci_fail(c, DC_E_INVALID_DOMAIN, "domain: empty name");

  bool ascii = true;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)in[i] >= 0x80) ascii = false;

  if (ascii && !has_ace_label(in, len)) {
    /* Plain ASCII: only lower-casing is needed (libidn2 would refuse upper
     * case without the UTS#46 mapping anyway). */
    name = dci_strndup(in, len);
    if (name == NULL) { status = DC_E_NOMEM; goto done; }
    for (size_t i = 0; i < len; i++) name[i] = (char)dci_lower((unsigned char)name[i]);
  } else {
    /* IDNA2008 with UTS#46 non-transitional mapping (so "ß" stays "ß"),
     * input normalised to NFC first. The mapping also lower-cases and maps
     * full-width dots. */
    int rc = idn2_to_ascii_8z(in, &ace, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc == IDN2_MALLOC) { status = DC_E_NOMEM; goto done; }
    if (rc != IDN2_OK) {
      status = dci_fail(c, DC_E_INVALID_DOMAIN, "domain: IDNA conversion failed: %s",
                        idn2_strerror(rc));
      goto done;
    }
    name = dci_strdup(ace);
    if (name == NULL) { status = DC_E_NOMEM; goto done; }
    for (char *p = name; *p; p++) *p = (char)dci_lower((unsigned char)*p);
  }

  size_t n = strlen(name);
  if (n > 0 && name[n - 1] == '.') name[--n] = '\0'; /* one trailing dot */
  const char *why = ldh_problem(name, n);
  if (why != NULL) {
    char safe[80];
    dci_sanitize(safe, sizeof safe, in, len, 64);
    status = dci_fail(c, DC_E_INVALID_DOMAIN, "domain \"%s\": %s", safe, why);
    goto done;
  }
  *out = name;
  name = NULL;
done:
  if (status == DC_E_NOMEM) dci_fail(c, status, "domain: out of memory");
  idn2_free(ace);
  free(name);
  return status;
}

DC_API dc_status dc_zone_split(dc_client *c, const char *domain, char **zone,
                               char **host)
{
  dc_status status = DC_OK;
  char *name = NULL, *z = NULL, *h = NULL;
  if (zone != NULL) *zone = NULL;
  if (host != NULL) *host = NULL;
  dci_clear(c);
  if (domain == NULL || zone == NULL || host == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "zone split: NULL argument");

  DCI_TRY(dc_domain_normalize(c, domain, &name));

  const psl_ctx_t *psl = (c != NULL && c->cfg->psl != NULL) ? c->cfg->psl : psl_builtin();
  if (psl == NULL) {
    status = dci_fail(c, DC_E_INTERNAL, "libpsl has no built-in public suffix list");
    goto done;
  }
  /* The registrable domain is the public suffix plus one label; NULL when
   * the name is itself a suffix ("co.uk") or not below one. */
  const char *reg = psl_registrable_domain(psl, name);
  if (reg == NULL || reg < name || reg > name + strlen(name)) {
    status = dci_fail(c, DC_E_PUBLIC_SUFFIX,
                      "%s is a public suffix or has no registrable part", name);
    goto done;
  }
  size_t hostlen = (size_t)(reg - name);
  if (hostlen > 0) hostlen--; /* the dot between host and zone */
  z = dci_strdup(reg);
  h = dci_strndup(name, hostlen);
  if (z == NULL || h == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "zone split: out of memory");
    goto done;
  }
  *zone = z;
  *host = h;
  z = h = NULL;
done:
  free(name);
  free(z);
  free(h);
  return status;
}

const char *dci_host_part_problem(const char *host)
{
  if (host == NULL) return "no host";
  size_t len = strnlen(host, DC_MAX_NAME_LEN + 1);
  if (len == 0) return NULL; /* the zone apex */
  if (len > DC_MAX_NAME_LEN) return "host longer than 253 bytes";
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && host[i] != '.') {
      unsigned char ch = (unsigned char)host[i];
      if (!dci_is_alnum(ch) && ch != '-' && ch != '_')
        return "character other than letter, digit, '-', '_' or '.' in host";
      continue;
    }
    size_t n = i - start;
    if (n == 0) return "empty label in host";
    if (n > DC_MAX_LABEL_LEN) return "label longer than 63 bytes in host";
    if (host[start] == '-' || host[i - 1] == '-')
      return "label starts or ends with '-' in host";
    start = i + 1;
  }
  return NULL;
}

dc_status dci_check_host_part(const char *host)
{
  if (host == NULL) return DC_E_INVALID_ARG;
  return dci_host_part_problem(host) ? DC_E_INVALID_HOST : DC_OK;
}
