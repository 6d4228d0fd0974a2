/* sign, verify-sig, pubkey-records. */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { S_KEYFILE = 256, S_KEYID, S_PASSFILE, S_PROFILE, S_RECORDS, S_QUERYFILE, S_JSON };

static const char k_sign_help[] =
  "usage: domainconnect sign --key-file FILE --key-id LABEL [--passphrase-file FILE]\n"
  "         [--profile default|python] [--json] [QUERY | -]\n\n"
  "Signs the exact bytes of QUERY (the part of an apply URL after '?'; read\n"
  "from standard input when QUERY is '-' or absent, one trailing newline\n"
  "removed) with RSA-SHA256 and prints the signed query: QUERY&key=K&sig=S\n"
  "(default) or QUERY&sig=S&key=K (python). --json prints\n"
  "{\"query\",\"sig\",\"key\",\"signed_query\"} instead.\n";

static const char k_verify_help[] =
  "usage: domainconnect verify-sig --records FILE [--key-id LABEL] [URL | QUERY | -]\n\n"
  "Verifies a signed apply URL or query string (read from standard input when\n"
  "absent or '-') against the public-key TXT records in FILE, one record per\n"
  "line (\"p=1,a=RS256,d=...\"; surrounding double quotes and a zone-file\n"
  "prefix up to the first '\"' are ignored). The sig and key parameters are\n"
  "removed without re-encoding the rest, as DNS Providers do. --key-id makes\n"
  "the key parameter's value part of the check. Prints 'valid' (exit 0) or\n"
  "the reason on stderr (exit 1).\n";

static const char k_pubkey_help[] =
  "usage: domainconnect pubkey-records --key-file FILE --key-id LABEL\n"
  "         [--passphrase-file FILE] [--json]\n\n"
  "Prints the TXT records that publish the key's public half at\n"
  "LABEL.<syncPubKeyDomain>, one per line (each fits one DNS string), or a\n"
  "JSON object {\"name\":LABEL,\"records\":[...]} with --json.\n";

static char *read_input(const char *cmd, int argc, char **argv, int optidx)
{
  if (argc - optidx > 1) return NULL;
  const char *src = argc - optidx == 1 ? argv[optidx] : "-";
  char *s = NULL;
  if (strcmp(src, "-") == 0) {
    s = cli_read_file(cmd, "-", 256 * 1024, NULL);
    if (s != NULL) {
      size_t n = strlen(s);
      if (n > 0 && s[n - 1] == '\n') s[--n] = '\0';
      if (n > 0 && s[n - 1] == '\r') s[--n] = '\0';
    }
  } else {
    s = strdup(src);
  }
  return s;
}

static int load_signer(const char *cmd, dc_client *c, const char *key_file,
                       const char *key_id, const char *pass_file, dc_signer **out)
{
  char *pass = NULL;
  if (pass_file != NULL) {
    pass = cli_read_secret_file(cmd, pass_file);
    if (pass == NULL) return EXIT_REFUSED;
  }
  dc_status st = dc_signer_new_from_file(c, key_file, pass, key_id, out);
  dcx_free_secret(pass);
  return st == DC_OK ? EXIT_OK : cli_fail_file(cmd, c, st, key_file);
}

/* Prints s percent-encoded (RFC 3986 unreserved bytes kept). */
static void print_pct(const char *s)
{
  dcx_buf b;
  dcx_buf_init(&b, SIZE_MAX / 4);
  if (dcx_pct_encode(&b, s, strlen(s), false) && b.data != NULL) fputs(b.data, stdout);
  dcx_buf_free(&b);
}

/* The options of sign and pubkey-records. */
struct key_opts {
  const char *key_file, *key_id, *pass_file;
  bool python, json;
};

/* Parses the options of sign (`profile`: with --profile) or pubkey-records;
 * returns -1 to go on, or an exit code. */
