#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char k_zone_split_help[] =
  "usage: domainconnect zone-split [--psl-file FILE] DOMAIN\n\n"
  "Normalises DOMAIN (lower case, IDNA A-labels, one trailing dot removed) and\n"
  "splits it into the zone (registrable domain per the public suffix list) and\n"
  "the host to its left. Prints {\"input\",\"domain\",\"zone\",\"host\"} as JSON.\n\n"
  "  --psl-file FILE  use this public suffix list instead of the built-in one\n";

int cmd_zone_split(int argc, char **argv)
{
  static const struct option opts[] = {
    {"psl-file", required_argument, NULL, 'p'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
  };
  const char *psl = NULL;
  int ch;
  cli_getopt_reset();
  while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    switch (ch) {
    case 'p': psl = optarg; break;
    case 'h': fputs(k_zone_split_help, stdout); return EXIT_OK;
    default: return cli_usage("zone-split", "unknown option or missing value");
    }
  }
  if (argc - optind != 1) return cli_usage("zone-split", "expected one DOMAIN");
  const char *input = argv[optind];

  dc_client *c = NULL;
  char *norm = NULL, *zone = NULL, *host = NULL;
  int rc = EXIT_REFUSED;
  dc_status st = dc_client_new(&c);
  if (st == DC_OK && psl != NULL) st = dc_client_set_psl_file(c, psl);
  if (st == DC_OK) st = dc_domain_normalize(c, input, &norm);
  if (st == DC_OK) st = dc_zone_split(c, norm, &zone, &host);
  if (st != DC_OK) {
    rc = cli_fail_file("zone-split", c, st, psl); /* says if the PSL file is missing */
    goto done;
  }
  fputs("{\"input\":", stdout);
  cli_json_str(stdout, input);
  fputs(",\"domain\":", stdout);
  cli_json_str(stdout, norm);
  fputs(",\"zone\":", stdout);
  cli_json_str(stdout, zone);
  fputs(",\"host\":", stdout);
  cli_json_str(stdout, host);
  fputs("}\n", stdout);
  rc = EXIT_OK;
done:
  dc_free(norm);
  dc_free(zone);
  dc_free(host);
  dc_client_free(c);
  return rc;
}

static const char k_settings_help[] =
  "usage: domainconnect settings-check --settings FILE [--zone ZONE]\n\n"
  "Validates a provider settings document (the JSON served at\n"
  "https://{_domainconnect}/v2/{zone}/settings) with the same rules as\n"
  "discovery, and prints the accepted settings as one JSON object (URLs in\n"
  "canonical form, width/height defaulted, urlControlPanel's %domain% filled\n"
  "when --zone is given), with \"unknown\": an object of the document's other\n"
  "members as they came, when it has any. FILE may be '-' for standard input.\n";

int cmd_settings_check(int argc, char **argv)
{
  static const struct option opts[] = {
    {"settings", required_argument, NULL, 's'},
    {"zone", required_argument, NULL, 'z'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
  };
  const char *file = NULL, *zone = NULL;
  int ch;
  cli_getopt_reset();
  while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    switch (ch) {
    case 's': file = optarg; break;
    case 'z': zone = optarg; break;
    case 'h': fputs(k_settings_help, stdout); return EXIT_OK;
    default: return cli_usage("settings-check", "unknown option or missing value");
    }
  }
  if (optind != argc) return cli_usage("settings-check", "unexpected argument");
  if (file == NULL) return cli_usage("settings-check", "--settings FILE is required");

  size_t len = 0;
  /* Read a little past the library's cap so the library reports the limit. */
  char *json = cli_read_file("settings-check", file, 1024 * 1024, &len);
  if (json == NULL) return EXIT_REFUSED;
  dc_client *c = NULL;
  dc_settings *s = NULL;
  char *out = NULL, *unknown = NULL;
  int rc = EXIT_REFUSED;
  dc_status st = dc_client_new(&c);
  if (st == DC_OK) st = dc_settings_parse(c, json, len, zone, &s);
  if (st == DC_OK) st = dc_settings_to_json(s, &out);
  if (st == DC_OK) st = cli_settings_unknown(s, &unknown);
  if (st != DC_OK) {
    rc = cli_fail("settings-check", c, st);
  } else if (unknown == NULL) {
    printf("%s\n", out);
    rc = EXIT_OK;
  } else { /* dc_settings_to_json gives "{...}": add the member before '}' */
    printf("%.*s,\"unknown\":%s}\n", (int)(strlen(out) - 1), out, unknown);
    rc = EXIT_OK;
  }
  dc_free(unknown);
  dc_free(out);
  dc_settings_free(s);
  dc_client_free(c);
  free(json);
  return rc;
}
