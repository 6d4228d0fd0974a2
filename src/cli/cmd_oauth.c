/* token, refresh, apply, revert: the OAuth calls of the asynchronous flow.
 *
 * Secrets never come from the command line (other local users can read it
 * through ps or /proc): the client secret comes from --client-secret-file or
 * DC_CLIENT_SECRET, the authorization code from --code-file or
 * DC_OAUTH_CODE (or `--code @FILE` / `--code -`), tokens from token files.
 * `--code VALUE` (the first sketch) is refused with a usage error
 * that says where the code goes.
 * Token files are written with mode 0600, atomically (dcx_write_file_atomic:
 * a temporary file in the same directory, fsync, rename, then fsync of the
 * directory). Every path a command will write is checked with the writer's
 * rules before the command makes any network call (check_write_target). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define MAX_OPTS 48
#define TOKEN_FILE_MAX (64 * 1024)

/* The option ids of the four commands (k_opts below the help texts). */
enum {
  O_API = 256, O_CLIENT, O_SECRET_FILE, O_CODE_FILE, O_CODE, O_REDIRECT, O_DNSPID,
  O_OUT, O_TOKEN, O_PROVIDER, O_SERVICE, O_DOMAIN, O_HOST, O_PARAM, O_GROUP,
  O_FORCE, O_INSTANCE, O_PNAME, O_SNAME, O_PSL, O_HELP, O_PARAMS_IN, O_TOKEN_PARAMS,
  O_AUTO_REFRESH, O_KEYFILE, O_KEYID, O_PASSFILE
};

static const char k_token_help[] =
  "usage: domainconnect token --api-url URL --client-id ID\n"
  "         [--client-secret-file FILE] [--code-file FILE | --code @FILE|-]\n"
  "         [--redirect-uri URI] [--dns-provider-id ID] --out TOKEN.json\n"
  "         [--token-params default|reference|body] [NETWORK OPTIONS]\n\n"
  "Exchanges an authorization code for a token: POST {URL}/v2/oauth/access_token\n"
  "(by default as the reference client: the single-use code in the query, the\n"
  "client secret only in a JSON body), and writes the token to TOKEN.json\n"
  "(mode 0600, replaced atomically).\n\n"
  "  --api-url URL            the provider API URL registered at onboarding\n"
  "                           (never the one a settings document names)\n"
  "  --client-id ID           OAuth client_id\n"
  "  --client-secret-file F   client_secret (first line of F); default: the\n"
  "                           environment variable DC_CLIENT_SECRET; neither:\n"
  "                           no secret is sent (secret-less deployments)\n"
  "  --code-file F            the authorization code (first line of F);\n"
  "                           default: the environment variable DC_OAUTH_CODE.\n"
  "  --code @F | --code -     the same from file F or standard input; the code\n"
  "                           itself is never accepted on the command line (a\n"
  "                           code is a secret; other users can read argv)\n"
  "  --redirect-uri URI       the redirect_uri of the consent request\n"
  "  --dns-provider-id ID     provider id recorded in the token (default: the\n"
  "                           API URL's host)\n"
  "  --out FILE               where the token is written: a regular file or a\n"
  "                           new one in a writable directory, checked before\n"
  "                           the code is sent (a refused FILE keeps the code)\n"
  "  --token-params P         where the token call puts its parameters:\n"
  "                           default (code, grant_type, redirect_uri in the\n"
  "                           query; client_id and client_secret in a JSON\n"
  "                           body, as the reference client), reference (the\n"
  "                           same for the exchange; see refresh), or body\n"
  "                           (everything in the body, nothing in the URL)\n";

