/* DNS Provider side: templates, zones, and applying a template to a zone
 * (spec "Template Definition", "Applying a Template", conflicts, SPF merge).
 * Pure computation: no I/O apart from dc_template_load. The sandbox and any
 * DNS Provider embed this. docs/template-engine.md describes the model, the
 * rules and every choice made where the sources disagree. */
#ifndef DOMAINCONNECT_TEMPLATE_H
#define DOMAINCONNECT_TEMPLATE_H

#include "domainconnect/common.h"
#include "domainconnect/oauth.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- templates */
typedef struct dc_template dc_template;

/* Parses and validates a template JSON document (at most
 * DC_MAX_TEMPLATE_JSON bytes, DC_MAX_TEMPLATE_RECORDS records): the
 * template.schema fields plus the spec's per-type field rules. Checked
 * here: unknown fields (top level and per record), fields a record type
 * must not carry, required fields, JSON types, dc-id syntax of providerId /
 * serviceId / groupId, enum values (essential, txtConflictMatchingMode, any
 * case), %variable% syntax, numeric fields (a JSON integer, a string of
 * digits, or a string with variables: the "exactly one variable" rule is
 * checked when applying), and the schema's rule that a CNAME or NS record
 * with host "@" or "" needs hostRequired. Record contents (addresses, host
 * names, SRV protocol, URLs) are checked when applying, after substitution.
 * Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM, DC_E_LIMIT, DC_E_JSON,
 * DC_E_TEMPLATE (detail names the field, e.g. "records[2].ttl: ..."),
 * DC_E_RECORD_TYPE (a type that is not a dc-record-type, or a meta type such
 * as SOA or ANY). */
DC_API DC_WUR dc_status dc_template_parse(dc_client *c, const char *json, size_t len,
                                          dc_template **out);
/* Same, reading a file (DC_E_IO if unreadable). */
DC_API DC_WUR dc_status dc_template_load(dc_client *c, const char *path, dc_template **out);
/* A template made of a bare "records" array (provider/service ids given,
 * each a dc-id or NULL); for tests and tools that work on record lists. The
 * records are checked as in dc_template_parse, except for the hostRequired
 * rule (there is no template-level flag: see dc_template_set_multi_instance
 * and the host checks made when applying). */
DC_API DC_WUR dc_status dc_template_from_records(dc_client *c, const char *records_json,
                                                 size_t len, const char *provider_id,
                                                 const char *service_id, dc_template **out);
/* Sets the template's multiInstance flag (for templates made with
 * dc_template_from_records). Returns DC_OK or DC_E_INVALID_ARG. */
DC_API DC_WUR dc_status dc_template_set_multi_instance(dc_template *t, bool on);
DC_API void dc_template_free(dc_template *t);
/* Borrowed strings (NULL when absent) and flags. */
DC_API const char *dc_template_provider_id(const dc_template *t);
DC_API const char *dc_template_service_id(const dc_template *t);
DC_API const char *dc_template_provider_name(const dc_template *t);
DC_API const char *dc_template_service_name(const dc_template *t);
DC_API long dc_template_version(const dc_template *t);           /* -1 if absent */
DC_API const char *dc_template_sync_pub_key_domain(const dc_template *t);
DC_API const char *dc_template_sync_redirect_domain(const dc_template *t);
DC_API bool dc_template_sync_block(const dc_template *t);
DC_API bool dc_template_host_required(const dc_template *t);
DC_API bool dc_template_multi_instance(const dc_template *t);
/* sharedProviderName, or its deprecated alias "shared". */
DC_API bool dc_template_shared_provider_name(const dc_template *t);
DC_API bool dc_template_shared_service_name(const dc_template *t);
DC_API bool dc_template_warn_phishing(const dc_template *t);
/* Number of records in the template. */
DC_API size_t dc_template_record_count(const dc_template *t);
/* The template as JSON (normalised: fields in schema order, type names in
 * upper case, enum values in their canonical case, numeric strings without
 * variables as numbers). Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_template_to_json(const dc_template *t, char **out);

/* ---- zones: a list of records with zone-relative owner names ("@" apex).
 * JSON form: [{"type","name","ttl","data", "priority"?, "weight"?, "port"?,
 *   "protocol"?, "service"?, "_dc"?: {"id","providerId","serviceId","host",
 *   "essential", "groupId"?}}, ...] (the conformance suite's record shape).
 * Reading normalises: type to upper case, name to lower case ("" is "@"),
 * data to lower case for A, AAAA, CNAME, MX, NS, SRV and APEXCNAME (TXT and
 * other types keep their case), SRV protocol to lower case without a leading
 * "_". "ttl" may be absent (REDIR301/302 records have none); numbers may be
 * given as digit strings; "_dc" is kept as given (any object), and its id,
 * providerId, serviceId, host, essential and groupId members drive
 * multi-aware mode. SRV records keep service and protocol as fields: "name"
 * is the owner name. Zones are immutable and may be read from several
 * threads; they are indexed by owner name when made, so applying a template
 * costs time proportional to the records at the names it touches. */
