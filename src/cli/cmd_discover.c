/* discover and check-template: discovery over DNS and HTTPS. */
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char k_discover_help[] =
  "usage: domainconnect discover [--soa] [--psl-file FILE] [NETWORK OPTIONS]\n"
  "         DOMAIN\n"
  "       domainconnect discover --batch FILE|- [--concurrency N] [--cache-ttl S]\n"
  "         [--soa] [--psl-file FILE] [NETWORK OPTIONS]\n\n"
  "Discovers the DNS provider of DOMAIN: zone split, TXT _domainconnect.{zone},\n"
  "then GET https://{txt}/v2/{zone}/settings through the SSRF guard. Prints the\n"
  "settings as one JSON object on one line, with the spec's field names plus\n"
  "\"domain\" (the zone) and \"host\" (the part left of it, \"\" at the apex),\n"
  "and \"unknown\": an object of the document's other members, as they came\n"
  "(only when it has any).\n\n"
  "  --soa                  find the zone by walking SOA records upwards\n"
  "                         (delegated sub-zones) instead of the public\n"
  "                         suffix list alone\n"
  "  --psl-file FILE        public suffix list for the zone split\n"
  "  --batch FILE|-         discover every domain of FILE (one per line; blank\n"
  "                         lines and # comments skipped) concurrently; one\n"
  "                         JSON line per domain on stdout: {\"input\",\"status\"\n"
  "                         (ok or the status name), the settings fields,\n"
  "                         \"domain\",\"host\"} or {\"input\",\"status\",\"error\"};\n"
  "                         a summary on stderr; exit 0 when the batch ran\n"
  "  --concurrency N        domains in flight at once (1..4096, default 64)\n"
  "  --cache-ttl S          reuse a zone's settings from one provider for S\n"
  "                         seconds (0..86400, default 0 = off)\n";

static const char k_check_help[] =
  "usage: domainconnect check-template [--soa] [--psl-file FILE]\n"
  "         [NETWORK OPTIONS] DOMAIN PROVIDER_ID SERVICE_ID\n\n"
  "Discovers DOMAIN's provider, then asks its API whether it supports the\n"
  "template (GET {urlAPI}/v2/domainTemplates/providers/{P}/services/{S}).\n"
  "Prints {\"supported\":true,\"version\":N} (null when the provider gives no\n"
  "version) and exits 0; a template that is not supported (404) exits 1 with\n"
  "a not_supported line on stderr.\n\n"
  "  --soa                  find the zone by walking SOA records\n"
  "  --psl-file FILE        public suffix list for the zone split\n";

enum { O_SOA = 256, O_PSL, O_BATCH, O_CONC, O_TTL };

#define MAX_OPTS 16

/* Parses the options and the positional arguments; returns -1 to go on, or
 * an exit code. */
struct batch_opts {
  const char *file;  /* --batch */
  long concurrency;
  long cache_ttl;
};

static int parse_args(const char *cmd, const char *help, dc_client *c, int argc,
                      char **argv, int npos, struct batch_opts *bo)
{
  static const struct option mine[] = {
    {"soa", no_argument, NULL, O_SOA},
    {"psl-file", required_argument, NULL, O_PSL},
    {"help", no_argument, NULL, 'h'},
    {"batch", required_argument, NULL, O_BATCH},
    {"concurrency", required_argument, NULL, O_CONC},
    {"cache-ttl", required_argument, NULL, O_TTL},
  };
  struct option opts[MAX_OPTS];
  /* the batch options only for discover */
  cli_opts_merge(opts, MAX_OPTS, mine, sizeof mine / sizeof mine[0] - (bo != NULL ? 0 : 3),
                 cli_netopt_long);
  int ch;
  cli_getopt_reset();
  while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    dc_status st = DC_OK;
    int rc = 0;
    switch (ch) {
    case 'h':
      fputs(help, stdout);
      fputs("\n", stdout);
      fputs(cli_netopt_help, stdout);
      return EXIT_OK;
    case O_SOA: st = dc_client_set_zone_mode(c, DC_ZONE_SOA); break;
    case O_PSL: st = dc_client_set_psl_file(c, optarg); break;
    case O_BATCH: bo->file = optarg; break;
    case O_CONC:
      rc = cli_number(cmd, optarg, 1, DC_BATCH_MAX_CONCURRENCY, &bo->concurrency,
                      "--concurrency takes 1..4096");
      break;
    case O_TTL:
      rc = cli_number(cmd, optarg, 0, 86400, &bo->cache_ttl, "--cache-ttl takes 0..86400");
      break;
    default: rc = cli_netopt_apply(cmd, c, ch, optarg); break;
    }
    if (rc != 0) return rc;
    if (st != DC_OK) return cli_fail_file(cmd, c, st, ch == O_PSL ? optarg : NULL);
  }
  if (bo != NULL && bo->file != NULL) {
    if (argc - optind != 0) return cli_usage(cmd, "--batch takes no DOMAIN");
    return -1;
  }
  if (bo != NULL && (bo->concurrency != 0 || bo->cache_ttl != 0))
    return cli_usage(cmd, "--concurrency and --cache-ttl need --batch");
  if (argc - optind != npos)
    return cli_usage(cmd, npos == 1 ? "expected one DOMAIN"
                                    : "expected DOMAIN PROVIDER_ID SERVICE_ID");
  return -1;
}