static int parse_key_opts(const char *cmd, const char *help, bool profile, int argc,
                          char **argv, struct key_opts *o)
{
  static const struct option mine[] = {
    {"key-file", required_argument, NULL, S_KEYFILE},
    {"key-id", required_argument, NULL, S_KEYID},
    {"passphrase-file", required_argument, NULL, S_PASSFILE},
    {"json", no_argument, NULL, S_JSON},
    {"help", no_argument, NULL, 'h'},
    {"profile", required_argument, NULL, S_PROFILE}, /* sign only: last */
  };
  struct option opts[8];
  cli_opts_merge(opts, 8, mine, sizeof mine / sizeof mine[0] - (profile ? 0 : 1), NULL);
  int ch;
  cli_getopt_reset();
  while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    switch (ch) {
    case S_KEYFILE: o->key_file = optarg; break;
    case S_KEYID: o->key_id = optarg; break;
    case S_PASSFILE: o->pass_file = optarg; break;
    case S_JSON: o->json = true; break;
    case S_PROFILE:
      if (strcmp(optarg, "python") == 0) o->python = true;
      else if (strcmp(optarg, "default") != 0)
        return cli_usage(cmd, "--profile takes default or python");
      break;
    case 'h': fputs(help, stdout); return EXIT_OK;
    default: return cli_usage(cmd, "unknown option or missing value");
    }
  }
  return -1;
}

int cmd_sign(int argc, char **argv)
{
  struct key_opts o = {0};
  int rc = parse_key_opts("sign", k_sign_help, true, argc, argv, &o);
  if (rc >= 0) return rc;
  if (o.key_file == NULL || o.key_id == NULL)
    return cli_usage("sign", "--key-file and --key-id are required");
  if (argc - optind > 1) return cli_usage("sign", "expected at most one QUERY");
  char *query = read_input("sign", argc, argv, optind);
  if (query == NULL) return EXIT_REFUSED;

  dc_client *c = NULL;
  dc_signer *signer = NULL;
  char *sig = NULL;
  rc = EXIT_REFUSED;
  if (dc_client_new(&c) != DC_OK) goto done;
  rc = load_signer("sign", c, o.key_file, o.key_id, o.pass_file, &signer);
  if (rc != EXIT_OK) goto done;
  dc_status st = dc_sign(c, signer, query, strlen(query), &sig);
  if (st != DC_OK) { rc = cli_fail("sign", c, st); goto done; }
  if (o.json) {
    fputs("{\"query\":", stdout);
    cli_json_str(stdout, query);
    fputs(",\"sig\":", stdout);
    cli_json_str(stdout, sig);
    fputs(",\"key\":", stdout);
    cli_json_str(stdout, o.key_id);
    fputs(",\"signed_query\":\"", stdout);
  }
  fputs(query, stdout);
  if (o.python) {
    fputs("&sig=", stdout);
    print_pct(sig);
    fputs("&key=", stdout);
    print_pct(o.key_id);
  } else {
    fputs("&key=", stdout);
    print_pct(o.key_id);
    fputs("&sig=", stdout);
    print_pct(sig);
  }
  fputs(o.json ? "\"}\n" : "\n", stdout);
  rc = EXIT_OK;
done:
  dc_free(sig);
  dc_signer_free(signer);
  dc_client_free(c);
  free(query);
  return rc;
}

/* Splits the records file into lines; strips a zone-file prefix and quotes
 * ("name IN TXT "p=1,..."" -> p=1,...; several quoted strings are joined). */
