/* Bounded JSON loading over jansson (internal). */
#ifndef DC_CORE_JSON_H
#define DC_CORE_JSON_H

#include <jansson.h>

#include "core/internal.h"

/* Parses `len` bytes as one JSON value with: a byte cap (`max_len`, else
 * DC_E_LIMIT), duplicate object keys refused, NUL bytes refused, nesting depth
 * <= DC_MAX_JSON_DEPTH (else DC_E_LIMIT), every string <= DC_MAX_JSON_STRING
 * bytes (else DC_E_LIMIT). Syntax errors give DC_E_JSON with line/column in
 * the handle's detail. `what` names the document in details ("settings").
 * When `want_object` the top level must be an object (else DC_E_JSON).
 * When `sensitive` (documents that carry tokens), the detail gives only the
 * position, never jansson's message, which may quote the input. */
dc_status dci_json_load(dc_client *c, const char *what, const char *text,
                        size_t len, size_t max_len, bool want_object,
                        bool sensitive, json_t **out);

/* The argument checks a public parser of a JSON document starts with:
 * clears c's detail, then DC_E_INVALID_ARG when out (have_out) or the text
 * (have_text) is missing, the detail "NAME: out is NULL" or "NAME: json is
 * NULL". The caller sets *out = NULL first when out is given. */
dc_status dci_json_args(dc_client *c, const char *name, bool have_out, bool have_text);

/* Appends `s` as a JSON string literal (quotes, backslash and control bytes
 * escaped; other bytes, UTF-8 included, copied). For documents we build
 * into a dci_buf (which may be a secret buffer). */
dc_status dci_json_append_str(dci_buf *b, const char *s);

#endif