static const char k_refresh_help[] =
  "usage: domainconnect refresh --token TOKEN.json --out TOKEN.json\n"
  "         --client-id ID [--client-secret-file FILE] [--api-url URL]\n"
  "         [--redirect-uri URI] [--dns-provider-id ID]\n"
  "         [--token-params default|reference|body] [NETWORK OPTIONS]\n\n"
  "Refreshes a token at the API it was issued by and writes the new token\n"
  "(mode 0600, atomically; --out may name the --token file). A rotated refresh\n"
  "token replaces the old one; when the provider sends none the old one is\n"
  "kept. An invalid_grant answer means the user must consent again.\n\n"
  "  --token FILE             the token to refresh: a stored token, or a\n"
  "                           document holding only refresh_token and api_url\n"
  "                           (or only refresh_token, with --api-url)\n"
  "  --out FILE               where the new token is written (checked as for\n"
  "                           token, before the refresh is sent)\n"
  "  --api-url URL            the registered API URL (default: the token's);\n"
  "                           supplies the token's API, or must be it\n"
  "  --token-params P         default: the refresh token and the client\n"
  "                           credentials in a JSON body, nothing in the URL;\n"
  "                           reference: as the reference client, client_id,\n"
  "                           client_secret, grant_type, redirect_uri and\n"
  "                           refresh_token in the query too (secrets then\n"
  "                           reach the provider's URL logs; for providers that\n"
  "                           refuse a refresh otherwise); body: as default\n"
  "  --client-id ID           OAuth client_id\n"
  "  --client-secret-file F   client_secret (default: $DC_CLIENT_SECRET)\n"
  "  --redirect-uri URI       registered redirect_uri\n"
  "  --dns-provider-id ID     registered DNS provider id\n";

static const char k_apply_help[] =
  "usage: domainconnect apply --token TOKEN.json --provider-id P --service-id S\n"
  "         --domain D [--host H] [--param NAME=VALUE]... [--group-id G]...\n"
  "         [--force] [--instance-id I] [--provider-name N] [--service-name N]\n"
  "         [--params-in query|body] [--key-file F --key-id ID\n"
  "         [--passphrase-file F]] [--auto-refresh REGISTRATION] [NETWORK OPTIONS]\n\n"
  "Applies a template with a token: POST {api}/v2/domainTemplates/providers/P/\n"
  "services/S/apply with the parameters in the query string (empty body) and\n"
  "the access token as a bearer token, to the API the token was issued by.\n"
  "Prints\n"
  "{\"result\":\"applied\",\"http_status\":N} on success. Conflicting records\n"
  "(HTTP 409, without --force) exit 3 and print on stdout\n"
  "{\"code\",\"message\",\"records\":[{\"type\",\"host\",\"data\"}]}.\n\n"
  "  --domain D               the domain; split into zone and host with the\n"
  "                           public suffix list unless --host is given (then\n"
  "                           D is the zone)\n"
  "  --host H                 host inside the zone (\"\" = apex)\n"
  "  --param NAME=VALUE       template variable (repeatable)\n"
  "  --group-id G             apply only this group (repeatable)\n"
  "  --force                  apply despite conflicts (force=1)\n"
  "  --instance-id I          instanceId (multi-instance templates)\n"
  "  --provider-name N, --service-name N  shared-template display names\n"
  "  --psl-file FILE          public suffix list for the zone split\n"
  "  --params-in query|body   parameters in the query string (default, as\n"
  "                           providers read them) or as a JSON body\n"
  "  --key-file F, --key-id ID  sign the query (RSA-SHA256, as sync-url signs;\n"
  "                           not with --params-in body)\n"
  "  --passphrase-file F      passphrase of an encrypted key (first line)\n"
  "  --auto-refresh           when the token has expired (or is about to),\n"
  "                           refresh it first and write the rotated token\n"
  "                           back to --token (mode 0600, atomically; checked\n"
  "                           before any request, as --out), then\n"
  "                           apply once. REGISTRATION: --client-id ID\n"
  "                           [--client-secret-file F] [--redirect-uri URI]\n"
  "                           [--dns-provider-id ID] [--api-url URL]\n"
  "                           [--token-params P], as for refresh\n";