dc_status cli_settings_unknown(const dc_settings *s, char **out)
{
  dc_status st = dc_settings_unknown_json(s, out);
  if (st == DC_OK && strcmp(*out, "{}") == 0) {
    dc_free(*out);
    *out = NULL;
  }
  return st;
}

/* One JSON object: the settings plus "domain", "host" and, when the
 * document has members we do not know, "unknown"; `input` (may be NULL)
 * first with "status":"ok". */
static int print_settings_line(const char *cmd, dc_client *c, const dc_settings *s,
                               const char *input)
{
  char *json = NULL, *unknown = NULL;
  dc_status st = dc_settings_to_json(s, &json);
  if (st == DC_OK) st = cli_settings_unknown(s, &unknown);
  if (st != DC_OK) {
    dc_free(json);
    return c != NULL ? cli_fail(cmd, c, st) : EXIT_REFUSED;
  }
  size_t n = strlen(json);
  /* dc_settings_to_json gives a compact non-empty object: "{...}". */
  if (n < 2 || json[n - 1] != '}') {
    dc_free(json);
    dc_free(unknown);
    fprintf(stderr, "domainconnect %s: unexpected settings JSON\n", cmd);
    return EXIT_REFUSED;
  }
  if (input != NULL) {
    fputs("{\"input\":", stdout);
    cli_json_str(stdout, input);
    fputs(",\"status\":\"ok\"", stdout);
    if (n > 2) fputc(',', stdout);
    fwrite(json + 1, 1, n - 2, stdout);
  } else {
    fwrite(json, 1, n - 1, stdout);
  }
  fputs(",\"domain\":", stdout);
  cli_json_str(stdout, dc_settings_zone(s));
  fputs(",\"host\":", stdout);
  cli_json_str(stdout, dc_settings_host(s));
  if (unknown != NULL) printf(",\"unknown\":%s", unknown);
  fputs("}\n", stdout);
  dc_free(json);
  dc_free(unknown);
  return EXIT_OK;
}

static int print_settings(const char *cmd, dc_client *c, const dc_settings *s)
{
  return print_settings_line(cmd, c, s, NULL);
}

/* ---- discover --batch */

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
  bool progress;
  size_t total;                /* domains in the input, 0 = unknown (a stream) */
  double t0, last_progress;
  bool read_error;
};

static double mono_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool is_blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

/* Next domain of the input: trimmed; blank lines and # comments skipped. */
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
    return p;
  }
}

/* Counts the domains of a regular file (same rules as next_line) and rewinds
 * it, so the progress bar knows the total; 0 for streams. */
static size_t count_domains(struct batch_state *st)
{
  struct stat sb;
  if (fstat(fileno(st->in), &sb) != 0 || !S_ISREG(sb.st_mode)) return 0;
  size_t n = 0;
  while (next_line(st) != NULL) n++;
  if (st->read_error || fseek(st->in, 0, SEEK_SET) != 0) {
    st->read_error = false;
    clearerr(st->in);
    return 0;
  }
  return n;
}

/* Progress on a terminal: a bar when the total is known, a counter for a
 * stream; redrawn at most five times a second. */
static void show_progress(struct batch_state *st, bool final)
{
  double now = mono_s();
  if (!final && now - st->last_progress < 0.2) return;
  st->last_progress = now;
  double el = now - st->t0;
  double rate = el > 0 ? (double)st->done / el : 0.0;
  if (st->total > 0) {
    enum { WIDTH = 30 };
    size_t filled = st->done >= st->total ? WIDTH : st->done * WIDTH / st->total;
    char bar[WIDTH + 1];
    for (size_t i = 0; i < WIDTH; i++) bar[i] = i < filled ? '#' : '.';
    bar[WIDTH] = '\0';
    fprintf(stderr, "\r[%s] %3zu%% %zu/%zu, %zu ok, %.0f/s %s", bar,
            st->done >= st->total ? (size_t)100 : st->done * 100 / st->total,
            st->done, st->total, st->ok, rate, final ? "\n" : "");
  } else {
    fprintf(stderr, "\rdiscover: %zu done, %zu ok, %.0f/s   %s", st->done, st->ok,
            rate, final ? "\n" : "");
  }
  fflush(stderr);
}

