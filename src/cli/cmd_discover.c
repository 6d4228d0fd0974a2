/* discover and check-template: discovery over DNS and HTTPS. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char k_discover_help[] =
  "usage: domainconnect discover [--soa] [--psl-file FILE] [NETWORK OPTIONS]\n"
  "         DOMAIN\n\n"
  "Discovers the DNS provider of DOMAIN: zone split, TXT _domainconnect.{zone},\n"
  "then GET https://{txt}/v2/{zone}/settings through the SSRF guard. Prints the\n"
  "settings as one JSON object on one line, with the spec's field names plus\n"
  "\"domain\" (the zone) and \"host\" (the part left of it, \"\" at the apex).\n\n"
  "  --soa                  find the zone by walking SOA records upwards\n"
  "                         (delegated sub-zones) instead of the public\n"
  "                         suffix list alone\n"
  "  --psl-file FILE        public suffix list for the zone split\n";

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

enum { O_SOA = 256, O_PSL };

#define MAX_OPTS 16

/* This command's options followed by the shared network options. */
static void merge_opts(struct option *dst, const struct option *mine, size_t n)
{
  size_t k = 0;
  for (size_t i = 0; i < n && k + 1 < MAX_OPTS; i++) dst[k++] = mine[i];
  for (size_t i = 0; cli_netopt_long[i].name != NULL && k + 1 < MAX_OPTS; i++)
    dst[k++] = cli_netopt_long[i];
  memset(&dst[k], 0, sizeof dst[k]);
}

/* Parses the options and the positional arguments; returns -1 to go on, or
 * an exit code. */
static int parse_args(const char *cmd, const char *help, dc_client *c, int argc,
                      char **argv, int npos)
{
  static const struct option mine[] = {
    {"soa", no_argument, NULL, O_SOA},
    {"psl-file", required_argument, NULL, O_PSL},
    {"help", no_argument, NULL, 'h'},
  };
  struct option opts[MAX_OPTS];
  merge_opts(opts, mine, sizeof mine / sizeof mine[0]);
  int ch;
  optind = 1;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    dc_status st = DC_OK;
    switch (ch) {
    case 'h':
      fputs(help, stdout);
      fputs("\n", stdout);
      fputs(cli_netopt_help, stdout);
      return EXIT_OK;
    case O_SOA: st = dc_client_set_zone_mode(c, DC_ZONE_SOA); break;
    case O_PSL: st = dc_client_set_psl_file(c, optarg); break;
    default: {
      int rc = cli_netopt_apply(cmd, c, ch, optarg);
      if (rc < 0) return cli_usage(cmd, "unknown option or missing value");
      if (rc > 0) return rc;
      break;
    }
    }
    if (st != DC_OK) return cli_fail(cmd, c, st);
  }
  if (argc - optind != npos)
    return cli_usage(cmd, npos == 1 ? "expected one DOMAIN"
                                    : "expected DOMAIN PROVIDER_ID SERVICE_ID");
  return -1;
}

/* One JSON object: the settings plus "domain" and "host". */
static int print_settings(const char *cmd, dc_client *c, const dc_settings *s)
{
  char *json = NULL;
  dc_status st = dc_settings_to_json(s, &json);
  if (st != DC_OK) return cli_fail(cmd, c, st);
  size_t n = strlen(json);
  /* dc_settings_to_json gives a compact non-empty object: "{...}". */
  if (n < 2 || json[n - 1] != '}') {
    dc_free(json);
    fprintf(stderr, "domainconnect %s: unexpected settings JSON\n", cmd);
    return EXIT_REFUSED;
  }
  fwrite(json, 1, n - 1, stdout);
  fputs(",\"domain\":", stdout);
  cli_json_str(stdout, dc_settings_zone(s));
  fputs(",\"host\":", stdout);
  cli_json_str(stdout, dc_settings_host(s));
  fputs("}\n", stdout);
  dc_free(json);
  return EXIT_OK;
}

int cmd_discover(int argc, char **argv)
{
  static const char cmd[] = "discover";
  dc_client *c = NULL;
  dc_settings *s = NULL;
  int rc = EXIT_REFUSED;
  if (dc_client_new(&c) != DC_OK) {
    fprintf(stderr, "domainconnect %s: out of memory\n", cmd);
    return EXIT_REFUSED;
  }
  rc = parse_args(cmd, k_discover_help, c, argc, argv, 1);
  if (rc >= 0) goto done;
  dc_status st = dc_discover(c, argv[optind], &s);
  rc = st == DC_OK ? print_settings(cmd, c, s) : cli_fail(cmd, c, st);
done:
  dc_settings_free(s);
  dc_client_free(c);
  return rc;
}

int cmd_check_template(int argc, char **argv)
{
  static const char cmd[] = "check-template";
  dc_client *c = NULL;
  dc_settings *s = NULL;
  int rc = EXIT_REFUSED;
  if (dc_client_new(&c) != DC_OK) {
    fprintf(stderr, "domainconnect %s: out of memory\n", cmd);
    return EXIT_REFUSED;
  }
  rc = parse_args(cmd, k_check_help, c, argc, argv, 3);
  if (rc >= 0) goto done;
  dc_status st = dc_discover(c, argv[optind], &s);
  if (st != DC_OK) { rc = cli_fail(cmd, c, st); goto done; }
  long version = -1;
  st = dc_check_template(c, s, argv[optind + 1], argv[optind + 2], &version);
  if (st != DC_OK) { rc = cli_fail(cmd, c, st); goto done; }
  if (version >= 0) printf("{\"supported\":true,\"version\":%ld}\n", version);
  else fputs("{\"supported\":true,\"version\":null}\n", stdout);
  rc = EXIT_OK;
done:
  dc_settings_free(s);
  dc_client_free(c);
  return rc;
}