static const char k_revert_help[] =
  "usage: domainconnect revert --token TOKEN.json --provider-id P --service-id S\n"
  "         --domain D [--host H] [--instance-id I] [--params-in query|body]\n"
  "         [--auto-refresh REGISTRATION] [NETWORK OPTIONS]\n\n"
  "Reverts a template: POST {api}/v2/domainTemplates/providers/P/services/S/\n"
  "revert with domain, host and instanceId (in the query unless --params-in\n"
  "body). Prints\n"
  "{\"result\":\"reverted\",\"http_status\":N}.\n"
  "A provider without revert (501) fails with revert_unsupported, a template\n"
  "that is not applied (410) with not_applied.\n\n"
  "  --domain D, --host H, --instance-id I, --psl-file FILE, --params-in,\n"
  "  --auto-refresh and its registration options: as for apply\n";

/* The options of the four commands (allowed() says which each takes); the
 * network options follow them (cli_opts_merge). */
static const struct option k_opts[] = {
  {"api-url", required_argument, NULL, O_API},
  {"client-id", required_argument, NULL, O_CLIENT},
  {"client-secret-file", required_argument, NULL, O_SECRET_FILE},
  {"code-file", required_argument, NULL, O_CODE_FILE},
  {"code", required_argument, NULL, O_CODE},
  {"redirect-uri", required_argument, NULL, O_REDIRECT},
  {"dns-provider-id", required_argument, NULL, O_DNSPID},
  {"out", required_argument, NULL, O_OUT},
  {"token", required_argument, NULL, O_TOKEN},
  {"provider-id", required_argument, NULL, O_PROVIDER},
  {"service-id", required_argument, NULL, O_SERVICE},
  {"domain", required_argument, NULL, O_DOMAIN},
  {"host", required_argument, NULL, O_HOST},
  {"param", required_argument, NULL, O_PARAM},
  {"group-id", required_argument, NULL, O_GROUP},
  {"force", no_argument, NULL, O_FORCE},
  {"instance-id", required_argument, NULL, O_INSTANCE},
  {"provider-name", required_argument, NULL, O_PNAME},
  {"service-name", required_argument, NULL, O_SNAME},
  {"psl-file", required_argument, NULL, O_PSL},
  {"help", no_argument, NULL, O_HELP},
  {"params-in", required_argument, NULL, O_PARAMS_IN},
  {"token-params", required_argument, NULL, O_TOKEN_PARAMS},
  {"auto-refresh", no_argument, NULL, O_AUTO_REFRESH},
  {"key-file", required_argument, NULL, O_KEYFILE},
  {"key-id", required_argument, NULL, O_KEYID},
  {"passphrase-file", required_argument, NULL, O_PASSFILE},
};

/* Options of every command here; each command accepts a subset. */
struct opts {
  const char *api_url, *client_id, *secret_file, *code_file, *redirect_uri,
      *dns_provider_id, *out, *token, *domain, *psl, *key_file, *key_id, *pass_file;
  bool host_given, force, provider_given, service_given, auto_refresh, reg_given;
  bool params_in_body;
  dc_token_params token_params;
};

/* ---- files */

/* Writes `data` and a newline to `path` with mode 0600, atomically
 * (dcx_write_file_atomic). Returns 0 or prints an error and returns 1. */
static int write_secret_file(const char *cmd, const char *path, const char *data)
{
  size_t len = strlen(data);
  char *text = malloc(len + 2);
  if (text == NULL) {
    fprintf(stderr, "domainconnect %s: out of memory\n", cmd);
    return 1;
  }
  memcpy(text, data, len);
  memcpy(text + len, "\n", 2);
  enum dcx_write_err e = dcx_write_file_atomic(path, text, len + 1, 0600);
  int saved = errno;
  dcx_free_secret(text);
  if (e == DCX_WRITE_CREATE)
    fprintf(stderr, "domainconnect %s: cannot create a file next to %s: %s\n", cmd, path,
            strerror(saved));
  else if (e != DCX_WRITE_OK)
    fprintf(stderr, "domainconnect %s: cannot write %s: %s\n", cmd, path,
            dcx_write_err_text(e, saved));
  return e == DCX_WRITE_OK ? 0 : 1;
}