typedef struct dc_zone dc_zone;
DC_API DC_WUR dc_status dc_zone_new(dc_zone **out);
/* At most DC_MAX_ZONE_JSON bytes and DC_MAX_ZONE_RECORDS records.
 * Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM, DC_E_LIMIT, DC_E_JSON,
 * DC_E_ZONE (detail: "zone[i].field: reason"; unknown fields are refused). */
DC_API DC_WUR dc_status dc_zone_from_json(dc_client *c, const char *json, size_t len,
                                          dc_zone **out);
/* A copy that shares the (immutable) records: one pointer per record plus
 * the index. Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_zone_copy(const dc_zone *z, dc_zone **out);
DC_API DC_WUR dc_status dc_zone_to_json(const dc_zone *z, char **out);
DC_API size_t dc_zone_count(const dc_zone *z);
/* Borrowed strings, valid while the zone lives; NULL / -1 when i is out of
 * range or the field is absent. */
DC_API const char *dc_zone_type(const dc_zone *z, size_t i);
DC_API const char *dc_zone_name(const dc_zone *z, size_t i);
DC_API const char *dc_zone_data(const dc_zone *z, size_t i);
DC_API long dc_zone_ttl(const dc_zone *z, size_t i);
DC_API long dc_zone_priority(const dc_zone *z, size_t i);
DC_API long dc_zone_weight(const dc_zone *z, size_t i);
DC_API long dc_zone_port(const dc_zone *z, size_t i);
DC_API const char *dc_zone_protocol(const dc_zone *z, size_t i);
DC_API const char *dc_zone_service(const dc_zone *z, size_t i);
/* The record's "_dc" template state as compact JSON, or NULL. */
DC_API const char *dc_zone_state_json(const dc_zone *z, size_t i);
DC_API void dc_zone_free(dc_zone *z);

/* ---- what to apply. The setters copy their arguments and take no handle:
 * they return DC_OK, DC_E_INVALID_ARG (NULL or unusable argument),
 * DC_E_NOMEM, DC_E_LIMIT (more than the documented count), or the status
 * named at the setter. */
typedef struct dc_apply_opts dc_apply_opts;
DC_API DC_WUR dc_status dc_apply_opts_new(dc_apply_opts **out);
DC_API void dc_apply_opts_free(dc_apply_opts *o);
/* The zone apex the zone's names are relative to (checked when applying:
 * normalised like dc_domain_normalize, IDNA included). */
DC_API DC_WUR dc_status dc_apply_opts_set_domain(dc_apply_opts *o, const char *domain);
DC_API DC_WUR dc_status dc_apply_opts_set_host(dc_apply_opts *o, const char *host); /* "", "@" or NULL = apex */
/* The longest variable value the engine takes, in bytes: one limit shared
 * by every caller (the sandbox refuses a longer request parameter with a
 * 400 naming it; docs/limits.md). */
