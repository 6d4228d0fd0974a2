/* template lint / template apply: the DNS Provider template engine. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char k_lint_help[] =
  "usage: domainconnect template lint FILE...\n\n"
  "Parses and validates each template file. Prints \"FILE: ok\" on standard\n"
  "output for each good file and \"FILE: STATUS: DETAIL\" on standard error\n"
  "for each bad one (STATUS is the stable status name, e.g. template,\n"
  "record_type, json, io). Exit 0 when every file is good, 1 when one or\n"
  "more is not, 2 on a usage error.\n";

static const char k_apply_help[] =
  "usage: domainconnect template apply --template FILE --zone ZONE.json --domain D\n"
  "         [--host H] [--param NAME=VALUE]... [--group-id G]... [--multi-aware]\n"
  "         [--instance-id I] [--force] [--redirect-record TYPE:DATA:TTL]...\n"
  "         [--ignore-signature | --signed-query QUERY --key-records FILE]\n"
  "       domainconnect template apply --batch FILE|-\n\n"
  "apply applies a template to a zone (a JSON array of records\n"
  "{type,name,ttl,data,...}; '-' reads standard input) and prints\n"
  "{\"new\":[...],\"deleted\":[...],\"final\":[...]} on one line. Conflicting\n"
  "records refuse the apply: {\"conflicts\":[{type,host,data}...]} is printed\n"
  "and the exit status is 1; --force removes them instead.\n\n"
  "  --template FILE        template JSON (required)\n"
  "  --zone FILE            zone JSON ('-' = standard input) (required)\n"
  "  --domain D             the zone apex the zone's names are relative to\n"
  "                         (required)\n"
  "  --host H               host inside the zone (\"\" or \"@\" = apex)\n"
  "  --param NAME=VALUE     template variable (repeatable)\n"
  "  --group-id G           apply only the records of this group (repeatable)\n"
  "  --multi-aware          keep template state (_dc) on the records\n"
  "  --instance-id I        instance id in multi-aware mode (default: random)\n"
  "  --force                remove conflicting records instead of refusing\n"
  "  --redirect-record TYPE:DATA:TTL  backing record of REDIR301/REDIR302,\n"
  "                         e.g. A:192.0.2.1:600 or AAAA:2001:db8::1:600 (repeatable)\n"
  "  --ignore-signature     apply a template with syncPubKeyDomain unsigned\n"
  "  --signed-query QUERY   the signed request's query (with sig and key)\n"
  "  --key-records FILE     public-key TXT records, one per line\n\n"
  "  --batch FILE|-         many applications in one process: each line of FILE\n"
  "                         ('-' = standard input) is one JSON request\n"
  "                         {\"template\":{...} | \"templateFile\":PATH,\n"
  "                          \"zone\":[...] | \"zoneFile\":PATH (none: empty zone),\n"
  "                          \"domain\":D, \"host\":H, \"params\":{NAME:VALUE},\n"
  "                          \"groupIds\":[...], \"multiAware\":B, \"instanceId\":I,\n"
  "                          \"force\":B, \"ignoreSignature\":B,\n"
  "                          \"redirectRecords\":[{\"type\",\"data\",\"ttl\"}],\n"
  "                          \"signedQuery\":Q, \"keyRecords\":[...]}\n"
  "                         (unknown members are refused; blank lines are\n"
  "                         skipped; a line may hold at most 4194304 bytes).\n"
  "                         One JSON line out per request, in input order:\n"
  "                         {\"line\":N,\"status\":S,\"exit\":E,\"result\":{...},\n"
  "                         \"error\":DETAIL}: S is ok or the stable status name\n"
  "                         (conflict, template, io, json, limit, invalid_arg,\n"
  "                         ...), E the exit status a single apply would give,\n"
  "                         result the JSON a single apply prints (absent on\n"
  "                         errors), error the detail (absent when ok). A bad\n"
  "                         line does not stop the batch. Each templateFile and\n"
  "                         zoneFile is read once per batch. Takes no other\n"
  "                         option. Exit: 0 every line applied, 4 one or more\n"
  "                         lines failed, 1 the input could not be read\n"
  "                         (output stops there), 2 usage error.\n";

enum {
  T_TEMPLATE = 256, T_ZONE, T_DOMAIN, T_HOST, T_PARAM, T_GROUP, T_MULTI, T_INSTANCE,
  T_FORCE, T_REDIR, T_IGNORE_SIG, T_SIGNED_QUERY, T_KEY_RECORDS, T_BATCH
};

static int lint(int argc, char **argv)
{
  static const struct option opts[] = {
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
  };
  int ch;
  cli_getopt_reset();
  while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    if (ch != 'h') return cli_usage("template lint", "unknown option");
    fputs(k_lint_help, stdout);
    return EXIT_OK;
  }
  if (optind >= argc) return cli_usage("template lint", "missing FILE (at least one)");
  dc_client *c = NULL;
  if (dc_client_new(&c) != DC_OK) return EXIT_REFUSED;
  int rc = EXIT_OK;
  for (int i = optind; i < argc; i++) {
    dc_template *t = NULL;
    dc_status st = dc_template_load(c, argv[i], &t);
    if (st == DC_OK) {
      printf("%s: ok\n", argv[i]);
    } else {
      /* failures on standard error: a script can keep the ok list apart */
      char why[160];
      const char *detail = dc_client_error(c)[0] ? dc_client_error(c) : dc_status_str(st);
      const char *problem = st == DC_E_IO ? cli_file_problem(argv[i], why, sizeof why) : NULL;
      fprintf(stderr, "%s: %s: %s%s%s\n", argv[i], dc_status_name(st), detail,
              problem ? ": " : "", problem ? problem : "");
      rc = EXIT_REFUSED;
    }
    dc_template_free(t);
  }
  dc_client_free(c);
  return rc;
}