/* The writer's rules (dcx_write_file_atomic, docs/security.md §7.6) applied
 * to `path` before any network call: a token exchange uses up its
 * single-use code and a refresh may rotate the refresh token away, so a
 * target refused only after the call would lose the token. An existing
 * `path` must be a regular file (lstat: a device, FIFO, socket, directory or
 * symbolic link is refused), and its directory must exist and be writable
 * (the temporary file is created there). Returns 0, or prints the message
 * write_secret_file would print and returns 1. The writer checks again. */
static int check_write_target(const char *cmd, const char *path)
{
  struct stat st;
  if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    fprintf(stderr, "domainconnect %s: cannot write %s: %s\n", cmd, path,
            dcx_write_err_text(DCX_WRITE_NOT_REGULAR, S_ISDIR(st.st_mode) ? EISDIR : EPERM));
    return 1;
  }
  char dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  int w = slash == NULL   ? snprintf(dir, sizeof dir, ".")
          : slash == path ? snprintf(dir, sizeof dir, "/")
                          : snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  errno = ENAMETOOLONG;
  if (w < 0 || (size_t)w >= sizeof dir || access(dir, W_OK | X_OK) != 0) {
    fprintf(stderr, "domainconnect %s: cannot create a file next to %s: %s\n", cmd, path,
            strerror(errno));
    return 1;
  }
  return 0;
}

/* Reads a token file (a refresh-only document too; `api_url`, may be NULL,
 * supplies or confirms its API); returns NULL after printing an error. */
static dc_token *read_token(const char *cmd, dc_client *c, const char *path,
                            const char *api_url, int *rc)
{
  size_t len = 0;
  dc_token *t = NULL;
  char *json = cli_read_file(cmd, path, TOKEN_FILE_MAX, &len);
  if (json == NULL) {
    *rc = EXIT_REFUSED;
    return NULL;
  }
  dc_status st = dc_token_from_json_api(c, json, len, api_url, &t);
  dcx_free_secret(json);
  if (st != DC_OK) *rc = cli_fail(cmd, c, st);
  return t;
}

static int save_token(const char *cmd, dc_client *c, const dc_token *t, const char *path)
{
  char *json = NULL;
  dc_status st = dc_token_to_json(t, &json);
  if (st != DC_OK) return cli_fail(cmd, c, st);
  int rc = write_secret_file(cmd, path, json) == 0 ? EXIT_OK : EXIT_REFUSED;
  dcx_free_secret(json);
  return rc;
}

/* A secret from a file (first line) or, without one, an environment
 * variable. *missing tells them apart from a read error (NULL). */
static char *read_secret(const char *cmd, const char *file, const char *env,
                         bool *missing)
{
  *missing = false;
  if (file != NULL) return cli_read_secret_file(cmd, file);
  const char *v = getenv(env);
  if (v == NULL || v[0] == '\0') {
    *missing = true;
    return NULL;
  }
  char *copy = strdup(v);
  if (copy == NULL) fprintf(stderr, "domainconnect %s: out of memory\n", cmd);
  return copy;
}

/* ---- option parsing shared by the four commands */

enum kind { K_TOKEN, K_REFRESH, K_APPLY, K_REVERT };

static bool allowed(enum kind k, int ch)
{
  switch (ch) {
  case O_API: case O_CLIENT: case O_SECRET_FILE: case O_REDIRECT: case O_DNSPID:
  case O_TOKEN_PARAMS:
    return true; /* apply and revert: the registration for --auto-refresh */
  case O_OUT:
    return k == K_TOKEN || k == K_REFRESH;
  case O_PARAMS_IN: case O_AUTO_REFRESH:
    return k == K_APPLY || k == K_REVERT;
  case O_KEYFILE: case O_KEYID: case O_PASSFILE:
    return k == K_APPLY;
  case O_CODE_FILE: case O_CODE:
    return k == K_TOKEN;
  case O_TOKEN:
    return k != K_TOKEN;
  case O_PROVIDER: case O_SERVICE: case O_DOMAIN: case O_HOST: case O_INSTANCE:
  case O_PSL:
    return k == K_APPLY || k == K_REVERT;
  case O_PARAM: case O_GROUP: case O_FORCE: case O_PNAME: case O_SNAME:
    return k == K_APPLY;
  default:
    return false;
  }
}

