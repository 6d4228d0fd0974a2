/* discover and check-template: discovery over DNS and HTTPS. */
#include <getopt.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "discover_batch.h"

static const char k_discover_help[] =
  "usage: domainconnect discover [--soa] [--psl-file FILE] [NETWORK OPTIONS]\n"
  "         DOMAIN\n"
  "       domainconnect discover --batch FILE|- [--concurrency N] [--cache-ttl S]\n"
  "         [--shard I/N] [--resume FILE] [--progress] [--soa]\n"
  "         [--psl-file FILE] [NETWORK OPTIONS]\n\n"
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
  "                         seconds (0..86400, default 0 = off)\n"
  "  --shard I/N            only the inputs of shard I of N (0 <= I < N <=\n"
  "                         65536): FNV-1a 64 of the input, ASCII-lowercased,\n"
  "                         one trailing dot dropped, modulo N\n"
  "  --resume FILE          skip the inputs FILE (an earlier output) already\n"
  "                         answered in a complete line\n"
  "  --progress             progress on stderr (rate, ETA) even when it is\n"
  "                         not a terminal\n";

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

enum { O_SOA = 256, O_PSL, O_BATCH, O_CONC, O_TTL, O_SHARD, O_RESUME, O_PROGRESS };

#define MAX_OPTS 32

/* Parses the options and the positional arguments; returns -1 to go on, or
 * an exit code. */
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
    {"shard", required_argument, NULL, O_SHARD},
    {"resume", required_argument, NULL, O_RESUME},
    {"progress", no_argument, NULL, O_PROGRESS},
  };
  struct option opts[MAX_OPTS];
  /* the batch options only for discover */
  cli_opts_merge(opts, MAX_OPTS, mine, sizeof mine / sizeof mine[0] - (bo != NULL ? 0 : 6),
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
    case O_SHARD: bo->shard = optarg; break;
    case O_RESUME: bo->resume = optarg; break;
    case O_PROGRESS: bo->progress = true; break;
    default: rc = cli_netopt_apply(cmd, c, ch, optarg); break;
    }
    if (rc != 0) return rc;
    if (st != DC_OK) return cli_fail_file(cmd, c, st, ch == O_PSL ? optarg : NULL);
  }
  if (bo != NULL && bo->file != NULL && argc - optind != 0)
    return cli_usage(cmd, "--batch takes no DOMAIN");
  int brc = bo != NULL ? cli_batch_check(cmd, bo) : -1;
  if (brc >= 0 || (bo != NULL && bo->file != NULL)) return brc;
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
  cli_print_dnssec(stdout, dc_settings_dnssec(s), dc_settings_dnssec_txt(s),
                   dc_settings_dnssec_host(s), dc_settings_dnssec_why(s));
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

/* discover --batch (cmd_discover_batch.c) prints its ok lines here. */
int cli_discover_print_line(const dc_settings *s, const char *input)
{
  return print_settings_line("discover", NULL, s, input);
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
    rc = cli_batch_run(cmd, c, &bo);
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
