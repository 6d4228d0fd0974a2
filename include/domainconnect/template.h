/* DNS Provider side: templates, zones, and applying a template to a zone
 * (spec "Template Definition", "Applying a Template", conflicts, SPF merge).
 * Pure computation: no I/O. The sandbox and any DNS Provider embed this. */
#ifndef DOMAINCONNECT_TEMPLATE_H
#define DOMAINCONNECT_TEMPLATE_H

#include "domainconnect/common.h"
#include "domainconnect/oauth.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- templates */
typedef struct dc_template dc_template;

/* Parses and validates a template JSON document (template.schema plus the
 * spec's per-type field rules; numeric fields given as strings accepted as
 * the protocol notes recommend). Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM,
 * DC_E_LIMIT, DC_E_JSON, DC_E_TEMPLATE (detail: field and reason),
 * DC_E_RECORD_TYPE. */
DC_API dc_status dc_template_parse(dc_client *c, const char *json, size_t len,
                                   dc_template **out);
/* Same, reading a file (DC_E_IO if unreadable). */
DC_API dc_status dc_template_load(dc_client *c, const char *path, dc_template **out);
/* A template made of a bare "records" array (provider/service ids given);
 * for tests and tools that work on record lists. */
DC_API dc_status dc_template_from_records(dc_client *c, const char *records_json,
                                          size_t len, const char *provider_id,
                                          const char *service_id, dc_template **out);
DC_API void dc_template_free(dc_template *t);
/* Borrowed strings (NULL when absent) and flags. */
DC_API const char *dc_template_provider_id(const dc_template *t);
DC_API const char *dc_template_service_id(const dc_template *t);
DC_API const char *dc_template_provider_name(const dc_template *t);
DC_API const char *dc_template_service_name(const dc_template *t);
DC_API long dc_template_version(const dc_template *t);           /* -1 if absent */
DC_API const char *dc_template_sync_pub_key_domain(const dc_template *t);
DC_API const char *dc_template_sync_redirect_domain(const dc_template *t);
DC_API int dc_template_sync_block(const dc_template *t);
DC_API int dc_template_host_required(const dc_template *t);
DC_API int dc_template_multi_instance(const dc_template *t);
DC_API int dc_template_shared_provider_name(const dc_template *t);
DC_API int dc_template_shared_service_name(const dc_template *t);
DC_API int dc_template_warn_phishing(const dc_template *t);
/* The template as JSON (normalised). */
DC_API dc_status dc_template_to_json(const dc_template *t, char **out);

/* ---- zones: a list of records with zone-relative owner names ("@" apex).
 * JSON form: [{"type","name","ttl","data", "priority"?, "weight"?, "port"?,
 *   "protocol"?, "service"?, "_dc"?: {"id","providerId","serviceId","host",
 *   "essential"}}, ...] (the conformance suite's record shape). */
typedef struct dc_zone dc_zone;
DC_API dc_status dc_zone_new(dc_zone **out);
DC_API dc_status dc_zone_from_json(dc_client *c, const char *json, size_t len,
                                   dc_zone **out);
DC_API dc_status dc_zone_to_json(const dc_zone *z, char **out);
DC_API size_t dc_zone_count(const dc_zone *z);
DC_API const char *dc_zone_type(const dc_zone *z, size_t i);
DC_API const char *dc_zone_name(const dc_zone *z, size_t i);
DC_API const char *dc_zone_data(const dc_zone *z, size_t i);
DC_API long dc_zone_ttl(const dc_zone *z, size_t i);
DC_API void dc_zone_free(dc_zone *z);

/* ---- what to apply */
typedef struct dc_apply_opts dc_apply_opts;
DC_API dc_status dc_apply_opts_new(dc_apply_opts **out);
DC_API void dc_apply_opts_free(dc_apply_opts *o);
DC_API dc_status dc_apply_opts_set_domain(dc_apply_opts *o, const char *domain);
DC_API dc_status dc_apply_opts_set_host(dc_apply_opts *o, const char *host); /* "" or NULL = apex */
DC_API dc_status dc_apply_opts_set_param(dc_apply_opts *o, const char *name, const char *value);
DC_API dc_status dc_apply_opts_add_group_id(dc_apply_opts *o, const char *group_id);
/* Multi-aware mode: records carry _dc provenance; `instance_id` NULL = a
 * random id is assigned. */
DC_API dc_status dc_apply_opts_set_multi_aware(dc_apply_opts *o, int on);
DC_API dc_status dc_apply_opts_set_instance_id(dc_apply_opts *o, const char *id);
/* Force: conflicting records (and templates) are removed instead of
 * refusing with DC_E_CONFLICT. */
DC_API dc_status dc_apply_opts_set_force(dc_apply_opts *o, int on);
/* Backing records for REDIR301/REDIR302 (provider configuration), e.g.
 * ("A","127.0.0.1",600). */
DC_API dc_status dc_apply_opts_add_redirect_record(dc_apply_opts *o, const char *type,
                                                   const char *data, long ttl);
/* Signature check for templates with syncPubKeyDomain: the raw query, and
 * the public-key TXT records found at key.syncPubKeyDomain. Without them (and
 * without ignore_signature) such a template is refused (DC_E_SIG_MISSING). */
DC_API dc_status dc_apply_opts_set_signature(dc_apply_opts *o, const char *query,
                                             const char *const *key_txt, size_t n);
DC_API dc_status dc_apply_opts_set_ignore_signature(dc_apply_opts *o, int on);

/* ---- applying */
typedef struct dc_apply_result dc_apply_result;

/* Applies the template to the zone (the zone is not changed). DC_OK: the
 * result has the records to add, to delete and the final zone.
 * DC_E_CONFLICT (without force): *out is set too, holding the conflicting
 * records (dc_apply_result_conflicts). Other failures: DC_E_TEMPLATE,
 * DC_E_RECORD, DC_E_MISSING_VARIABLE, DC_E_HOST_REQUIRED, DC_E_RECORD_TYPE,
 * DC_E_SIG_MISSING / DC_E_SIG_INVALID / DC_E_PUBKEY_RECORD, DC_E_LIMIT,
 * DC_E_NOMEM, DC_E_INVALID_ARG; *out NULL. Cost is proportional to the
 * records at the affected names, not the zone size. */
DC_API dc_status dc_template_apply(dc_client *c, const dc_template *t,
                                   const dc_zone *zone, const dc_apply_opts *o,
                                   dc_apply_result **out);
DC_API void dc_apply_result_free(dc_apply_result *r);
DC_API const dc_zone *dc_apply_result_new(const dc_apply_result *r);
DC_API const dc_zone *dc_apply_result_deleted(const dc_apply_result *r);
DC_API const dc_zone *dc_apply_result_final(const dc_apply_result *r);
/* Conflicting records (type, host, data) after DC_E_CONFLICT; the same shape
 * as a 409 body (oauth.h). NULL when there were none. */
DC_API const dc_conflicts *dc_apply_result_conflicts(const dc_apply_result *r);
/* {"new":[...],"deleted":[...],"final":[...]} or, after a conflict,
 * {"conflicts":[{"type","host","data"}...]}. */
DC_API dc_status dc_apply_result_to_json(const dc_apply_result *r, char **out);

#ifdef __cplusplus
}
#endif
#endif