/* Returns -1 to go on, or an exit code. */
static int parse(enum kind k, const char *cmd, const char *help, dc_client *c,
                 dc_request *r, struct opts *o, int argc, char **argv)
{
  struct option opts[MAX_OPTS];
  cli_opts_merge(opts, MAX_OPTS, k_opts, sizeof k_opts / sizeof k_opts[0], cli_netopt_long);
  int ch;
  cli_getopt_reset();
  while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    if (ch == 'h' || ch == O_HELP) {
      fputs(help, stdout);
      fputs("\n", stdout);
      fputs(cli_netopt_help, stdout);
      return EXIT_OK;
    }
    if (ch >= CLI_NETOPT_BASE) {
      int rc = cli_netopt_apply(cmd, c, ch, optarg);
      if (rc != 0) return rc;
      continue;
    }
    if (!allowed(k, ch)) return cli_usage(cmd, "unknown option or missing value");
    dc_status st = DC_OK;
    if (ch == O_CLIENT || ch == O_SECRET_FILE || ch == O_REDIRECT || ch == O_DNSPID ||
        ch == O_TOKEN_PARAMS || ch == O_API)
      o->reg_given = true;
    switch (ch) {
    case O_API: o->api_url = optarg; break;
    case O_CLIENT: o->client_id = optarg; break;
    case O_SECRET_FILE: o->secret_file = optarg; break;
    case O_PARAMS_IN:
      if (strcmp(optarg, "query") == 0) o->params_in_body = false;
      else if (strcmp(optarg, "body") == 0) o->params_in_body = true;
      else return cli_usage(cmd, "--params-in takes query or body");
      break;
    case O_TOKEN_PARAMS:
      if (strcmp(optarg, "default") == 0) o->token_params = DC_TOKEN_PARAMS_DEFAULT;
      else if (strcmp(optarg, "reference") == 0) o->token_params = DC_TOKEN_PARAMS_REFERENCE;
      else if (strcmp(optarg, "body") == 0) o->token_params = DC_TOKEN_PARAMS_BODY;
      else return cli_usage(cmd, "--token-params takes default, reference or body");
      break;
    case O_AUTO_REFRESH: o->auto_refresh = true; break;
    case O_KEYFILE: o->key_file = optarg; break;
    case O_KEYID: o->key_id = optarg; break;
    case O_PASSFILE: o->pass_file = optarg; break;
    case O_CODE_FILE: o->code_file = optarg; break;
    case O_CODE:
      /* The "--code C" name, without the secret on the command
       * line: "--code @FILE" reads FILE, "--code -" reads standard input. */
      if (optarg[0] == '@' && optarg[1] != '\0') { o->code_file = optarg + 1; break; }
      if (optarg[0] == '-' && optarg[1] == '\0') { o->code_file = "-"; break; }
      return cli_usage(cmd, "--code takes @FILE or - (standard input), never the "
                            "code itself: an authorization code is a secret and "
                            "the command line is visible to other users; or use "
                            "--code-file FILE or DC_OAUTH_CODE");
    case O_REDIRECT: o->redirect_uri = optarg; break;
    case O_DNSPID: o->dns_provider_id = optarg; break;
    case O_OUT: o->out = optarg; break;
    case O_TOKEN: o->token = optarg; break;
    case O_PSL: o->psl = optarg; break;
    case O_DOMAIN: o->domain = optarg; break;
    case O_FORCE: o->force = true; break;
    case O_PROVIDER:
      o->provider_given = true;
      st = dc_request_set_provider_id(r, optarg);
      break;
    case O_SERVICE:
      o->service_given = true;
      st = dc_request_set_service_id(r, optarg);
      break;
    case O_HOST:
      o->host_given = true;
      st = dc_request_set_host(r, optarg);
      break;
    case O_PARAM: {
      char *eq = strchr(optarg, '=');
      if (eq == NULL) return cli_usage(cmd, "--param takes NAME=VALUE");
      *eq = '\0';
      st = dc_request_set_param(r, optarg, eq + 1);
      *eq = '=';
      break;
    }
    case O_GROUP: st = dc_request_add_group_id(r, optarg); break;
    case O_INSTANCE: st = dc_request_set_instance_id(r, optarg); break;
    case O_PNAME: st = dc_request_set_provider_name(r, optarg); break;
    case O_SNAME: st = dc_request_set_service_name(r, optarg); break;
    default: return cli_usage(cmd, "unknown option or missing value");
    }
    if (st == DC_E_INVALID_ARG) return cli_usage(cmd, "invalid option value");
    if (st != DC_OK) return cli_fail(cmd, c, st);
  }
  if (optind != argc) return cli_usage(cmd, "unexpected argument");
  return -1;
}

