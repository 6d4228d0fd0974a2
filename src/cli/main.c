/* domainconnect: command-line tool over the public libdomainconnect API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct command {
  const char *name;
  int (*fn)(int, char **);
  const char *summary;
};

static const struct command k_commands[] = {
  {"zone-split", cmd_zone_split, "split a domain into zone (apex) and host"},
  {"settings-check", cmd_settings_check, "validate a provider settings document"},
  {"sync-url", cmd_sync_url, "build a (signed) synchronous apply URL"},
  {"consent-url", cmd_consent_url, "build an asynchronous (OAuth) consent URL"},
  {"sign", cmd_sign, "sign a query string with an RSA key"},
  {"verify-sig", cmd_verify_sig, "verify a signed query against public-key TXT records"},
  {"pubkey-records", cmd_pubkey_records, "print the TXT records that publish a key"},
  {"parse-callback", cmd_parse_callback, "parse the query a provider redirected back with"},
  {"guard", cmd_guard, "judge an IP, TXT value or URL with the SSRF guard"},
  {"discover", cmd_discover, "discover a domain's DNS provider settings"},
  {"check-template", cmd_check_template, "ask a provider whether it supports a template"},
  {"token", cmd_token, "exchange an authorization code for a token"},
  {"refresh", cmd_refresh, "refresh a token"},
  {"apply", cmd_apply, "apply a template with a token (asynchronous flow)"},
  {"revert", cmd_revert, "revert a template with a token"},
  {"template", cmd_template, "lint a template, or apply one to a zone (DNS Provider side)"},
  {"verify", cmd_verify, "check over DNS that a template's records are present"},
};

static void usage(FILE *f)
{
  fprintf(f,
          "usage: domainconnect COMMAND [OPTIONS] [ARGS]\n"
          "       domainconnect --version | --help\n\n"
          "Commands:\n");
  for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
    fprintf(f, "  %-16s %s\n", k_commands[i].name, k_commands[i].summary);
  fprintf(f, "\n'domainconnect COMMAND --help' describes one command.\n"
             "Exit status: 0 success, 1 refused or failed, 2 usage error,\n"
             "3 apply refused because of conflicting records.\n");
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
