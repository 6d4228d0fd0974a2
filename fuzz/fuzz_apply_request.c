/* Fuzz target: dc_apply_request_parse (one line of `template apply
 * --batch`). A parsed request has exactly one template source and one zone
 * source; an inline request is applied (the apply must not crash and must
 * leave a detail on failure); failures always leave a detail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domainconnect/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  dc_client *c = NULL;
  if (dc_client_new(&c) != DC_OK) return 0;
  dc_apply_request *req = NULL;
  dc_status st = dc_apply_request_parse(c, (const char *)data, size, &req);
  if ((st == DC_OK) != (req != NULL)) abort();
  if (st != DC_OK && dc_client_error(c)[0] == '\0') abort();
  if (req != NULL) {
    const dc_template *t = dc_apply_request_template(req);
    const dc_zone *z = dc_apply_request_zone(req);
    if ((t == NULL) == (dc_apply_request_template_file(req) == NULL)) abort();
    if ((z == NULL) == (dc_apply_request_zone_file(req) == NULL)) abort();
    if (dc_apply_request_opts(req) == NULL) abort();
    if (t != NULL && z != NULL) {
      dc_apply_result *res = NULL;
      st = dc_template_apply(c, t, z, dc_apply_request_opts(req), &res);
      if ((st == DC_OK || st == DC_E_CONFLICT) != (res != NULL)) abort();
      if (st != DC_OK && dc_client_error(c)[0] == '\0') abort();
      char *json = NULL;
      if (res != NULL && dc_apply_result_to_json(res, &json) != DC_OK) abort();
      dc_free(json);
      dc_apply_result_free(res);
    }
  }
  dc_apply_request_free(req);
  dc_client_free(c);
  return 0;
}