/* dc_client_register_provider from the options; api_url given. */
static int register_from(const char *cmd, dc_client *c, const struct opts *o,
                         const char *api_url)
{
  bool missing = false;
  char *secret = read_secret(cmd, o->secret_file, "DC_CLIENT_SECRET", &missing);
  if (secret == NULL && !missing) return EXIT_REFUSED;
  dc_status st = dc_client_register_provider(c, api_url, o->client_id, secret,
                                             o->redirect_uri, o->dns_provider_id);
  dcx_free_secret(secret);
  if (st == DC_OK) st = dc_client_set_token_params(c, api_url, o->token_params);
  if (st == DC_OK) return -1;
  return cli_fail(cmd, c, st);
}

static int with_client(enum kind k, const char *cmd, const char *help, int argc,
                       char **argv);

int cmd_token(int argc, char **argv)
{
  return with_client(K_TOKEN, "token", k_token_help, argc, argv);
}

int cmd_refresh(int argc, char **argv)
{
  return with_client(K_REFRESH, "refresh", k_refresh_help, argc, argv);
}

int cmd_apply(int argc, char **argv)
{
  return with_client(K_APPLY, "apply", k_apply_help, argc, argv);
}

int cmd_revert(int argc, char **argv)
{
  return with_client(K_REVERT, "revert", k_revert_help, argc, argv);
}

static int run_token(const char *cmd, dc_client *c, const struct opts *o)
{
  if (o->api_url == NULL || o->client_id == NULL || o->out == NULL)
    return cli_usage(cmd, "--api-url, --client-id and --out are required");
  if (check_write_target(cmd, o->out) != 0) return EXIT_REFUSED;
  bool missing = false;
  char *code = read_secret(cmd, o->code_file, "DC_OAUTH_CODE", &missing);
  if (code == NULL) {
    if (missing)
      return cli_usage(cmd, "the authorization code comes from --code-file FILE "
                            "or DC_OAUTH_CODE");
    return EXIT_REFUSED;
  }
  dc_token *t = NULL;
  int rc = register_from(cmd, c, o, o->api_url);
  if (rc < 0) {
    dc_status st = dc_token_exchange(c, o->api_url, NULL, code, &t);
    rc = st == DC_OK ? save_token(cmd, c, t, o->out) : cli_fail(cmd, c, st);
  }
  dcx_free_secret(code);
  dc_token_free(t);
  return rc;
}

static int run_refresh(const char *cmd, dc_client *c, const struct opts *o)
{
  if (o->token == NULL || o->out == NULL || o->client_id == NULL)
    return cli_usage(cmd, "--token, --out and --client-id are required");
  if (check_write_target(cmd, o->out) != 0) return EXIT_REFUSED;
  int rc = EXIT_REFUSED;
  dc_token *old = read_token(cmd, c, o->token, o->api_url, &rc), *fresh = NULL;
  if (old == NULL) return rc;
  rc = register_from(cmd, c, o, dc_token_api_url(old));
  if (rc < 0) {
    dc_status st = dc_token_refresh(c, old, &fresh);
    rc = st == DC_OK ? save_token(cmd, c, fresh, o->out) : cli_fail(cmd, c, st);
  }
  dc_token_free(old);
  dc_token_free(fresh);
  return rc;
}