/* Parses TYPE:DATA:TTL (DATA may hold ':' as in IPv6). */
static dc_status add_redirect(dc_apply_opts *o, const char *arg)
{
  const char *first = strchr(arg, ':');
  const char *last = strrchr(arg, ':');
  if (first == NULL || last == first) return DC_E_INVALID_ARG;
  char type[64], data[512];
  size_t tl = (size_t)(first - arg), dl = (size_t)(last - first - 1);
  if (tl == 0 || tl >= sizeof type || dl == 0 || dl >= sizeof data) return DC_E_INVALID_ARG;
  memcpy(type, arg, tl);
  type[tl] = '\0';
  memcpy(data, first + 1, dl);
  data[dl] = '\0';
  long ttl = 0;
  const char *p = last + 1;
  if (*p == '\0' || strlen(p) > 10) return DC_E_INVALID_ARG;
  for (; *p; p++) {
    if (*p < '0' || *p > '9') return DC_E_INVALID_ARG;
    ttl = ttl * 10 + (*p - '0');
  }
  return dc_apply_opts_add_redirect_record(o, type, data, ttl);
}

/* Key records file: one TXT record per line, surrounding quotes removed. */
static int read_key_records(const char *path, char ***out, size_t *n)
{
  char *text = cli_read_file("template", path, 64 * 1024, NULL);
  if (text == NULL) return EXIT_REFUSED;
  char **recs = NULL;
  size_t count = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
    size_t l = strlen(line);
    if (l >= 2 && line[0] == '"' && line[l - 1] == '"') {
      line[l - 1] = '\0';
      line++;
    }
    if (*line == '\0') continue;
    char **nr = realloc(recs, (count + 2) * sizeof *nr);
    if (nr == NULL) break;
    recs = nr;
    recs[count] = strdup(line);
    if (recs[count] == NULL) break;
    recs[++count] = NULL;
  }
  free(text);
  *out = recs;
  *n = count;
  return EXIT_OK;
}

/* The file and query options of apply (the others go to the apply options). */
struct apply_args {
  const char *tpl_path, *zone_path, *domain, *key_path, *batch;
  char *query;
  int nopts; /* options given besides --batch */
};

/* The command line into o and *a. Returns -1 to go on, else the exit status
 * (EXIT_OK after --help). */
static int parse_apply_opts(int argc, char **argv, dc_apply_opts *o,
                            struct apply_args *a)
{
  static const struct option opts[] = {
    {"template", required_argument, NULL, T_TEMPLATE},
    {"zone", required_argument, NULL, T_ZONE},
    {"domain", required_argument, NULL, T_DOMAIN},
    {"host", required_argument, NULL, T_HOST},
    {"param", required_argument, NULL, T_PARAM},
    {"group-id", required_argument, NULL, T_GROUP},
    {"multi-aware", no_argument, NULL, T_MULTI},
    {"instance-id", required_argument, NULL, T_INSTANCE},
    {"force", no_argument, NULL, T_FORCE},
    {"redirect-record", required_argument, NULL, T_REDIR},
    {"ignore-signature", no_argument, NULL, T_IGNORE_SIG},
    {"signed-query", required_argument, NULL, T_SIGNED_QUERY},
    {"key-records", required_argument, NULL, T_KEY_RECORDS},
    {"batch", required_argument, NULL, T_BATCH},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
  };
  int ch;
  cli_getopt_reset();
  while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    dc_status st = DC_OK;
    const char *what = NULL;
    if (ch != T_BATCH && ch != 'h') a->nopts++;
    switch (ch) {
    case T_BATCH: a->batch = optarg; break;
    case T_TEMPLATE: a->tpl_path = optarg; break;
    case T_ZONE: a->zone_path = optarg; break;
    case T_DOMAIN: a->domain = optarg; st = dc_apply_opts_set_domain(o, optarg); what = "--domain"; break;
    case T_HOST: st = dc_apply_opts_set_host(o, optarg); what = "--host"; break;
    case T_PARAM: {
      char *eq = strchr(optarg, '=');
      what = "--param takes NAME=VALUE";
      if (eq == NULL) {
        st = DC_E_INVALID_ARG;
        break;
      }
      *eq = '\0';
      st = dc_apply_opts_set_param(o, optarg, eq + 1);
      *eq = '=';
      break;
    }
    case T_GROUP: st = dc_apply_opts_add_group_id(o, optarg); what = "--group-id takes a dc-id"; break;
    case T_MULTI: st = dc_apply_opts_set_multi_aware(o, 1); break;
    case T_INSTANCE: st = dc_apply_opts_set_instance_id(o, optarg); what = "--instance-id takes a dc-id"; break;
    case T_FORCE: st = dc_apply_opts_set_force(o, 1); break;
    case T_REDIR:
      st = add_redirect(o, optarg);
      what = "--redirect-record takes TYPE:DATA:TTL (A, AAAA or CNAME)";
      break;
    case T_IGNORE_SIG: st = dc_apply_opts_set_ignore_signature(o, 1); break;
    case T_SIGNED_QUERY: a->query = optarg; break;
    case T_KEY_RECORDS: a->key_path = optarg; break;
    case 'h': fputs(k_apply_help, stdout); return EXIT_OK;
    default: return cli_usage("template apply", "unknown option or missing value");
    }
    if (st != DC_OK) return cli_usage("template apply", what ? what : "invalid option value");
  }
  if (optind != argc) return cli_usage("template apply", "apply takes no operands");
  if (a->batch != NULL) {
    if (a->nopts != 0)
      return cli_usage("template apply", "--batch takes no other option (each line has its own)");
    return -1;
  }
  if (a->tpl_path == NULL) return cli_missing("template apply", "--template");
  if (a->zone_path == NULL) return cli_missing("template apply", "--zone");
  if (a->domain == NULL) return cli_missing("template apply", "--domain");
  if ((a->query == NULL) != (a->key_path == NULL))
    return cli_usage("template apply", "--signed-query and --key-records go together");
  return -1;
}

