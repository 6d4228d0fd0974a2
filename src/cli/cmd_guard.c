/* domainconnect guard ip|txt|url INPUT [--resolve] [--json] [network options] */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char k_guard_help[] =
  "usage: domainconnect guard ip|txt|url INPUT [--resolve] [--json]\n"
  "         [network options]\n\n"
  "Judges INPUT with the library's SSRF guard and prints one line on standard\n"
  "output: 'allow' (exit 0) or 'refuse: DETAIL' (exit 1).\n\n"
  "  ip INPUT   an IP address: IPv4 as a strict dotted quad, IPv6 with or\n"
  "             without brackets (a zone id is refused)\n"
  "  txt INPUT  a _domainconnect TXT value, host[/path]\n"
  "  url INPUT  an https URL with the urlAPI rules (port 443 only, no\n"
  "             userinfo, query or fragment, no IP literal host; another\n"
  "             port only with --test-allow-address IP:PORT, also for txt)\n\n"
  "  --resolve  (txt, url) also resolve the host (A and AAAA) and refuse it\n"
  "             if any address is forbidden; a DNS failure is reported on\n"
  "             standard error (exit 1)\n"
  "  --json     print {\"verdict\":\"allow\"|\"refuse\",\"reason\":NAME,\n"
  "             \"detail\":TEXT} instead: NAME is the machine-readable reason\n"
  "             (none on allow; invalid_host, ip_literal, special_name, scheme,\n"
  "             userinfo, port, query, fragment, path, characters, too_long,\n"
  "             empty, parser_mismatch, blocked_address, local_address,\n"
  "             scoped_address, unresolvable: docs/security.md section 9); with\n"
  "             --resolve a name that does not resolve is a refusal with reason\n"
  "             unresolvable and \"status\" (no_record, dns, dns_timeout)\n"
  "  --help     this text\n\n"
  "Exit status: 0 allow, 1 refuse or failure (not an address, DNS), 2 usage.\n\n";

enum { OPT_RESOLVE = 1, OPT_JSON = 2, OPT_HELP = 'h', MAX_OPTS = 32 };

/* --json: one object on one line. `st` is DC_OK, DC_E_BLOCKED or, with a
 * reason (unresolvable), the resolver's status. */
static void print_json(dc_client *c, dc_status st)
{
  fputs("{\"verdict\":", stdout);
  cli_json_str(stdout, st == DC_OK ? "allow" : "refuse");
  fputs(",\"reason\":", stdout);
  cli_json_str(stdout, dc_guard_reason_name(dc_client_guard_reason(c)));
  if (st != DC_OK && st != DC_E_BLOCKED) {
    fputs(",\"status\":", stdout);
    cli_json_str(stdout, dc_status_name(st));
  }
  fputs(",\"detail\":", stdout);
  const char *detail = dc_client_error(c);
  cli_json_str(stdout, detail[0] != '\0' ? detail : NULL); /* null on allow */
  fputs("}\n", stdout);
}

int cmd_guard(int argc, char **argv)
{
  static const struct option own[] = {
    {"resolve", no_argument, NULL, OPT_RESOLVE},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, OPT_HELP},
  };
  struct option opts[MAX_OPTS];
  size_t n = 0;
  for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) opts[n++] = own[i];
  for (size_t i = 0; cli_netopt_long[i].name != NULL; i++) {
    if (n + 1 >= MAX_OPTS) {
      fputs("domainconnect guard: too many options (internal)\n", stderr);
      return EXIT_REFUSED;
    }
    opts[n++] = cli_netopt_long[i];
  }
  memset(&opts[n], 0, sizeof opts[n]);

  dc_client *c = NULL;
  dc_status st = dc_client_new(&c);
  if (st != DC_OK) return cli_fail("guard", c, st);

  int rc = EXIT_REFUSED, ch;
  bool resolve = false, json = false;
  cli_getopt_reset();
  /* Options may follow the kind and INPUT; "--" ends them (an INPUT that
   * starts with '-'). */
  while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (ch) {
    case OPT_RESOLVE: resolve = true; break;
    case OPT_JSON: json = true; break;
    case OPT_HELP:
      fputs(k_guard_help, stdout);
      fputs(cli_netopt_help, stdout);
      rc = EXIT_OK;
      goto done;
    default: {
      int r = cli_netopt_apply("guard", c, ch, optarg);
      if (r == 0) break;
      rc = r;
      goto done;
    }
    }
  }
  if (argc - optind != 2) {
    rc = cli_usage("guard", "expected ip|txt|url and one INPUT");
    goto done;
  }
  const char *kind = argv[optind], *input = argv[optind + 1];
  if (strcmp(kind, "ip") == 0) {
    if (resolve) {
      rc = cli_usage("guard", "--resolve applies to txt and url only");
      goto done;
    }
    st = dc_guard_ip(c, input);
  } else if (strcmp(kind, "txt") == 0) {
    st = dc_guard_txt(c, input, resolve);
  } else if (strcmp(kind, "url") == 0) {
    st = dc_guard_url(c, input, resolve);
  } else {
    rc = cli_usage("guard", "the kind must be ip, txt or url");
    goto done;
  }

  bool verdict = st == DC_OK || st == DC_E_BLOCKED ||
                 dc_client_guard_reason(c) == DC_GUARD_UNRESOLVABLE;
  if (json && verdict) {
    print_json(c, st);
    rc = st == DC_OK ? EXIT_OK : EXIT_REFUSED;
  } else if (st == DC_OK) {
    puts("allow");
    rc = EXIT_OK;
  } else if (st == DC_E_BLOCKED) {
    printf("refuse: %s\n", dc_client_error(c));
    rc = EXIT_REFUSED;
  } else {
    rc = cli_fail("guard", c, st); /* not an address, DNS failure, ... */
  }
done:
  dc_client_free(c);
  return rc;
}
