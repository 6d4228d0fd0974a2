/* Options shared by the network commands. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { N_DNS = CLI_NETOPT_BASE, N_CA, N_TIMEOUT, N_ALLOW, N_PROXY, N_DEADLINE };

const struct option cli_netopt_long[] = {
  {"dns-server", required_argument, NULL, N_DNS},
  {"ca-file", required_argument, NULL, N_CA},
  {"timeout-ms", required_argument, NULL, N_TIMEOUT},
  {"test-allow-address", required_argument, NULL, N_ALLOW},
  {"proxy", required_argument, NULL, N_PROXY},
  {"deadline-ms", required_argument, NULL, N_DEADLINE},
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
  "  --test-allow-address IP[:PORT]  TEST ONLY: let the guard accept this\n"
  "                           address on this port only (default 443; e.g.\n"
  "                           127.0.0.1:8443, [::1]:8443), which URLs may name\n";

int cli_netopt_apply(const char *cmd, dc_client *c, int ch, const char *arg)
{
  dc_status st;
  switch (ch) {
  case N_DNS: st = dc_client_add_dns_server(c, arg); break;
  case N_CA: st = dc_client_set_ca_file(c, arg); break;
  case N_ALLOW: st = dc_client_test_only_allow_address(c, arg); break;
  case N_PROXY: st = dc_client_set_proxy(c, arg); break;
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
