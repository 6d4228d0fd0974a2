/* Options shared by the network commands. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { N_DNS = CLI_NETOPT_BASE, N_CA, N_TIMEOUT, N_ALLOW, N_PROXY, N_DEADLINE, N_DNSSEC,
       N_TA, N_TA_AUTR };

const struct option cli_netopt_long[] = {
  {"dns-server", required_argument, NULL, N_DNS},
  {"ca-file", required_argument, NULL, N_CA},
  {"timeout-ms", required_argument, NULL, N_TIMEOUT},
  {"test-allow-address", required_argument, NULL, N_ALLOW},
  {"proxy", required_argument, NULL, N_PROXY},
  {"deadline-ms", required_argument, NULL, N_DEADLINE},
  {"dnssec", required_argument, NULL, N_DNSSEC},
  {"trust-anchor", required_argument, NULL, N_TA},
  {"trust-anchor-rfc5011", required_argument, NULL, N_TA_AUTR},
  {NULL, 0, NULL, 0},
};

const char cli_netopt_help[] =
  "Network options:\n"
  "  --dns-server HOST:PORT   DNS server to ask (repeatable; default: the\n"
  "                           system's resolv.conf servers)\n"
  "  --ca-file FILE           trust anchors for TLS (default: system store)\n"
  "  --timeout-ms MS          total time for each HTTPS transfer\n"
  "  --deadline-ms MS         overall time for one discovery, every step\n"
  "                           included (default 30000; per domain in a batch)\n"
  "  --proxy URL              HTTP CONNECT proxy http://IP:PORT (userinfo\n"
  "                           allowed, never printed); the proxy is asked to\n"
  "                           CONNECT to the guard-checked address. Proxy\n"
  "                           variables of the environment are never used\n"
  "  --dnssec off|report|validate|require  DNSSEC validation of discovery's\n"
  "                           DNS answers (default off): report attaches the\n"
  "                           state, validate refuses bogus answers\n"
  "                           (dnssec_bogus), require anything not secure\n"
  "                           (dnssec_insecure)\n"
  "  --trust-anchor FILE      DNSSEC trust anchors (DS/DNSKEY lines;\n"
  "                           repeatable; default: the system's root.key)\n"
  "  --trust-anchor-rfc5011 FILE  DNSSEC anchors in a writable state file that\n"
  "                           is kept current as keys roll (RFC 5011)\n"
  "  --test-allow-address IP[:PORT]  TEST ONLY: let the guard accept this\n"
  "                           address on this port only (default 443; e.g.\n"
  "                           127.0.0.1:8443, [::1]:8443), which URLs may name\n";

/* ,"dnssec":{"state":..,"txt":..,"host":..[,"why":..]} when validated. */
void cli_print_dnssec(FILE *f, dc_dnssec_state overall, dc_dnssec_state txt,
                      dc_dnssec_state host, const char *why)
{
  if (overall == DC_DNSSEC_UNCHECKED) return;
  fprintf(f, ",\"dnssec\":{\"state\":\"%s\",\"txt\":\"%s\",\"host\":\"%s\"",
          dc_dnssec_state_name(overall), dc_dnssec_state_name(txt),
          dc_dnssec_state_name(host));
  if (overall == DC_DNSSEC_BOGUS && why != NULL) {
    fputs(",\"why\":", f);
    cli_json_str(f, why);
  }
  fputc('}', f);
}

int cli_netopt_apply(const char *cmd, dc_client *c, int ch, const char *arg)
{
  dc_status st;
  switch (ch) {
  case N_DNS: st = dc_client_add_dns_server(c, arg); break;
  case N_CA: st = dc_client_set_ca_file(c, arg); break;
  case N_ALLOW: st = dc_client_test_only_allow_address(c, arg); break;
  case N_PROXY: st = dc_client_set_proxy(c, arg); break;
  case N_TA: st = dc_client_add_trust_anchor_file(c, arg); break;
  case N_TA_AUTR: st = dc_client_set_trust_anchor_autr(c, arg); break;
  case N_DNSSEC: {
    static const char *const names[] = {"off", "report", "validate", "require"};
    size_t i = 0;
    while (i < 4 && strcmp(arg, names[i]) != 0) i++;
    if (i == 4) return cli_usage(cmd, "--dnssec takes off, report, validate or require");
    st = dc_client_set_dnssec(c, (dc_dnssec_policy)i);
    break;
  }
  case N_DEADLINE: {
    long ms = 0;
    if (!dcx_parse_long(arg, LONG_MIN, LONG_MAX, &ms))
      return cli_usage(cmd, "--deadline-ms takes a number");
    st = dc_client_set_deadline_ms(c, ms);
    break;
  }
  case N_TIMEOUT: {
    long ms = 0;  /* the range is the library's to judge */
    if (!dcx_parse_long(arg, LONG_MIN, LONG_MAX, &ms))
      return cli_usage(cmd, "--timeout-ms takes a number");
    st = dc_client_set_timeout_ms(c, DC_TIMEOUT_TOTAL, ms);
    break;
  }
  default: return cli_usage(cmd, "unknown option or missing value");
  }
  if (st == DC_E_INVALID_ARG) {
    fprintf(stderr, "domainconnect %s: %s\n", cmd, dc_client_error(c));
    return EXIT_USAGE;
  }
  if (st != DC_OK && (ch == N_TA || ch == N_TA_AUTR)) return cli_fail_file(cmd, c, st, arg);
  return st == DC_OK ? 0 : cli_fail(cmd, c, st);
}

void cli_opts_merge(struct option *dst, size_t cap, const struct option *mine, size_t n,
                    const struct option *more)
{
  size_t k = 0;
  if (cap == 0) return;
  for (size_t i = 0; i < n && k + 1 < cap; i++) dst[k++] = mine[i];
  for (size_t i = 0; more != NULL && more[i].name != NULL && k + 1 < cap; i++)
    dst[k++] = more[i];
  memset(&dst[k], 0, sizeof dst[k]);
}

int cli_number(const char *cmd, const char *arg, long min, long max, long *out,
               const char *msg)
{
  return dcx_parse_long(arg, min, max, out) ? 0 : cli_usage(cmd, msg);
}

void cli_getopt_reset(void)
{
  optind = 1;
  opterr = 0;
}