static void print_conflicts(const dc_conflicts *cf)
{
  fputs("{\"code\":", stdout);
  cli_json_str(stdout, dc_conflicts_code(cf));
  fputs(",\"message\":", stdout);
  cli_json_str(stdout, dc_conflicts_message(cf));
  fputs(",\"records\":[", stdout);
  size_t n = dc_conflicts_count(cf);
  for (size_t i = 0; i < n; i++) {
    fputs(i ? ",{\"type\":" : "{\"type\":", stdout);
    cli_json_str(stdout, dc_conflicts_type(cf, i));
    fputs(",\"host\":", stdout);
    cli_json_str(stdout, dc_conflicts_host(cf, i));
    fputs(",\"data\":", stdout);
    cli_json_str(stdout, dc_conflicts_data(cf, i));
    fputs("}", stdout);
  }
  fputs("]}\n", stdout);
}

/* --auto-refresh: the rotated token goes back into --token (atomically,
 * mode 0600) before the call is made. */
struct rotate_ctx {
  const char *cmd;
  dc_client *c;
  const char *path;
};

static dc_status store_rotated(void *user, const dc_token *rotated)
{
  const struct rotate_ctx *rc = user;
  return save_token(rc->cmd, rc->c, rotated, rc->path) == EXIT_OK ? DC_OK : DC_E_IO;
}

/* The options object of apply/revert (and the signer it borrows). Returns
 * -1 to go on, or an exit code. */
static int bearer_opts(const char *cmd, dc_client *c, const struct opts *o,
                       struct rotate_ctx *rctx, dc_oauth_opts **oo, dc_signer **signer)
{
  if (dc_oauth_opts_new(oo) != DC_OK) {
    fprintf(stderr, "domainconnect %s: out of memory\n", cmd);
    return EXIT_REFUSED;
  }
  dc_status st = dc_oauth_opts_set_force(*oo, o->force);
  if (st == DC_OK)
    st = dc_oauth_opts_set_params_in(*oo, o->params_in_body ? DC_PARAMS_IN_BODY
                                                            : DC_PARAMS_IN_QUERY);
  if (st == DC_OK && o->auto_refresh)
    st = dc_oauth_opts_set_auto_refresh(*oo, store_rotated, rctx);
  if (st != DC_OK) return cli_fail(cmd, c, st);
  if (o->key_file == NULL) return -1;
  char *pass = NULL;
  if (o->pass_file != NULL && (pass = cli_read_secret_file(cmd, o->pass_file)) == NULL)
    return EXIT_REFUSED;
  st = dc_signer_new_from_file(c, o->key_file, pass, o->key_id, signer);
  dcx_free_secret(pass);
  if (st != DC_OK) return cli_fail_file(cmd, c, st, o->key_file);
  st = dc_oauth_opts_set_signer(*oo, *signer);
  return st == DC_OK ? -1 : cli_fail(cmd, c, st);
}

/* Usage rules of apply/revert beyond the required options. */
static int bearer_usage(const char *cmd, const struct opts *o)
{
  if (o->token == NULL || o->domain == NULL || !o->provider_given || !o->service_given)
    return cli_usage(cmd, "--token, --provider-id, --service-id and --domain are "
                          "required");
  if ((o->key_file == NULL) != (o->key_id == NULL))
    return cli_usage(cmd, "--key-file and --key-id go together");
  if (o->pass_file != NULL && o->key_file == NULL)
    return cli_usage(cmd, "--passphrase-file needs --key-file");
  if (o->key_file != NULL && o->params_in_body)
    return cli_usage(cmd, "a signature covers the query: --key-file cannot be used "
                          "with --params-in body");
  if (o->reg_given && !o->auto_refresh)
    return cli_usage(cmd, "--client-id, --client-secret-file, --redirect-uri, "
                          "--dns-provider-id, --api-url and --token-params are the "
                          "registration for --auto-refresh");
  if (o->auto_refresh && o->client_id == NULL)
    return cli_usage(cmd, "--auto-refresh needs the registration: --client-id (and "
                          "--client-secret-file or DC_CLIENT_SECRET)");
  return -1;
}