#define DC_MAX_PARAM_VALUE_LEN 4096
/* A variable value (at most DC_MAX_PARAMS names; a name of at most
 * DC_MAX_PARAM_NAME bytes, a value of at most DC_MAX_PARAM_VALUE_LEN bytes:
 * a longer one is DC_E_LIMIT and is not stored).
 * Any name is accepted, so a provider may pass every request parameter:
 * names a template does not use are ignored, and the built-ins domain, host
 * and fqdn cannot be overridden. Setting a name again replaces its value.
 * Variables are matched ignoring ASCII case (as the conformance suite
 * does); an exact-case name wins over a differently-cased one. */
DC_API DC_WUR dc_status dc_apply_opts_set_param(dc_apply_opts *o, const char *name, const char *value);
/* Group filter (at most DC_MAX_IDS; each a dc-id, else DC_E_INVALID_ID). */
DC_API DC_WUR dc_status dc_apply_opts_add_group_id(dc_apply_opts *o, const char *group_id);
/* Multi-aware mode: records carry _dc provenance; `instance_id` NULL = a
 * random id (UUID) is assigned (a dc-id, else DC_E_INVALID_ID). */
DC_API DC_WUR dc_status dc_apply_opts_set_multi_aware(dc_apply_opts *o, bool on);
DC_API DC_WUR dc_status dc_apply_opts_set_instance_id(dc_apply_opts *o, const char *id);
/* Force: conflicting records (and templates) are removed instead of
 * refusing with DC_E_CONFLICT. */
DC_API DC_WUR dc_status dc_apply_opts_set_force(dc_apply_opts *o, bool on);
/* Backing records for REDIR301/REDIR302 (provider configuration), e.g.
 * ("A","127.0.0.1",600). Types A (IPv4), AAAA (IPv6) or CNAME (host name);
 * ttl 0..2^31-1; at most DC_MAX_REDIRECT_RECORDS. */
DC_API DC_WUR dc_status dc_apply_opts_add_redirect_record(dc_apply_opts *o, const char *type,
                                                          const char *data, long ttl);
/* Signature check for templates with syncPubKeyDomain: the raw query (with
 * its sig and key parameters, as received), and the public-key TXT records
 * found at key.syncPubKeyDomain (at most DC_MAX_DNS_TXT_RRS). Without them
 * (and without ignore_signature) such a template is refused
 * (DC_E_SIG_MISSING). The engine checks the signature only: the caller
 * takes domain, host and the variables from that same verified query. */
DC_API DC_WUR dc_status dc_apply_opts_set_signature(dc_apply_opts *o, const char *query,
                                                    const char *const *key_txt, size_t n);
DC_API DC_WUR dc_status dc_apply_opts_set_ignore_signature(dc_apply_opts *o, bool on);

/* ---- applying */
typedef struct dc_apply_result dc_apply_result;

/* Applies the template to the zone (the zone is not changed). DC_OK: the
 * result has the records to add, to delete and the final zone.
 * DC_E_CONFLICT (without force): *out is set too, holding the conflicting
 * records (dc_apply_result_conflicts); its new/deleted/final zones describe
 * what a forced apply would do, so a user can be shown the consequences.
 * Other failures: DC_E_TEMPLATE (e.g. a groupId filter that selects no
 * grouped record, REDIR without redirect records), DC_E_RECORD,
 * DC_E_MISSING_VARIABLE, DC_E_HOST_REQUIRED, DC_E_RECORD_TYPE,
 * DC_E_INVALID_DOMAIN / DC_E_INVALID_HOST (the opts' domain or host),
 * DC_E_SIG_MISSING / DC_E_SIG_INVALID / DC_E_PUBKEY_RECORD / DC_E_KEY_ID,
 * DC_E_LIMIT, DC_E_NOMEM, DC_E_INVALID_ARG; *out NULL. Cost is proportional
 * to the records at the affected names, not the zone size. */
