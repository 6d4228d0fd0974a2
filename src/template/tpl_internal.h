/* Template engine internals (DNS Provider side): the parsed template, the
 * zone with its owner-name index, rendering helpers, SPF merging.
 * docs/template-engine.md describes the model and every rule. */
#ifndef DC_TEMPLATE_TPL_INTERNAL_H
#define DC_TEMPLATE_TPL_INTERNAL_H

#include <stdatomic.h>

#include "core/internal.h"
#include "domainconnect/template.h"

/* Record kinds: the types the engine gives meaning to; every other type
 * (CAA, TYPE256, ...) is DCI_K_OTHER and carries presentation `data`. */
enum dci_kind {
  DCI_K_A,
  DCI_K_AAAA,
  DCI_K_CNAME,
  DCI_K_MX,
  DCI_K_TXT,
  DCI_K_SRV,
  DCI_K_NS,
  DCI_K_SPFM,
  DCI_K_APEXCNAME,
  DCI_K_REDIR301,
  DCI_K_REDIR302,
  DCI_K_OTHER
};

static inline bool dci_kind_is_redir(enum dci_kind k)
{
  return k == DCI_K_REDIR301 || k == DCI_K_REDIR302;
}

/* Kind of an upper-case type name. */
enum dci_kind dci_kind_of(const char *type);
/* dc-record-type syntax ("TYPE" 1*DIGIT, or 1*(ALPHA/DIGIT/"-")), any
 * case, 1..DC_MAX_TYPE_LEN bytes. Meta types (SOA, ANY, AXFR, ...) are
 * refused: a template cannot write them. On success `out` (size >=
 * DC_MAX_TYPE_LEN + 1) holds the upper-case name. Returns NULL or the
 * reason. */
const char *dci_type_problem(const char *s, char *out);

/* dc_template_parse and dc_zone_from_json on an already parsed JSON value
 * (a member of an apply request): same checks, same statuses. */
struct json_t;
dc_status dci_template_from_value(dc_client *c, struct json_t *root, dc_template **out);
dc_status dci_zone_from_value(dc_client *c, struct json_t *root, dc_zone **out);

enum { DCI_ESS_ALWAYS = 0, DCI_ESS_ONAPPLY = 1 };
enum { DCI_TXT_NONE = 0, DCI_TXT_ALL = 1, DCI_TXT_PREFIX = 2 };

/* ---- template */

/* A numeric field: absent, a literal, or a string holding %variables%
 * (checked at apply: it must be exactly one variable). */
struct dci_tnum {
  bool present;
  long value;  /* literal */
  char *expr;  /* non-NULL: string with variables */
};

struct dci_trec {
  enum dci_kind kind;
  char *type;       /* upper case */
  char *host;       /* host, or name for SRV; NULL = absent */
  char *points_to;
  char *data;
  char *target;
  char *spf_rules;
  char *protocol;
  char *service;
  struct dci_tnum ttl, priority, weight, port;
  char *group_id;
  int essential;            /* DCI_ESS_* */
  bool essential_given;
  int txt_mode;             /* DCI_TXT_* */
  bool txt_mode_given;
  char *txt_prefix;
};

struct dc_template {
  char *provider_id;
  char *provider_name;
  char *service_id;
  char *service_name;
  long version;             /* -1 absent */
  char *logo_url;
  char *description;
  char *variable_description;
  char *sync_pub_key_domain;
  char *sync_redirect_domain;
  /* booleans: value, and whether the document gave them (to_json) */
  int sync_block, shared, shared_provider_name, shared_service_name,
      multi_instance, warn_phishing, host_required;
  unsigned given;           /* DCI_G_* bits */
  struct dci_trec *recs;
  size_t nrecs;
};

enum {
  DCI_G_SYNC_BLOCK = 1u << 0,
  DCI_G_SHARED = 1u << 1,
  DCI_G_SHARED_PROVIDER = 1u << 2,
  DCI_G_SHARED_SERVICE = 1u << 3,
  DCI_G_MULTI_INSTANCE = 1u << 4,
  DCI_G_WARN_PHISHING = 1u << 5,
  DCI_G_HOST_REQUIRED = 1u << 6
};

/* ---- zone records: immutable once made, shared between zones by
 * reference count (a copied or final zone costs one pointer per record). */
struct dci_rec {
  _Atomic size_t refs;
  enum dci_kind kind;
  const char *type;         /* upper case */
  const char *name;         /* zone-relative, lower case, "@" = apex */
  const char *data;
  const char *txt;          /* TXT: the logical value (strings joined) */
  const char *protocol;     /* NULL = absent */
  const char *service;
  long ttl, priority, weight, port; /* -1 = absent */
  const char *dc_json;      /* the _dc object as compact JSON, or NULL */
  /* _dc members we interpret (NULL = absent or not a string) */
  const char *dc_id, *dc_provider, *dc_service, *dc_host, *dc_essential,
      *dc_group;
  char buf[];               /* the strings above */
};

/* What a record is made from (all strings copied; NULL = absent). */
struct dci_rec_spec {
  const char *type, *name, *data, *protocol, *service;
  long ttl, priority, weight, port;
  const char *dc_json;
  const char *dc_id, *dc_provider, *dc_service, *dc_host, *dc_essential,
      *dc_group;
};

/* Makes a record (refs 1). `type`/`name`/`data` are stored as given: the
 * caller has normalised them. NULL on allocation failure. */
struct dci_rec *dci_rec_make(const struct dci_rec_spec *sp);
void dci_rec_ref(struct dci_rec *r);
void dci_rec_unref(struct dci_rec *r);