/* The request's zone and host from --domain (and --host). */
static dc_status bearer_target(dc_client *c, const struct opts *o, dc_request *r)
{
  char *zone = NULL, *host = NULL;
  dc_status st = DC_OK;
  if (o->psl != NULL) st = dc_client_set_psl_file(c, o->psl);
  if (st != DC_OK) return st;
  if (o->host_given) return dc_request_set_domain(r, o->domain);
  st = dc_zone_split(c, o->domain, &zone, &host);
  if (st == DC_OK) st = dc_request_set_domain(r, zone);
  if (st == DC_OK && host[0] != '\0') st = dc_request_set_host(r, host);
  dc_free(zone);
  dc_free(host);
  return st;
}

static int run_bearer(enum kind k, const char *cmd, dc_client *c,
                      const struct opts *o, dc_request *r)
{
  int rc = bearer_usage(cmd, o);
  if (rc >= 0) return rc;
  /* the rotated token is written back to --token */
  if (o->auto_refresh && check_write_target(cmd, o->token) != 0) return EXIT_REFUSED;
  rc = EXIT_REFUSED;
  dc_status st = DC_OK;
  dc_token *t = NULL;
  dc_conflicts *cf = NULL;
  dc_oauth_opts *oo = NULL;
  dc_signer *signer = NULL;
  struct rotate_ctx rctx = {cmd, c, o->token};
  st = bearer_target(c, o, r);
  if (st != DC_OK) { rc = cli_fail(cmd, c, st); goto done; }
  t = read_token(cmd, c, o->token, o->api_url, &rc);
  if (t == NULL) goto done;
  if (o->auto_refresh && (rc = register_from(cmd, c, o, dc_token_api_url(t))) >= 0)
    goto done;
  if ((rc = bearer_opts(cmd, c, o, &rctx, &oo, &signer)) >= 0) goto done;
  if (k == K_APPLY) st = dc_oauth_apply(c, t, NULL, r, oo, &cf);
  else st = dc_oauth_revert(c, t, NULL, r, oo);
  if (st == DC_OK) {
    printf("{\"result\":\"%s\",\"http_status\":%ld}\n",
           k == K_APPLY ? "applied" : "reverted", dc_client_http_status(c));
    rc = EXIT_OK;
  } else if (st == DC_E_CONFLICT && k == K_APPLY) {
    /* the library masked the call's secrets in every string of the body */
    if (cf != NULL) print_conflicts(cf);
    else fputs("{\"code\":null,\"message\":null,\"records\":[]}\n", stdout);
    cli_fail(cmd, c, st);
    rc = EXIT_CONFLICT;
  } else {
    rc = cli_fail(cmd, c, st);
  }
done:
  dc_conflicts_free(cf);
  dc_oauth_opts_free(oo);
  dc_signer_free(signer);
  dc_token_free(t);
  return rc;
}

static int with_client(enum kind k, const char *cmd, const char *help, int argc,
                       char **argv)
{
  dc_client *c = NULL;
  dc_request *r = NULL;
  struct opts o = {0};
  int rc = EXIT_REFUSED;
  if (dc_client_new(&c) != DC_OK || dc_request_new(&r) != DC_OK) {
    fprintf(stderr, "domainconnect %s: out of memory\n", cmd);
    goto done;
  }
  rc = parse(k, cmd, help, c, r, &o, argc, argv);
  if (rc >= 0) goto done;
  switch (k) {
  case K_TOKEN: rc = run_token(cmd, c, &o); break;
  case K_REFRESH: rc = run_refresh(cmd, c, &o); break;
  case K_APPLY:
  case K_REVERT: rc = run_bearer(k, cmd, c, &o, r); break;
  }
done:
  dc_request_free(r);
  dc_client_free(c);
  return rc;
}
