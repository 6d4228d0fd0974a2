/* discover --batch: every domain of a list on one dc_batch, one JSON line
 * each; --shard I/N and --resume FILE to split a list over machines and to
 * go on after an interrupted run (docs/batch-at-scale.md). */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch_keys.h"
#include "cli.h"
#include "discover_batch.h"

#define MAX_PROVIDERS 256

struct batch_state {
  FILE *in;
  char *line;
  size_t cap;
  size_t done, ok;
  size_t by_status[128];
  size_t other_status;
  struct { char *id; size_t n; } prov[MAX_PROVIDERS];
  size_t nprov, prov_other;
  /* --shard and --resume */
  unsigned long shard_i, shard_n;  /* shard_n 0: no sharding */
  cli_keyset answered;
  size_t skipped_shard, skipped_answered;
  size_t resume_lines, resume_ignored;
  bool progress, progress_tty;
  size_t total;                /* domains to do, 0 = unknown (a stream) */
  double t0, last_progress;
  bool read_error;
  dc_batch *batch;             /* for dc_batch_result_dnssec (--dnssec) */
  size_t by_dnssec[5];         /* results per dc_dnssec_state */
};

static double mono_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool is_blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

/* Next domain of the input: trimmed; blank lines and # comments skipped,
 * and so are inputs of other shards and inputs the resume file answered. */
static const char *next_line(void *arg)
{
  struct batch_state *st = arg;
  for (;;) {
    ssize_t n = getline(&st->line, &st->cap, st->in);
    if (n < 0) {
      if (ferror(st->in)) st->read_error = true;
      return NULL;
    }
    size_t len = (size_t)n;
    while (len > 0 && is_blank(st->line[len - 1])) len--;
    st->line[len] = '\0';
    char *p = st->line;
    while (is_blank(*p)) p++;
    if (*p == '\0' || *p == '#') continue;
    if (st->shard_n > 1 && cli_shard_hash(p) % st->shard_n != st->shard_i) {
      st->skipped_shard++;
      continue;
    }
    if (st->answered.n > 0 && cli_keyset_has(&st->answered, p)) {
      st->skipped_answered++;
      continue;
    }
    return p;
  }
}

/* Counts the domains to do in a regular file (same rules as next_line) and
 * rewinds it, so the progress bar knows the total; 0 for streams. */
static size_t count_domains(struct batch_state *st)
{
  struct stat sb;
  if (fstat(fileno(st->in), &sb) != 0 || !S_ISREG(sb.st_mode)) return 0;
  size_t n = 0;
  while (next_line(st) != NULL) n++;
  st->skipped_shard = st->skipped_answered = 0;
  if (st->read_error || fseek(st->in, 0, SEEK_SET) != 0) {
    st->read_error = false;
    clearerr(st->in);
    return 0;
  }
  return n;
}