/* The logical value of TXT presentation data: when it is one or more
 * double-quoted character-strings ("a" "b", with \X and \DDD escapes), the
 * strings joined; otherwise the text itself. New string, NULL on OOM. */
char *dci_txt_logical(const char *data);

/* ---- string-keyed multimap with record lists (owner names, instances) */
#define DCI_NONE ((size_t)-1)
struct dci_strmap {
  size_t *slots;            /* node index + 1; 0 = empty */
  size_t nslots;            /* power of two */
  const char **keys;
  uint64_t *hashes;
  size_t *first, *last;     /* record list of each node (DCI_NONE = empty) */
  size_t n, cap;
  bool own_keys;
};

uint64_t dci_hash(const char *s);
/* Node index of `key`, DCI_NONE when absent. */
size_t dci_strmap_get(const struct dci_strmap *m, const char *key, uint64_t h);

struct dc_zone {
  _Atomic size_t refs;      /* dc_zone_free and results holding the zone */
  struct dci_rec **recs;
  size_t n, cap;
  /* owner-name index: one node per name with records, plus every ancestor
   * up to "@" (empty non-terminals), linked as a tree */
  struct dci_strmap names;
  size_t *parent, *first_child, *next_sibling; /* per name node */
  size_t *next_name;        /* per record: next record at the same name */
  /* multi-aware state: records by instance (providerId, serviceId, _dc.id)
   * and by template and host (providerId, serviceId, _dc.host) */
  struct dci_strmap inst, tmpl;
  size_t *next_inst, *next_tmpl; /* per record */
  bool indexed;
};

/* An empty zone (refs 1), or NULL on OOM. */
dc_zone *dci_zone_alloc(void);
/* Appends a record (takes the caller's reference). */
dc_status dci_zone_push(dc_zone *z, struct dci_rec *r);
/* Builds the indexes (after the last push). */
dc_status dci_zone_index(dc_zone *z);
void dci_zone_ref(const dc_zone *z);
/* Key of an instance / template+host map entry (new string or NULL). */
char *dci_inst_key(const char *provider, const char *service, const char *id);
char *dci_tmpl_key(const char *provider, const char *service, const char *host);
/* Host as kept in _dc, normalised for comparison ("@" -> "", lower case,
 * one trailing dot removed) into `out` (size DC_MAX_NAME_LEN + 2). */
void dci_norm_host(const char *h, char *out, size_t outsz);

/* Appends the JSON of record `r` to `b`. */
dc_status dci_rec_append_json(dci_buf *b, const struct dci_rec *r);
/* The zone as a JSON array of records (what dc_zone_to_json returns). */
dc_status dci_zone_append_json(dci_buf *b, const dc_zone *z);

/* ---- rendering helpers (render.c) */

/* Variables: `s` is checked for %name% syntax (names of ALPHA / DIGIT /
 * "-" / "_"). Returns NULL or the reason. */
const char *dci_var_syntax_problem(const char *s);
/* True when `s` is exactly one %variable%. */
bool dci_is_sole_var(const char *s);

/* Substitution context. */
struct dci_param {
  char *name;
  char *value;
};
struct dci_subst_ctx {
  const char *domain;       /* normalised zone apex */
  const char *host;         /* normalised host, "" at the apex */
  const char *fqdn;         /* host.domain or domain */
  const struct dci_param *params;
  size_t nparams;
};

/* Replaces every %name% of `in`, left to right, never re-scanning
 * inserted text. Built-ins domain, host, fqdn first, then the parameters,
 * both matched ignoring ASCII case (an exact-case parameter wins over a
 * differently-cased one). `field` names the field in details.
 * DC_E_MISSING_VARIABLE, DC_E_TEMPLATE (unclosed), DC_E_LIMIT, DC_E_NOMEM. */
dc_status dci_subst(dc_client *c, const struct dci_subst_ctx *x, const char *field,
                    const char *in, char **out);

/* Syntax checks (no allocation). Each returns NULL or a reason. */
/* Strict dotted quad (no leading zeros, no short forms). */
bool dci_valid_ipv4(const char *s);
bool dci_valid_ipv6(const char *s);
/* A host name: labels of 1..63 letters, digits, '-' or '_' (no '-' at
 * either end of a label), one optional trailing dot, at most 253 bytes
 * without it. */
const char *dci_target_problem(const char *s);
/* An http(s) URL for REDIR301/302. */
const char *dci_url_problem(const char *s);
/* A control byte (0x00-0x1f, 0x7f) in `s`? */
bool dci_has_ctl(const char *s);
/* Lower-cases ASCII in place. */
void dci_lower_str(char *s);

/* ---- SPF (spf.c) */
/* True when the logical TXT value is an SPF record ("v=spf1" alone or
 * followed by a space; any case). */
bool dci_is_spf(const char *txt);
/* Checks rendered spfRules: terms of printable ASCII separated by spaces,
 * at least one, no "v=spf1" and no "all" term. NULL or the reason. */
const char *dci_spf_rules_problem(const char *rules);
/* The record for rules alone: "v=spf1 RULES ~all" (terms normalised to one
 * space). */
dc_status dci_spf_new(const char *rules, char **out);
/* Merges rules into an existing SPF value: new terms first (in rule
 * order), then the existing terms in their order; a term already present
 * (same mechanism, any case) is not repeated, and when the qualifiers
 * differ the least restrictive is kept in place (+ over ? over ~ over -).
 * *out is NULL when nothing changes. */
dc_status dci_spf_merge(const char *rules, const char *existing, char **out);

/* The domain set with dc_apply_opts_set_domain, as given (NULL if none);
 * for callers that need the apex the engine will use (dc_domain_normalize). */
const char *dci_apply_opts_domain(const dc_apply_opts *o);

#endif
