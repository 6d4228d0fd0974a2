/* Syntax checks shared by several modules (internal). */
#ifndef DC_CORE_VALIDATE_H
#define DC_CORE_VALIDATE_H

#include "core/internal.h"

/* dc-id (IETF draft): 1..63 of ALPHA / DIGIT / "-" / "_" / "." */
bool dci_valid_dc_id(const char *s);
/* Public-key label: 1..63 of ALPHA / DIGIT / "-" / "_" (a DNS label that may
 * start with an underscore, like "_dck1"). */
bool dci_valid_key_label(const char *s);
/* Template variable / query parameter name we are willing to send:
 * 1..DC_MAX_PARAM_NAME printable ASCII bytes without '=', '&', '#', '%'. */
bool dci_valid_param_name(const char *s);
/* True when `name` is a protocol parameter a template variable must not
 * shadow in the URLs and calls we build: dc_param_kind_of(name) ==
 * DC_PARAM_URL (domain, host, redirect_uri, state, groupId, providerName,
 * serviceName, instanceId, sig, key, client_id, scope, response_type,
 * force). Exact, case-sensitive (the protocol's names are). */
bool dci_is_reserved_param(const char *name);

#endif
