/* template apply --batch FILE|-: one JSON request per line in, one JSON
 * answer per line out, in input order, in one process (help text in
 * cmd_template.c; docs/template-engine.md, "Apply requests"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Longest request line: the library's DC_MAX_APPLY_REQUEST (src/core/
 * limits.h), which the CLI cannot include; the library checks it again. */
#define BATCH_LINE_MAX (4u * 1024 * 1024)
/* Files kept parsed for the whole batch (read once each). */
#define BATCH_TEMPLATES 32
#define BATCH_ZONES 4
#define ZONE_FILE_MAX (64u * 1024 * 1024)

struct cached {
  char *path;
  dc_template *tpl;
  dc_zone *zone;
};

struct batch {
  dc_client *c;
  struct cached tpl[BATCH_TEMPLATES], zone[BATCH_ZONES];
  size_t ntpl, nzone, next_tpl, next_zone;
  size_t lines, applied, failed;
};

/* One answer line (status DC_OK = "ok"). result: JSON text or NULL. */
static void answer(size_t line, dc_status st, int exit_code, const char *result,
                   const char *error)
{
  printf("{\"line\":%zu,\"status\":\"%s\",\"exit\":%d", line,
         st == DC_OK ? "ok" : dc_status_name(st), exit_code);
  if (result != NULL) printf(",\"result\":%s", result);
  if (error != NULL) {
    fputs(",\"error\":", stdout);
    cli_json_str(stdout, error);
  }
  fputs("}\n", stdout);
  fflush(stdout); /* a caller driving the tool line by line gets each answer */
}

/* Slot for a new cache entry (round robin once full; the old one freed). */
static struct cached *cache_slot(struct cached *arr, size_t cap, size_t *n, size_t *next)
{
  struct cached *e;
  if (*n < cap) {
    e = &arr[(*n)++];
  } else {
    e = &arr[*next];
    *next = (*next + 1) % cap;
    free(e->path);
    dc_template_free(e->tpl);
    dc_zone_free(e->zone);
  }
  memset(e, 0, sizeof *e);
  return e;
}

static struct cached *cache_find(struct cached *arr, size_t n, const char *path)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(arr[i].path, path) == 0) return &arr[i];
  return NULL;
}

/* The template of a templateFile: from the cache, or loaded (as a single
 * apply does: dc_template_load). On failure *why holds the detail. */
static dc_status batch_template(struct batch *b, const char *path, const dc_template **out,
                                char *why, size_t n)
{
  struct cached *e = cache_find(b->tpl, b->ntpl, path);
  if (e != NULL) {
    *out = e->tpl;
    return DC_OK;
  }
  dc_template *t = NULL;
  dc_status st = dc_template_load(b->c, path, &t);
  if (st != DC_OK) {
    char file[160];
    const char *problem = st == DC_E_IO ? cli_file_problem(path, file, sizeof file) : NULL;
    if (problem != NULL)
      snprintf(why, n, "%s: %s: %s", dc_client_error(b->c), path, problem);
    else
      snprintf(why, n, "%s", dc_client_error(b->c));
    return st;
  }
  char *p = strdup(path);
  if (p == NULL) {
    dc_template_free(t);
    snprintf(why, n, "out of memory");
    return DC_E_NOMEM;
  }
  e = cache_slot(b->tpl, BATCH_TEMPLATES, &b->ntpl, &b->next_tpl);
  e->path = p;
  e->tpl = t;
  *out = t;
  return DC_OK;
}

/* The zone of a zoneFile, likewise (cli_load_file + dc_zone_from_json). */
static dc_status batch_zone(struct batch *b, const char *path, const dc_zone **out,
                            char *why, size_t n)
{
  struct cached *e = cache_find(b->zone, b->nzone, path);
  if (e != NULL) {
    *out = e->zone;
    return DC_OK;
  }
  size_t len = 0;
  char *text = cli_load_file(path, ZONE_FILE_MAX, false, &len, why, n);
  if (text == NULL) return DC_E_IO;
  dc_zone *z = NULL;
  dc_status st = dc_zone_from_json(b->c, text, len, &z);
  free(text);
  char *p = st == DC_OK ? strdup(path) : NULL;
  if (st == DC_OK && p == NULL) st = DC_E_NOMEM;
  if (st != DC_OK) {
    dc_zone_free(z);
    snprintf(why, n, "%s", st == DC_E_NOMEM ? "out of memory" : dc_client_error(b->c));
    return st;
  }
  e = cache_slot(b->zone, BATCH_ZONES, &b->nzone, &b->next_zone);
  e->path = p;
  e->zone = z;
  *out = z;
  return DC_OK;
}

/* What a single `template apply` exits with when the request itself is
 * bad: its options would have been a usage error (2), except for what the
 * template or zone documents say (1). */
static int request_exit(dc_status st)
{
  switch (st) {
  case DC_E_TEMPLATE:
  case DC_E_RECORD_TYPE:
  case DC_E_ZONE:
  case DC_E_NOMEM: return EXIT_REFUSED;
  default: return EXIT_USAGE;
  }
}

