/* Applying a template: what the apply files share (docs/template-engine.md,
 * "Applying"). Only the apply files include it:
 *   apply.c            dc_template_apply: the steps, in order
 *   apply_opts.c       the apply-options object (dc_apply_opts_*)
 *   apply_plan.c       rendering template records into plans
 *   apply_conflicts.c  deletion marks: prior instances, conflicts, SPF
 *                      merging, cascades, identical records
 *   apply_result.c     the result: building it, accessors, JSON */
#ifndef DC_TEMPLATE_APPLY_INTERNAL_H
#define DC_TEMPLATE_APPLY_INTERNAL_H

#include "template/tpl_internal.h"

/* ---- options (apply_opts.c) */

struct dci_redir {
  char *type;
  char *data;
  long ttl;
};

struct dc_apply_opts {
  char *domain;
  char *host;
  struct dci_param *params;
  size_t nparams;
  char **groups;
  size_t ngroups;
  bool multi_aware;
  char *instance_id;
  bool force;
  struct dci_redir redir[DC_MAX_REDIRECT_RECORDS];
  size_t nredir;
  char *sig_query;
  char **key_txt;
  size_t nkey;
  bool ignore_sig;
};

/* ---- deletion marks: zone record index -> reason (apply_conflicts.c) */

enum { DCI_R_UPDATE = 1, DCI_R_CONFLICT, DCI_R_CASCADE, DCI_R_SPF, DCI_R_IDENTICAL };

struct dci_marks {
  size_t *slots;      /* index + 1; 0 empty */
  unsigned char *why; /* per slot */
  size_t nslots;
  size_t *list;       /* marked indices, in marking order */
  size_t n, cap;
};

/* The reason record `idx` is marked with, 0 when it is not. */
int dci_marks_get(const struct dci_marks *m, size_t idx);
void dci_marks_free(struct dci_marks *m);

/* ---- plans: rendered records (apply_plan.c) */

struct dci_plan {
  enum dci_kind kind;
  char *type;
  char *name;          /* zone-relative, lower case */
  char *data;
  char *protocol, *service;
  long ttl, priority, weight, port;
  int txt_mode;
  const char *txt_prefix;
  int essential;
  const char *group_id;
  size_t tpl;          /* template record index */
  bool skip;           /* identical record already in the zone */
  bool stateless;      /* SPF TXT made by SPFM: no _dc */
  char *spf_rules;     /* SPFM */
};

/* One apply in progress. */
struct dci_apply {
  dc_client *c;
  const dc_template *t;
  const dc_zone *z;
  const dc_apply_opts *o;
  char *domain;
  char host[DC_MAX_NAME_LEN + 2];
  char fqdn[2 * DC_MAX_NAME_LEN + 4]; /* host (checked <= 253 with the domain) + domain */
  struct dci_subst_ctx sx;
  struct dci_plan *plans;
  size_t np, capp;
  struct dci_marks m;
  char *inst_id;
};

void dci_plan_free(struct dci_plan *p);
/* Step 2: renders template record i into one plan (a REDIR: its backing
 * records, then itself). */
dc_status dci_render_record(struct dci_apply *x, size_t i);

/* ---- the steps on the zone (apply_conflicts.c) */

/* Step 2, end: exact duplicate plans are written once; two plans that
 * cannot coexist are DC_E_RECORD. */
dc_status dci_plans_check(struct dci_apply *x);
/* Step 3: marks the previous instance of the template on this host (unless
 * multiInstance) and the instance being re-applied; *reuse_id gets the id
 * of the first record of the former. */
dc_status dci_prior_instances(struct dci_apply *x, const char **reuse_id);
/* Step 4: marks the zone records that conflict with plan p. */
dc_status dci_plan_conflicts(struct dci_apply *x, const struct dci_plan *p);
/* Step 5: the SPFM plan pi merges into the SPF TXT at its name, or becomes
 * one. */
dc_status dci_spfm(struct dci_apply *x, size_t pi);
/* Step 6: a conflicting essential record takes its whole instance. */
dc_status dci_cascade(struct dci_apply *x);
/* Step 7: identical records are not written again, nor reported. */
void dci_identical(struct dci_apply *x);

/* ---- result (apply_result.c) */

/* Step 8: the result from the plans and the marks; *conflict is true when
 * conflicting records remain without force (the result then holds them). */
dc_status dci_build_result(struct dci_apply *x, dc_apply_result **out, bool *conflict);

#endif