static int apply(int argc, char **argv)
{
  struct apply_args a = {0};
  dc_apply_opts *o = NULL;
  dc_client *c = NULL;
  dc_template *t = NULL;
  dc_zone *z = NULL;
  dc_apply_result *res = NULL;
  char *zone_text = NULL, *json = NULL, **keys = NULL;
  size_t nkeys = 0;
  int rc = EXIT_REFUSED;
  if (dc_apply_opts_new(&o) != DC_OK || dc_client_new(&c) != DC_OK) goto done;

  rc = parse_apply_opts(argc, argv, o, &a);
  if (rc >= 0) goto done;
  if (a.batch != NULL) {
    rc = cli_template_batch(a.batch);
    goto done;
  }
  rc = EXIT_REFUSED;
  if (a.key_path != NULL) {
    if (read_key_records(a.key_path, &keys, &nkeys) != EXIT_OK) goto done;
    char *q = cli_query_part(a.query);
    if (dc_apply_opts_set_signature(o, q, (const char *const *)keys, nkeys) != DC_OK) {
      rc = cli_usage("template apply", "unusable --signed-query or --key-records");
      goto done;
    }
  }
  dc_status st = dc_template_load(c, a.tpl_path, &t);
  if (st != DC_OK) {
    rc = cli_fail_file("template", c, st, a.tpl_path);
    goto done;
  }
  size_t zlen = 0;
  char why[512];
  zone_text = cli_load_file(a.zone_path, 64u * 1024 * 1024, false, &zlen, why, sizeof why);
  if (zone_text == NULL) { /* the same line as a template file's (cli_fail_file) */
    fprintf(stderr, "%s: %s: %s (domainconnect template)\n", dc_status_name(DC_E_IO),
            dc_status_str(DC_E_IO), why);
    goto done;
  }
  st = dc_zone_from_json(c, zone_text, zlen, &z);
  if (st != DC_OK) {
    rc = cli_fail("template", c, st);
    goto done;
  }
  st = dc_template_apply(c, t, z, o, &res);
  if (st != DC_OK && st != DC_E_CONFLICT) {
    rc = cli_fail("template", c, st);
    goto done;
  }
  if (dc_apply_result_to_json(res, &json) != DC_OK) {
    fprintf(stderr, "domainconnect template: out of memory\n");
    goto done;
  }
  fputs(json, stdout);
  fputc('\n', stdout);
  if (st == DC_E_CONFLICT) {
    fprintf(stderr, "%s: %s (domainconnect template)\n", dc_status_name(st),
            dc_client_error(c));
    rc = EXIT_REFUSED;
  } else {
    rc = EXIT_OK;
  }
done:
  dc_free(json);
  dc_apply_result_free(res);
  dc_zone_free(z);
  dc_template_free(t);
  dc_apply_opts_free(o);
  dc_client_free(c);
  free(zone_text);
  if (keys != NULL) {
    for (size_t i = 0; i < nkeys; i++) free(keys[i]);
    free(keys);
  }
  return rc;
}

int cmd_template(int argc, char **argv)
{
  if (argc < 2) return cli_usage("template", "missing SUBCOMMAND (lint or apply)");
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(k_lint_help, stdout);
    fputc('\n', stdout);
    fputs(k_apply_help, stdout);
    return EXIT_OK;
  }
  if (strcmp(argv[1], "lint") == 0) return lint(argc - 1, argv + 1);
  if (strcmp(argv[1], "apply") == 0) return apply(argc - 1, argv + 1);
  return cli_usage("template", "expected lint or apply");
}
