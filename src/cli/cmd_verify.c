/* verify: check over DNS that a template's records are present (after an
 * apply), with retries for propagation. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char k_verify_help[] =
  "usage: domainconnect verify --template FILE --domain D [--host H]\n"
  "         [--param NAME=VALUE]... [--group-id G]... [--attempts N]\n"
  "         [--interval-ms MS] [--redirect-record TYPE=DATA]...\n"
  "         [--psl-file FILE] [NETWORK OPTIONS]\n\n"
  "Checks over DNS that the records the template produces for D (and H) are\n"
  "present: the template is applied to an empty zone (its \"new\" records)\n"
  "and each record is looked up at the DNS servers (--dns-server, default the\n"
  "system's). TXT: the value must be among the name's TXT records (SPF: an\n"
  "SPF record holding every rule of it); CNAME: the exact target; MX:\n"
  "preference and exchange; A/AAAA, NS, SRV, CAA: that record among the\n"
  "name's. REDIR301/302 and other types are not checked (said on stdout).\n"
  "Signatures are not checked (verification reads public DNS data only).\n"
  "Prints {\"result\":\"verified\",\"records\":[...],\"note\":...} and exits 0;\n"
  "a missing record exits 1 with a line starting \"not_verified:\" on stderr\n"
  "naming the first missing record (type, name, expected data).\n\n"
  "  --template FILE          the template (JSON)\n"
  "  --domain D               the domain; split into zone and host with the\n"
  "                           public suffix list unless --host is given (then\n"
  "                           D is the zone)\n"
  "  --host H                 host inside the zone (\"\" = apex)\n"
  "  --param NAME=VALUE       template variable (repeatable)\n"
  "  --group-id G             only this group (repeatable)\n"
  "  --attempts N             tries in all (default 1, at most 1000)\n"
  "  --interval-ms MS         pause between tries (default 2000)\n"
  "  --redirect-record TYPE=DATA  the DNS provider's backing record for\n"
  "                           REDIR301/302 (A=IPv4, AAAA=IPv6 or CNAME=host;\n"
  "                           repeatable): they are checked, the redirect not\n"
  "  --psl-file FILE          public suffix list for the zone split\n";

enum {
  O_TEMPLATE = 256, O_DOMAIN, O_HOST, O_PARAM, O_GROUP, O_ATTEMPTS, O_INTERVAL,
  O_REDIR, O_PSL, O_HELP
};

#define MAX_OPTS 24

/* verify's own options; the network options follow them (cli_opts_merge). */
static const struct option k_opts[] = {
  {"template", required_argument, NULL, O_TEMPLATE},
  {"domain", required_argument, NULL, O_DOMAIN},
  {"host", required_argument, NULL, O_HOST},
  {"param", required_argument, NULL, O_PARAM},
  {"group-id", required_argument, NULL, O_GROUP},
  {"attempts", required_argument, NULL, O_ATTEMPTS},
  {"interval-ms", required_argument, NULL, O_INTERVAL},
  {"redirect-record", required_argument, NULL, O_REDIR},
  {"psl-file", required_argument, NULL, O_PSL},
  {"help", no_argument, NULL, O_HELP},
};

struct vopts {
  const char *template_file, *domain, *host, *psl;
  long attempts, interval_ms;
};