/* One request line; returns true when it applied. */
static bool batch_line(struct batch *b, size_t lineno, const char *text, size_t len)
{
  dc_apply_request *req = NULL;
  dc_apply_result *res = NULL;
  char *json = NULL;
  char why[768];
  bool ok = false;
  dc_status st = dc_apply_request_parse(b->c, text, len, &req);
  if (st != DC_OK) {
    answer(lineno, st, request_exit(st), NULL, dc_client_error(b->c));
    return false;
  }
  const dc_template *t = dc_apply_request_template(req);
  const dc_zone *z = dc_apply_request_zone(req);
  if (t == NULL) st = batch_template(b, dc_apply_request_template_file(req), &t, why, sizeof why);
  if (st == DC_OK && z == NULL)
    st = batch_zone(b, dc_apply_request_zone_file(req), &z, why, sizeof why);
  if (st != DC_OK) {
    answer(lineno, st, EXIT_REFUSED, NULL, why);
    goto done;
  }
  st = dc_template_apply(b->c, t, z, dc_apply_request_opts(req), &res);
  if (st != DC_OK && st != DC_E_CONFLICT) {
    answer(lineno, st, EXIT_REFUSED, NULL, dc_client_error(b->c));
    goto done;
  }
  if (dc_apply_result_to_json(res, &json) != DC_OK) {
    answer(lineno, DC_E_NOMEM, EXIT_REFUSED, NULL, "out of memory");
    goto done;
  }
  ok = st == DC_OK;
  answer(lineno, st, ok ? EXIT_OK : EXIT_REFUSED, json, ok ? NULL : dc_client_error(b->c));
done:
  dc_free(json);
  dc_apply_result_free(res);
  dc_apply_request_free(req);
  return ok;
}

/* Reads one line without its "\n" (and a "\r" before it) into buf (cap + 1
 * bytes). Returns 0 at the end, 1 for a line, 2 for a line longer than cap
 * (the rest is skipped), -1 on a read error. */
static int read_line(FILE *in, char *buf, size_t cap, size_t *len)
{
  size_t n = 0;
  int ch = EOF;
  bool any = false, over = false;
  while ((ch = getc_unlocked(in)) != EOF) {
    any = true;
    if (ch == '\n') break;
    if (n < cap) buf[n++] = (char)ch;
    else over = true;
  }
  if (ch == EOF && ferror(in)) return -1;
  if (!any) return 0;
  if (!over && n > 0 && buf[n - 1] == '\r') n--;
  buf[n] = '\0';
  *len = n;
  return over ? 2 : 1;
}

/* "unreadable (a directory)" and the like for a failed read. */
static void describe_read_error(int err, char *out, size_t n)
{
  if (err == EISDIR) snprintf(out, n, "unreadable (a directory)");
  else snprintf(out, n, "unreadable (%s)", strerror(err));
}

static bool blank(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t') return false;
  return true;
}

static int run(struct batch *b, FILE *in, const char *path)
{
  char *line = malloc(BATCH_LINE_MAX + 1);
  if (line == NULL) {
    fprintf(stderr, "domainconnect template: out of memory\n");
    return EXIT_REFUSED;
  }
  int r;
  size_t len = 0;
  while ((r = read_line(in, line, BATCH_LINE_MAX, &len)) > 0) {
    b->lines++;
    if (r == 1 && blank(line, len)) continue;
    if (r == 2) {
      char msg[96];
      snprintf(msg, sizeof msg, "line longer than %u bytes", BATCH_LINE_MAX);
      answer(b->lines, DC_E_LIMIT, EXIT_USAGE, NULL, msg);
      b->failed++;
    } else if (batch_line(b, b->lines, line, len)) {
      b->applied++;
    } else {
      b->failed++;
    }
  }
  int saved = errno;
  free(line);
  if (r < 0) {
    char why[160];
    describe_read_error(saved, why, sizeof why);
    fprintf(stderr, "domainconnect template: %s: read error after line %zu: %s\n",
            strcmp(path, "-") == 0 ? "standard input" : path, b->lines, why);
    return EXIT_REFUSED;
  }
  fprintf(stderr, "template apply --batch: %zu applied, %zu failed\n", b->applied, b->failed);
  return b->failed ? EXIT_BATCH_PARTIAL : EXIT_OK;
}

int cli_template_batch(const char *path)
{
  struct batch b;
  memset(&b, 0, sizeof b);
  FILE *in = stdin;
  if (strcmp(path, "-") != 0 && (in = fopen(path, "re")) == NULL) {
    char why[160];
    const char *problem = cli_file_problem(path, why, sizeof why);
    fprintf(stderr, "domainconnect template: %s: %s\n", path,
            problem ? problem : "cannot be opened");
    return EXIT_REFUSED;
  }
  int rc = EXIT_REFUSED;
  if (dc_client_new(&b.c) == DC_OK) rc = run(&b, in, path);
  else fprintf(stderr, "domainconnect template: out of memory\n");
  for (size_t i = 0; i < b.ntpl; i++) {
    free(b.tpl[i].path);
    dc_template_free(b.tpl[i].tpl);
  }
  for (size_t i = 0; i < b.nzone; i++) {
    free(b.zone[i].path);
    dc_zone_free(b.zone[i].zone);
  }
  dc_client_free(b.c);
  if (in != stdin) fclose(in);
  return rc;
}