DC_API DC_WUR dc_status dc_template_apply(dc_client *c, const dc_template *t,
                                          const dc_zone *zone, const dc_apply_opts *o,
                                          dc_apply_result **out);
DC_API void dc_apply_result_free(dc_apply_result *r);
/* The result's zones are borrowed (valid until dc_apply_result_free;
 * dc_zone_copy keeps one longer). */
DC_API const dc_zone *dc_apply_result_added(const dc_apply_result *r);
DC_API const dc_zone *dc_apply_result_deleted(const dc_apply_result *r);
/* The final zone is built on the first call (O(zone): the input zone's
 * records minus the deleted ones, in zone order, then the new ones; the
 * records are shared, not copied). NULL if that allocation fails. The first
 * call must not race with another call on the same result. */
DC_API const dc_zone *dc_apply_result_final(const dc_apply_result *r);
/* Conflicting records (type, host, data) after DC_E_CONFLICT; the same shape
 * as a 409 body (oauth.h: code "409", a message with the count, at most
 * DC_MAX_CONFLICT_RECORDS records). NULL when there were none. */
DC_API const dc_conflicts *dc_apply_result_conflicts(const dc_apply_result *r);
/* {"new":[...],"deleted":[...],"final":[...]} or, after a conflict,
 * {"conflicts":[{"type","host","data"}...]}. */
DC_API DC_WUR dc_status dc_apply_result_to_json(const dc_apply_result *r, char **out);

/* ---- one application as a JSON document: the input of `domainconnect
 * template apply --batch`, one per line (docs/template-engine.md, "Apply
 * requests"). An object with the members
 *   "template" (a template object) | "templateFile" (a path), one of them;
 *   "zone" (a zone array) | "zoneFile" (a path), at most one (none: an
 *     empty zone);
 *   "domain" (required), "host", "params" {"NAME":"VALUE",...},
 *   "groupIds" [...], "multiAware", "instanceId", "force",
 *   "ignoreSignature" (booleans are JSON booleans), "redirectRecords"
 *   [{"type","data","ttl"},...], "signedQuery" + "keyRecords" [...]
 * and nothing else (an unknown member is refused, so a misspelt "force"
 * cannot pass unnoticed). Parsing does no I/O: the file members are
 * returned as paths; the caller reads them (dc_template_load,
 * dc_zone_from_json) and decides which paths a request may name. */
typedef struct dc_apply_request dc_apply_request;
/* Parses and checks a request of at most DC_MAX_APPLY_REQUEST bytes: the
 * inline template and zone as dc_template_parse / dc_zone_from_json do,
 * the options with the dc_apply_opts setters. Returns DC_OK,
 * DC_E_INVALID_ARG (NULL argument, or a member that is unknown, missing,
 * of the wrong JSON type, or unusable; the detail names it, e.g.
 * "request.force: not a boolean"), DC_E_JSON, DC_E_LIMIT, DC_E_NOMEM,
 * DC_E_INVALID_ID (a groupIds entry or instanceId), and the template's
 * (DC_E_TEMPLATE, DC_E_RECORD_TYPE) and zone's (DC_E_ZONE) statuses for
 * inline ones. The domain, host and variables are checked when applying,
 * as with the setters. */
DC_API DC_WUR dc_status dc_apply_request_parse(dc_client *c, const char *json, size_t len,
                                               dc_apply_request **out);
DC_API void dc_apply_request_free(dc_apply_request *r);
/* Borrowed, valid until dc_apply_request_free. Exactly one of the
 * template and the template file is non-NULL; exactly one of the zone and
 * the zone file. */
DC_API const dc_template *dc_apply_request_template(const dc_apply_request *r);
DC_API const char *dc_apply_request_template_file(const dc_apply_request *r);
DC_API const dc_zone *dc_apply_request_zone(const dc_apply_request *r);
DC_API const char *dc_apply_request_zone_file(const dc_apply_request *r);
DC_API const dc_apply_opts *dc_apply_request_opts(const dc_apply_request *r);

#ifdef __cplusplus
}
#endif
#endif
