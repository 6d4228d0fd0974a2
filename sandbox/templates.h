/* domainconnect-sandbox: the templates it supports (every *.json of the
 * configured template directories, parsed with dc_template_load). */
#ifndef SBX_TEMPLATES_H
#define SBX_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>

#include <domainconnect/dc.h>
#include <domainconnect/template.h>

struct sbx_template {
  dc_template *t;
  char *provider_id, *service_id; /* borrowed from t */
  char *path;
};

struct sbx_templates {
  struct sbx_template *items;
  size_t n;
};

/* Loads every *.json file of the directories; files that do not parse are
 * logged and skipped; a (providerId, serviceId) pair given twice keeps the
 * first. Fails only when a directory cannot be read. */
bool sbx_templates_load(struct sbx_templates *ts, char *const *dirs, size_t ndirs,
                        char *err, size_t errsz);
void sbx_templates_free(struct sbx_templates *ts);
/* Exact, case-sensitive lookup (docs/protocol.md §2.2 step 1). */
const struct sbx_template *sbx_templates_find(const struct sbx_templates *ts,
                                              const char *provider_id,
                                              const char *service_id);
/* True when some template has this providerId. */
bool sbx_templates_has_provider(const struct sbx_templates *ts, const char *provider_id);

#endif
