/* Domain names: normalisation and zone/host split. */
#ifndef DOMAINCONNECT_NAMES_H
#define DOMAINCONNECT_NAMES_H

#include "domainconnect/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Normalises a domain name for the protocol: ASCII lower case, one trailing
 * dot removed, U-labels converted to A-labels (IDNA2008 with UTS#46
 * non-transitional mapping, libidn2), then checked against RFC 1035 length
 * rules (labels 1..63, name <= 253) and LDH syntax (letters, digits, hyphen;
 * no leading/trailing hyphen). Underscore labels are refused here (a domain
 * the user types never has them).
 * On success *out is a new string (free with dc_free).
 * Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM, DC_E_LIMIT (input longer than
 * DC_MAX_DOMAIN_INPUT bytes), DC_E_INVALID_DOMAIN. */
DC_API DC_WUR dc_status dc_domain_normalize(dc_client *c, const char *in, char **out);

/* Splits a domain into the zone (registrable domain per the public suffix
 * list: the handle's list or libpsl's built-in one) and the host part to its
 * left: "www.sub.example.co.uk" -> zone "example.co.uk", host "www.sub";
 * "example.com" -> zone "example.com", host "". The input is normalised with
 * dc_domain_normalize() first.
 * On success *zone and *host are new strings (free with dc_free).
 * Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM, DC_E_LIMIT,
 * DC_E_INVALID_DOMAIN, DC_E_PUBLIC_SUFFIX (the name is itself a public
 * suffix, e.g. "co.uk", or has no registrable part). */
DC_API DC_WUR dc_status dc_zone_split(dc_client *c, const char *domain, char **zone,
                                      char **host);

#ifdef __cplusplus
}
#endif
#endif
