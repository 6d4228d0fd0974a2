/* domainconnect-sandbox: template registry. */
#include "templates.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool load_one(struct sbx_templates *ts, const char *path)
{
  dc_client *c = NULL;
  dc_template *t = NULL;
  bool ok = false;
  if (dc_client_new(&c) != DC_OK) return false;
  dc_status st = dc_template_load(c, path, &t);
  if (st != DC_OK) {
    sbx_log(SBX_WARN, "template %s skipped: %s: %s", path, dc_status_name(st), dc_client_error(c));
    ok = true; /* not fatal */
    goto done;
  }
  const char *p = dc_template_provider_id(t), *s = dc_template_service_id(t);
  if (p == NULL || s == NULL) {
    sbx_log(SBX_WARN, "template %s skipped: no providerId/serviceId", path);
    ok = true;
    goto done;
  }
  if (sbx_templates_find(ts, p, s) != NULL) {
    sbx_log(SBX_WARN, "template %s skipped: %s/%s already loaded", path, p, s);
    ok = true;
    goto done;
  }
  struct sbx_template *it = realloc(ts->items, (ts->n + 1) * sizeof *it);
  if (it == NULL) goto done;
  ts->items = it;
  struct sbx_template *e = &ts->items[ts->n];
  e->path = dcx_strdup(path);
  if (e->path == NULL) goto done;
  e->t = t;
  e->provider_id = (char *)p;
  e->service_id = (char *)s;
  t = NULL;
  ts->n++;
  sbx_log(SBX_INFO, "template %s/%s (%s)", p, s, path);
  ok = true;
done:
  dc_template_free(t);
  dc_client_free(c);
  return ok;
}

bool sbx_templates_load(struct sbx_templates *ts, char *const *dirs, size_t ndirs,
                        char *err, size_t errsz)
{
  for (size_t d = 0; d < ndirs; d++) {
    char **names = NULL;
    size_t n = 0, cap = 0;
    bool ok = true;
    DIR *dir = opendir(dirs[d]);
    if (dir == NULL) {
      snprintf(err, errsz, "cannot read the template directory %s", dirs[d]);
      return false;
    }
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
      size_t len = strlen(de->d_name);
      if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 || de->d_name[0] == '.') continue;
      if (n == cap) {
        cap = cap ? cap * 2 : 32;
        char **nn = realloc(names, cap * sizeof *nn);
        if (nn == NULL) {
          ok = false;
          break;
        }
        names = nn;
      }
      if ((names[n] = dcx_strdup(de->d_name)) == NULL) {
        ok = false;
        break;
      }
      n++;
    }
    closedir(dir);
    if (ok && n > 0) qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; ok && i < n; i++) {
      char path[PATH_MAX];
      if (!sbx_fmt(path, sizeof path, "%s/%s", dirs[d], names[i])) continue;
      ok = load_one(ts, path);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    if (!ok) {
      snprintf(err, errsz, "out of memory loading templates");
      return false;
    }
  }
  return true;
}

void sbx_templates_free(struct sbx_templates *ts)
{
  for (size_t i = 0; i < ts->n; i++) {
    dc_template_free(ts->items[i].t);
    free(ts->items[i].path);
  }
  free(ts->items);
  ts->items = NULL;
  ts->n = 0;
}

const struct sbx_template *sbx_templates_find(const struct sbx_templates *ts,
                                              const char *provider_id, const char *service_id)
{
  if (provider_id == NULL || service_id == NULL) return NULL;
  for (size_t i = 0; i < ts->n; i++)
    if (strcmp(ts->items[i].provider_id, provider_id) == 0 &&
        strcmp(ts->items[i].service_id, service_id) == 0)
      return &ts->items[i];
  return NULL;
}

bool sbx_templates_has_provider(const struct sbx_templates *ts, const char *provider_id)
{
  for (size_t i = 0; i < ts->n; i++)
    if (strcmp(ts->items[i].provider_id, provider_id) == 0) return true;
  return false;
}