/* "1h02m", "3m05s", "42s" */
static void fmt_eta(char *out, size_t n, double s)
{
  long t = s < 0 ? 0 : s > 359999 ? 359999 : (long)(s + 0.5);
  if (t >= 3600) snprintf(out, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
  else if (t >= 60) snprintf(out, n, "%ldm%02lds", t / 60, t % 60);
  else snprintf(out, n, "%lds", t);
}

/* Progress on stderr: a bar with the rate and the time left when the total
 * is known, a counter with the rate for a stream. On a terminal it is
 * redrawn in place at most five times a second; elsewhere (--progress into
 * a file or a pipe) one line every two seconds. */
static void show_progress(struct batch_state *st, bool final)
{
  double now = mono_s();
  if (!final && now - st->last_progress < (st->progress_tty ? 0.2 : 2.0)) return;
  st->last_progress = now;
  double el = now - st->t0;
  double rate = el > 0 ? (double)st->done / el : 0.0;
  const char *cr = st->progress_tty ? "\r" : "";
  const char *nl = final || !st->progress_tty ? "\n" : "";
  if (st->total > 0) {
    enum { WIDTH = 30 };
    size_t filled = st->done >= st->total ? WIDTH : st->done * WIDTH / st->total;
    char bar[WIDTH + 1], eta[32] = "?";
    for (size_t i = 0; i < WIDTH; i++) bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    if (rate > 0) fmt_eta(eta, sizeof eta, (double)(st->total - (st->done < st->total ? st->done : st->total)) / rate);
    fprintf(stderr, "%s[%s] %3zu%% %zu/%zu, %zu ok, %.0f/s, ETA %s   %s", cr, bar,
            st->done >= st->total ? (size_t)100 : st->done * 100 / st->total,
            st->done, st->total, st->ok, rate, eta, nl);
  } else {
    fprintf(stderr, "%sdiscover: %zu done, %zu ok, %.0f/s   %s", cr, st->done, st->ok,
            rate, nl);
  }
  fflush(stderr);
}

static void count_provider(struct batch_state *st, const char *id)
{
  size_t i;
  for (i = 0; i < st->nprov; i++)
    if (strcmp(st->prov[i].id, id) == 0) break;
  if (i < st->nprov) {
    st->prov[i].n++;
  } else if (st->nprov < MAX_PROVIDERS && (st->prov[st->nprov].id = strdup(id)) != NULL) {
    st->prov[st->nprov++].n = 1;
  } else {
    st->prov_other++;
  }
}

static void on_batch_result(void *arg, const char *input, dc_status status,
                            const dc_settings *s, const char *detail)
{
  struct batch_state *st = arg;
  st->done++;
  dc_dnssec_state sec[3];
  dc_batch_result_dnssec(st->batch, &sec[0], &sec[1], &sec[2]);
  if ((size_t)sec[0] < 5) st->by_dnssec[sec[0]]++;
  if ((size_t)status < sizeof st->by_status / sizeof st->by_status[0])
    st->by_status[status]++;
  else
    st->other_status++;
  if (status == DC_OK && s != NULL && cli_discover_print_line(s, input) == EXIT_OK) {
    st->ok++;
    count_provider(st, dc_settings_provider_id(s));
  } else {
    fputs("{\"input\":", stdout);
    cli_json_str(stdout, input);
    fputs(",\"status\":", stdout);
    cli_json_str(stdout, status == DC_OK ? "internal" : dc_status_name(status));
    fputs(",\"error\":", stdout);
    cli_json_str(stdout, status == DC_OK ? "settings could not be printed" : detail);
    cli_print_dnssec(stdout, sec[0], sec[1], sec[2], NULL);
    fputs("}\n", stdout);
  }
  if (st->progress) show_progress(st, false);
}

static void print_summary(struct batch_state *st, const struct batch_opts *bo)
{
  double el = mono_s() - st->t0;
  fprintf(stderr, "discover --batch: %zu domains in %.2f s (%.1f/s)\n", st->done, el,
          el > 0 ? (double)st->done / el : 0.0);
  if (st->shard_n > 0)
    fprintf(stderr, "  shard %lu/%lu: %zu inputs of other shards skipped\n", st->shard_i,
            st->shard_n, st->skipped_shard);
  if (bo->resume != NULL)
    fprintf(stderr, "  resume: %zu answered inputs read (%zu lines ignored), %zu inputs skipped\n",
            st->answered.n, st->resume_ignored, st->skipped_answered);
  fputs("  by outcome:", stderr);
  for (size_t i = 0; i < sizeof st->by_status / sizeof st->by_status[0]; i++)
    if (st->by_status[i] > 0)
      fprintf(stderr, " %s=%zu", i == 0 ? "ok" : dc_status_name((dc_status)i),
              st->by_status[i]);
  if (st->other_status > 0) fprintf(stderr, " other=%zu", st->other_status);
  fputs("\n  by provider:", stderr);
  for (size_t i = 0; i < st->nprov; i++)
    fprintf(stderr, " %s=%zu", st->prov[i].id, st->prov[i].n);
  if (st->prov_other > 0) fprintf(stderr, " (others)=%zu", st->prov_other);
  if (st->nprov == 0 && st->prov_other == 0) fputs(" none", stderr);
  fputs("\n", stderr);
  if (st->by_dnssec[DC_DNSSEC_UNCHECKED] < st->done) {
    fputs("  by DNSSEC state:", stderr);
    for (int i = 0; i < 5; i++)
      if (st->by_dnssec[i] > 0)
        fprintf(stderr, " %s=%zu", dc_dnssec_state_name((dc_dnssec_state)i), st->by_dnssec[i]);
    fputs("\n", stderr);
  }
}

int cli_batch_check(const char *cmd, struct batch_opts *bo)
{
  if (bo->file == NULL) {
    if (bo->concurrency != 0 || bo->cache_ttl != 0)
      return cli_usage(cmd, "--concurrency and --cache-ttl need --batch");
    if (bo->shard != NULL || bo->resume != NULL || bo->progress)
      return cli_usage(cmd, "--shard, --resume and --progress need --batch");
    return -1;
  }
  if (bo->shard != NULL && !cli_shard_parse(bo->shard, &bo->shard_i, &bo->shard_n))
    return cli_usage(cmd, "--shard takes I/N with 0 <= I < N <= 65536");
  return -1;
}

/* The inputs answered by complete lines (ending in a newline) of an
 * earlier output; a last line cut by a crash, and lines that are not
 * result lines, are counted as ignored. false: the file cannot be read
 * (message printed) or out of memory. */
static bool load_resume(const char *cmd, const char *path, struct batch_state *st)
{
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    char why[160];
    const char *problem = cli_file_problem(path, why, sizeof why);
    fprintf(stderr, "domainconnect %s: --resume %s: %s\n", cmd, path,
            problem ? problem : "cannot be opened");
    return false;
  }
  char *line = NULL, key[CLI_RESUME_INPUT_MAX];
  size_t cap = 0;
  ssize_t n;
  bool ok = true;
  while (ok && (n = getline(&line, &cap, f)) >= 0) {
    st->resume_lines++;
    if (n == 0 || line[n - 1] != '\n' ||
        cli_resume_input(line, (size_t)n - 1, key, sizeof key) < 0) {
      st->resume_ignored++;
      continue;
    }
    if (!cli_keyset_add(&st->answered, key)) {
      fprintf(stderr, "domainconnect %s: --resume %s: out of memory\n", cmd, path);
      ok = false;
    }
  }
  if (ok && ferror(f)) {
    fprintf(stderr, "domainconnect %s: --resume %s: read error\n", cmd, path);
    ok = false;
  }
  free(line);
  fclose(f);
  return ok;
}

