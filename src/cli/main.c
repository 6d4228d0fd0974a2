/* domainconnect: command-line tool over the public libdomainconnect API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct command {
  const char *name;
  int (*fn)(int, char **);
  const char *summary;
  const char *exits; /* every exit status but 2 (a usage error, for all) */
};

static const struct command k_commands[] = {
  {"zone-split", cmd_zone_split, "split a domain into zone (apex) and host",
   "0 split, 1 not a usable name (invalid, public suffix, PSL file)"},
  {"settings-check", cmd_settings_check, "validate a provider settings document",
   "0 valid, 1 invalid or unreadable"},
  {"sync-url", cmd_sync_url, "build a (signed) synchronous apply URL",
   "0 printed, 1 refused (settings, parameters, key, discovery)"},
  {"consent-url", cmd_consent_url, "build an asynchronous (OAuth) consent URL",
   "0 printed, 1 refused (settings, parameters, discovery)"},
  {"sign", cmd_sign, "sign a query string with an RSA key", "0 signed, 1 key or input refused"},
  {"verify-sig", cmd_verify_sig, "verify a signed query against public-key TXT records",
   "0 valid, 1 invalid or unusable records"},
  {"pubkey-records", cmd_pubkey_records, "print the TXT records that publish a key",
   "0 printed, 1 key refused"},
  {"parse-callback", cmd_parse_callback, "parse the query a provider redirected back with",
   "0 outcome ok, 1 any other outcome, malformed query or state mismatch"},
  {"guard", cmd_guard, "judge an IP, TXT value or URL with the SSRF guard",
   "0 allow, 1 refuse or failure (not an address, DNS)"},
  {"discover", cmd_discover, "discover a domain's DNS provider settings",
   "0 discovered (--batch: the batch ran), 1 failed"},
  {"check-template", cmd_check_template, "ask a provider whether it supports a template",
   "0 supported, 1 not supported or failed"},
  {"token", cmd_token, "exchange an authorization code for a token", "0 stored, 1 failed"},
  {"refresh", cmd_refresh, "refresh a token", "0 stored, 1 failed"},
  {"apply", cmd_apply, "apply a template with a token (asynchronous flow)",
   "0 applied, 1 failed, 3 conflicting records (listed on stdout)"},
  {"revert", cmd_revert, "revert a template with a token", "0 reverted, 1 failed"},
  {"template", cmd_template, "lint a template, or apply one to a zone (DNS Provider side)",
   "lint: 0 all good, 1 one or more bad; apply: 0 applied, 1 conflict or\n"
   "                   failure; apply --batch: 0 every line applied, 4 some lines\n"
   "                   failed, 1 input unreadable"},
  {"verify", cmd_verify, "check over DNS that a template's records are present",
   "0 verified, 1 not verified or failed"},
};

static void usage(FILE *f)
{
  fprintf(f,
          "usage: domainconnect COMMAND [OPTIONS] [ARGS]\n"
          "       domainconnect --version | --help\n\n"
          "Commands:\n");
  for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
    fprintf(f, "  %-16s %s\n", k_commands[i].name, k_commands[i].summary);
  fprintf(f, "\n'domainconnect COMMAND --help' describes one command.\n\n"
             "Exit status (every command: 2 usage error, e.g. a missing required\n"
             "option or an unknown one):\n");
  for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
    fprintf(f, "  %-16s %s\n", k_commands[i].name, k_commands[i].exits);
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    usage(stderr);
    return EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
      strcmp(cmd, "help") == 0) {
    usage(stdout);
    return EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("domainconnect %s\n", dc_version());
    return EXIT_OK;
  }
  for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++) {
    if (strcmp(cmd, k_commands[i].name) == 0)
      return k_commands[i].fn(argc - 1, argv + 1);
  }
  fprintf(stderr, "domainconnect: unknown command '%s'\n", cmd);
  usage(stderr);
  return EXIT_USAGE;
}