static char **read_records(const char *cmd, const char *path, size_t *n)
{
  char *text = cli_read_file(cmd, path, 256 * 1024, NULL);
  if (text == NULL) return NULL;
  size_t cap = 16, cnt = 0;
  char **recs = calloc(cap + 1, sizeof *recs);
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line && recs;
       line = strtok_r(NULL, "\n", &save)) {
    size_t len = strcspn(line, "\r");
    line[len] = '\0';
    char *out = malloc(len + 1);
    if (out == NULL) break;
    size_t o = 0;
    if (strchr(line, '"') != NULL) {
      bool in = false;
      for (char *p = line; *p; p++) {
        if (*p == '"') { in = !in; continue; }
        if (in) out[o++] = *p;
      }
    } else {
      for (char *p = line; *p; p++)
        if (*p != ' ' && *p != '\t') out[o++] = *p;
    }
    out[o] = '\0';
    if (o == 0) { free(out); continue; }
    if (cnt == cap) {
      char **nr = realloc(recs, (cap * 2 + 1) * sizeof *recs);
      if (nr == NULL) { free(out); break; }
      recs = nr;
      cap *= 2;
    }
    recs[cnt++] = out;
    recs[cnt] = NULL;
  }
  free(text);
  *n = cnt;
  return recs;
}

int cmd_verify_sig(int argc, char **argv)
{
  static const struct option opts[] = {
    {"records", required_argument, NULL, S_RECORDS},
    {"key-id", required_argument, NULL, S_KEYID},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
  };
  const char *records = NULL, *key_id = NULL;
  int ch;
  cli_getopt_reset();
  while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    switch (ch) {
    case S_RECORDS: records = optarg; break;
    case S_KEYID: key_id = optarg; break;
    case 'h': fputs(k_verify_help, stdout); return EXIT_OK;
    default: return cli_usage("verify-sig", "unknown option or missing value");
    }
  }
  if (records == NULL) return cli_usage("verify-sig", "--records FILE is required");
  if (argc - optind > 1) return cli_usage("verify-sig", "expected at most one URL");
  char *input = read_input("verify-sig", argc, argv, optind);
  if (input == NULL) return EXIT_REFUSED;
  size_t n = 0;
  char **recs = read_records("verify-sig", records, &n);
  dc_client *c = NULL;
  int rc = EXIT_REFUSED;
  if (recs == NULL || dc_client_new(&c) != DC_OK) goto done;
  char *q = cli_query_part(input);
  dc_status st = dc_verify_query(c, q, strlen(q), key_id, (const char *const *)recs, n);
  if (st != DC_OK) { rc = cli_fail("verify-sig", c, st); goto done; }
  puts("valid");
  rc = EXIT_OK;
done:
  if (recs) for (size_t i = 0; i < n; i++) free(recs[i]);
  free(recs);
  dc_client_free(c);
  free(input);
  return rc;
}

int cmd_pubkey_records(int argc, char **argv)
{
  struct key_opts o = {0};
  int rc = parse_key_opts("pubkey-records", k_pubkey_help, false, argc, argv, &o);
  if (rc >= 0) return rc;
  if (optind != argc) return cli_usage("pubkey-records", "unexpected argument");
  if (o.key_file == NULL || o.key_id == NULL)
    return cli_usage("pubkey-records", "--key-file and --key-id are required");
  dc_client *c = NULL;
  dc_signer *signer = NULL;
  char **recs = NULL;
  rc = EXIT_REFUSED;
  if (dc_client_new(&c) != DC_OK) goto done;
  rc = load_signer("pubkey-records", c, o.key_file, o.key_id, o.pass_file, &signer);
  if (rc != EXIT_OK) goto done;
  dc_status st = dc_pubkey_txt_records(c, signer, &recs);
  if (st != DC_OK) { rc = cli_fail("pubkey-records", c, st); goto done; }
  if (o.json) {
    fputs("{\"name\":", stdout);
    cli_json_str(stdout, o.key_id);
    fputs(",\"records\":[", stdout);
    for (size_t i = 0; recs[i]; i++) {
      if (i) putchar(',');
      cli_json_str(stdout, recs[i]);
    }
    fputs("]}\n", stdout);
  } else {
    for (size_t i = 0; recs[i]; i++) puts(recs[i]);
  }
  rc = EXIT_OK;
done:
  dc_strv_free(recs);
  dc_signer_free(signer);
  dc_client_free(c);
  return rc;
}