/* Each domain in flight may hold a DNS socket and a TLS connection, and the
 * connection cache keeps some more: raise the soft RLIMIT_NOFILE towards
 * the hard limit when the concurrency needs it; warn when it cannot. */
static void raise_nofile(const char *cmd, long concurrency)
{
  rlim_t need = (rlim_t)concurrency * 2 + 64;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need) return;
  rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
  struct rlimit nrl = {want, rl.rlim_max};
  if (want > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &nrl) == 0) rl.rlim_cur = want;
  if (rl.rlim_cur < need)
    fprintf(stderr, "domainconnect %s: warning: open file limit %llu is below the %llu "
            "that --concurrency %ld may need\n", cmd, (unsigned long long)rl.rlim_cur,
            (unsigned long long)need, concurrency);
}

static int open_input(const char *cmd, const struct batch_opts *bo, struct batch_state *st)
{
  if (strcmp(bo->file, "-") == 0) {
    st->in = stdin;
    return EXIT_OK;
  }
  st->in = fopen(bo->file, "r");
  if (st->in != NULL) return EXIT_OK;
  char why[160];
  const char *problem = cli_file_problem(bo->file, why, sizeof why);
  fprintf(stderr, "domainconnect %s: %s: %s\n", cmd, bo->file,
          problem ? problem : "cannot be opened");
  return EXIT_REFUSED;
}

int cli_batch_run(const char *cmd, dc_client *c, const struct batch_opts *bo)
{
  struct batch_state st;
  dc_batch *b = NULL;
  int rc = EXIT_REFUSED;
  memset(&st, 0, sizeof st);
  if (open_input(cmd, bo, &st) != EXIT_OK) return EXIT_REFUSED;
  if (bo->shard != NULL) {
    st.shard_i = bo->shard_i;
    st.shard_n = bo->shard_n;
  }
  if (bo->resume != NULL && !load_resume(cmd, bo->resume, &st)) goto done;
  raise_nofile(cmd, bo->concurrency > 0 ? bo->concurrency : DC_BATCH_DEFAULT_CONCURRENCY);
  st.progress_tty = isatty(STDERR_FILENO) == 1;
  st.progress = bo->progress || st.progress_tty;
  if (st.progress) st.total = count_domains(&st);
  st.t0 = mono_s();
  dc_status s = dc_batch_new(c, (size_t)bo->concurrency, on_batch_result, &st, &b);
  st.batch = b;
  if (s == DC_OK) s = dc_batch_set_cache_ttl(b, bo->cache_ttl);
  if (s == DC_OK) s = dc_batch_set_source(b, next_line, &st);
  if (s == DC_OK) s = dc_batch_run(b);
  fflush(stdout);
  if (st.progress) show_progress(&st, true);
  if (s != DC_OK) {
    rc = cli_fail(cmd, c, s);
  } else if (st.read_error) {
    fprintf(stderr, "domainconnect %s: error reading %s\n", cmd, bo->file);
  } else if (ferror(stdout)) {
    fprintf(stderr, "domainconnect %s: error writing the results\n", cmd);
  } else {
    rc = EXIT_OK;
  }
  print_summary(&st, bo);
done:
  dc_batch_free(b);
  for (size_t i = 0; i < st.nprov; i++) free(st.prov[i].id);
  cli_keyset_free(&st.answered);
  free(st.line);
  if (st.in != stdin) fclose(st.in);
  return rc;
}
