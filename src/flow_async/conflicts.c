/* 409 conflict body of an async apply.
 *
 * Protocol: docs/protocol.md §3.5 and §5.15: {"code": "409", "message": ...,
 * "records": [{"type", "host", "data"}, ...]}. The shape is a SHOULD, and
 * the IETF draft itself calls it under-specified, so only what we keep is
 * checked:
 *   - code: string or JSON integer (kept as its decimal text); absent: NULL;
 *   - message: optional string;
 *   - records: optional array of at most DC_MAX_CONFLICT_RECORDS objects,
 *     each with a string "type" and optional string "host" / "data" (absent
 *     ones read back as "");
 *   - unknown keys (top level and in records) are ignored; JSON null is not
 *     a string and is refused like any other wrong type.
 * Strings are kept as received (not sanitised; callers print them through a
 * JSON encoder); a string holding a NUL byte is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "domainconnect/oauth.h"
#include "core/conflicts.h"

/* Copies an optional string member. `where` names it in details. */
static dc_status copy_string(dc_client *c, json_t *obj, const char *key,
                             const char *where, bool required, char **out)
{
  json_t *v = json_object_get(obj, key);
  if (v == NULL) {
    if (!required) return DC_OK;
    return dci_fail(c, DC_E_CONFLICT_BODY, "conflict body: %s%s missing", where, key);
  }
  if (!json_is_string(v))
    return dci_fail(c, DC_E_CONFLICT_BODY, "conflict body: %s%s is not a string",
                    where, key);
  const char *s = json_string_value(v);
  size_t n = json_string_length(v);
  if (strlen(s) != n)
    return dci_fail(c, DC_E_CONFLICT_BODY, "conflict body: %s%s contains a NUL byte",
                    where, key);
  *out = dci_strndup(s, n);
  return *out ? DC_OK : dci_fail(c, DC_E_NOMEM, "out of memory");
}

static dc_status read_code(dc_client *c, json_t *root, char **out)
{
  json_t *v = json_object_get(root, "code");
  if (v == NULL || json_is_string(v))
    return copy_string(c, root, "code", "", false, out);
  if (!json_is_integer(v))
    return dci_fail(c, DC_E_CONFLICT_BODY,
                    "conflict body: code is neither a string nor an integer");
  char num[32];
  int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  if (n < 0 || (size_t)n >= sizeof num)
    return dci_fail(c, DC_E_INTERNAL, "conflict body: cannot format code");
  *out = dci_strndup(num, (size_t)n);
  return *out ? DC_OK : dci_fail(c, DC_E_NOMEM, "out of memory");
}

static dc_status read_record(dc_client *c, json_t *v, size_t i,
                             struct dci_conflict_record *r)
{
  dc_status status = DC_OK;
  char where[48];
  snprintf(where, sizeof where, "records[%zu].", i);
  if (!json_is_object(v))
    return dci_fail(c, DC_E_CONFLICT_BODY,
                    "conflict body: records[%zu] is not an object", i);
  DCI_TRY(copy_string(c, v, "type", where, true, &r->type));
  DCI_TRY(copy_string(c, v, "host", where, false, &r->host));
  DCI_TRY(copy_string(c, v, "data", where, false, &r->data));
done:
  return status; /* partial fields are released by dc_conflicts_free */
}

DC_API dc_status dc_conflicts_parse(dc_client *c, const char *json, size_t len,
                                    dc_conflicts **out)
{
  dc_status status = DC_OK;
  json_t *root = NULL;
  dc_conflicts *cf = NULL;

  if (out != NULL) *out = NULL;
  DCI_TRY(dci_json_args(c, "conflicts", out != NULL, json != NULL));

  DCI_TRY(dci_json_load(c, "conflict body", json, len, DC_MAX_CONFLICT_JSON,
                        true, false, &root));
  cf = calloc(1, sizeof *cf);
  if (cf == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  DCI_TRY(read_code(c, root, &cf->code));
  DCI_TRY(copy_string(c, root, "message", "", false, &cf->message));

  json_t *recs = json_object_get(root, "records");
  if (recs != NULL) {
    if (!json_is_array(recs)) {
      status = dci_fail(c, DC_E_CONFLICT_BODY,
                        "conflict body: records is not an array");
      goto done;
    }
    size_t n = json_array_size(recs);
    if (n > DC_MAX_CONFLICT_RECORDS) {
      status = dci_fail(c, DC_E_LIMIT,
                        "conflict body has %zu records, limit %d", n,
                        DC_MAX_CONFLICT_RECORDS);
      goto done;
    }
    if (n > 0) {
      cf->recs = calloc(n, sizeof *cf->recs);
      if (cf->recs == NULL) {
        status = dci_fail(c, DC_E_NOMEM, "out of memory");
        goto done;
      }
      cf->cap = n;
    }
    for (size_t i = 0; i < n; i++) {
      cf->count = i + 1; /* so a failure frees this record's partial fields */
      DCI_TRY(read_record(c, json_array_get(recs, i), i, &cf->recs[i]));
    }
  }
  *out = cf;
  cf = NULL;

done:
  json_decref(root);
  dc_conflicts_free(cf);
  return status;
}