static void on_batch_result(void *arg, const char *input, dc_status status,
                            const dc_settings *s, const char *detail)
{
  struct batch_state *st = arg;
  st->done++;
  if ((size_t)status < sizeof st->by_status / sizeof st->by_status[0])
    st->by_status[status]++;
  else
    st->other_status++;
  if (status == DC_OK && s != NULL &&
      print_settings_line("discover", NULL, s, input) == EXIT_OK) {
    st->ok++;
    const char *id = dc_settings_provider_id(s);
    size_t i;
    for (i = 0; i < st->nprov; i++)
      if (strcmp(st->prov[i].id, id) == 0) break;
    if (i < st->nprov) {
      st->prov[i].n++;
    } else if (st->nprov < MAX_PROVIDERS &&
               (st->prov[st->nprov].id = strdup(id)) != NULL) {
      st->prov[st->nprov++].n = 1;
    } else {
      st->prov_other++;
    }
  } else {
    fputs("{\"input\":", stdout);
    cli_json_str(stdout, input);
    fputs(",\"status\":", stdout);
    cli_json_str(stdout, status == DC_OK ? "internal" : dc_status_name(status));
    fputs(",\"error\":", stdout);
    cli_json_str(stdout, status == DC_OK ? "settings could not be printed" : detail);
    fputs("}\n", stdout);
  }
  if (st->progress) show_progress(st, false);
}

static void print_summary(struct batch_state *st)
{
  double el = mono_s() - st->t0;
  fprintf(stderr, "discover --batch: %zu domains in %.2f s (%.1f/s)\n", st->done, el,
          el > 0 ? (double)st->done / el : 0.0);
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
}

static int run_batch(const char *cmd, dc_client *c, const struct batch_opts *bo)
{
  struct batch_state st;
  dc_batch *b = NULL;
  int rc = EXIT_REFUSED;
  memset(&st, 0, sizeof st);
  if (strcmp(bo->file, "-") == 0) {
    st.in = stdin;
  } else {
    st.in = fopen(bo->file, "r");
    if (st.in == NULL) {
      char why[160];
      const char *problem = cli_file_problem(bo->file, why, sizeof why);
      fprintf(stderr, "domainconnect %s: %s: %s\n", cmd, bo->file,
              problem ? problem : "cannot be opened");
      return EXIT_REFUSED;
    }
  }
  st.progress = isatty(STDERR_FILENO) == 1;
  if (st.progress) st.total = count_domains(&st);
  st.t0 = mono_s();
  dc_status s = dc_batch_new(c, (size_t)bo->concurrency, on_batch_result, &st, &b);
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
  print_summary(&st);
  dc_batch_free(b);
  for (size_t i = 0; i < st.nprov; i++) free(st.prov[i].id);
  free(st.line);
  if (st.in != stdin) fclose(st.in);
  return rc;
}

/* check-template's query and answer, once the settings are discovered. */
static int check_template(const char *cmd, dc_client *c, const dc_settings *s,
                          const char *provider, const char *service)
{
  long version = -1;
  dc_status st = dc_check_template(c, s, provider, service, &version);
  if (st != DC_OK) return cli_fail(cmd, c, st);
  if (version >= 0) printf("{\"supported\":true,\"version\":%ld}\n", version);
  else fputs("{\"supported\":true,\"version\":null}\n", stdout);
  return EXIT_OK;
}

/* discover (`check` false) and check-template: the client, the options and
 * the discovery, then the settings printed or the template asked for. */
static int discover_then(const char *cmd, bool check, int argc, char **argv)
{
  dc_client *c = NULL;
  dc_settings *s = NULL;
  int rc = EXIT_REFUSED;
  if (dc_client_new(&c) != DC_OK) {
    fprintf(stderr, "domainconnect %s: out of memory\n", cmd);
    return EXIT_REFUSED;
  }
  struct batch_opts bo = {0};
  rc = parse_args(cmd, check ? k_check_help : k_discover_help, c, argc, argv,
                  check ? 3 : 1, check ? NULL : &bo);
  if (rc >= 0) goto done;
  if (bo.file != NULL) {
    rc = run_batch(cmd, c, &bo);
    goto done;
  }
  dc_status st = dc_discover(c, argv[optind], &s);
  if (st != DC_OK) rc = cli_fail(cmd, c, st);
  else if (check) rc = check_template(cmd, c, s, argv[optind + 1], argv[optind + 2]);
  else rc = print_settings(cmd, c, s);
done:
  dc_settings_free(s);
  dc_client_free(c);
  return rc;
}

int cmd_discover(int argc, char **argv)
{
  return discover_then("discover", false, argc, argv);
}

int cmd_check_template(int argc, char **argv)
{
  return discover_then("check-template", true, argc, argv);
}