/* Returns -1 to go on, or an exit code. */
static int parse(const char *cmd, dc_client *c, dc_apply_opts *ao, struct vopts *o,
                 int argc, char **argv)
{
  struct option opts[MAX_OPTS];
  cli_opts_merge(opts, MAX_OPTS, k_opts, sizeof k_opts / sizeof k_opts[0], cli_netopt_long);
  int ch;
  cli_getopt_reset();
  while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    dc_status st = DC_OK;
    int rc = 0;
    switch (ch) {
    case 'h':
    case O_HELP:
      fputs(k_verify_help, stdout);
      fputs("\n", stdout);
      fputs(cli_netopt_help, stdout);
      return EXIT_OK;
    case O_TEMPLATE: o->template_file = optarg; break;
    case O_DOMAIN: o->domain = optarg; break;
    case O_HOST: o->host = optarg; break;
    case O_PSL: o->psl = optarg; break;
    case O_PARAM: {
      char *eq = strchr(optarg, '=');
      if (eq == NULL) return cli_usage(cmd, "--param takes NAME=VALUE");
      *eq = '\0';
      st = dc_apply_opts_set_param(ao, optarg, eq + 1);
      *eq = '=';
      break;
    }
    case O_GROUP: st = dc_apply_opts_add_group_id(ao, optarg); break;
    case O_REDIR: {
      char *eq = strchr(optarg, '=');
      if (eq == NULL) return cli_usage(cmd, "--redirect-record takes TYPE=DATA");
      *eq = '\0';
      st = dc_apply_opts_add_redirect_record(ao, optarg, eq + 1, 600);
      *eq = '=';
      break;
    }
    case O_ATTEMPTS:
      rc = cli_number(cmd, optarg, 1, 1000, &o->attempts,
                      "--attempts takes a number from 1 to 1000");
      break;
    case O_INTERVAL:
      rc = cli_number(cmd, optarg, 0, 600000, &o->interval_ms,
                      "--interval-ms takes a number from 0 to 600000");
      break;
    default: rc = cli_netopt_apply(cmd, c, ch, optarg); break;
    }
    if (rc != 0) return rc;
    if (st == DC_E_INVALID_ARG) return cli_usage(cmd, "invalid option value");
    if (st != DC_OK) return cli_fail(cmd, c, st);
  }
  if (optind != argc) return cli_usage(cmd, "unexpected argument");
  if (o->template_file == NULL || o->domain == NULL)
    return cli_usage(cmd, "--template and --domain are required");
  return -1;
}

int cmd_verify(int argc, char **argv)
{
  static const char cmd[] = "verify";
  dc_client *c = NULL;
  dc_apply_opts *ao = NULL;
  dc_template *t = NULL;
  dc_zone *empty = NULL;
  dc_apply_result *res = NULL;
  char *zone = NULL, *host = NULL, *records = NULL;
  struct vopts o = {NULL, NULL, NULL, NULL, 1, 2000};
  int rc = EXIT_REFUSED;
  dc_status st;
  if (dc_client_new(&c) != DC_OK || dc_apply_opts_new(&ao) != DC_OK) {
    fprintf(stderr, "domainconnect %s: out of memory\n", cmd);
    goto done;
  }
  rc = parse(cmd, c, ao, &o, argc, argv);
  if (rc >= 0) goto done;
  rc = EXIT_REFUSED;
  st = o.psl ? dc_client_set_psl_file(c, o.psl) : DC_OK;
  if (st == DC_OK) {
    if (o.host != NULL) {
      st = dc_apply_opts_set_domain(ao, o.domain);
      if (st == DC_OK) st = dc_apply_opts_set_host(ao, o.host);
    } else {
      st = dc_zone_split(c, o.domain, &zone, &host);
      if (st == DC_OK) st = dc_apply_opts_set_domain(ao, zone);
      if (st == DC_OK) st = dc_apply_opts_set_host(ao, host);
    }
  }
  /* Verification reads public DNS data; a signed template's signature is
   * the DNS provider's business at apply time. */
  if (st == DC_OK) st = dc_apply_opts_set_ignore_signature(ao, 1);
  if (st == DC_OK) st = dc_template_load(c, o.template_file, &t);
  if (st != DC_OK) {
    rc = cli_fail_file(cmd, c, st, st == DC_E_PSL_FILE ? o.psl : o.template_file);
    goto done;
  }
  st = dc_dns_check_applied(c, t, ao, (int)o.attempts, o.interval_ms);
  if (st != DC_OK) {
    rc = cli_fail(cmd, c, st);
    goto done;
  }
  /* The note on records not checked (the next call clears it). */
  char note[600];
  snprintf(note, sizeof note, "%s", dc_client_error(c));
  /* The records checked, as the template engine computes them; "null"
   * when any step fails (records stays NULL: every *out is NULL on failure). */
  if (dc_zone_new(&empty) == DC_OK && dc_template_apply(c, t, empty, ao, &res) == DC_OK &&
      dc_zone_to_json(dc_apply_result_added(res), &records) != DC_OK)
    records = NULL;
  fputs("{\"result\":\"verified\",\"records\":", stdout);
  fputs(records ? records : "null", stdout);
  fputs(",\"note\":", stdout);
  cli_json_str(stdout, note[0] ? note : NULL);
  fputs("}\n", stdout);
  rc = EXIT_OK;
done:
  dc_free(records);
  dc_apply_result_free(res);
  dc_zone_free(empty);
  dc_template_free(t);
  dc_apply_opts_free(ao);
  dc_free(zone);
  dc_free(host);
  dc_client_free(c);
  return rc;
}
