/* sync-url and consent-url: build the URLs a user agent is sent to, from a
 * settings file or, without one, from the settings discovered for --domain
 * (the library then takes the zone and host from them). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char k_sync_help[] =
  "usage: domainconnect sync-url [--settings FILE] --domain DOMAIN\n"
  "         --provider-id ID --service-id ID [OPTIONS] [NETWORK OPTIONS]\n\n"
  "Prints the synchronous apply URL on one line:\n"
  "  {urlSyncUX}/v2/domainTemplates/providers/{ID}/services/{ID}/apply?...\n\n"
  "  --settings FILE        provider settings JSON; without it the provider is\n"
  "                         discovered for DOMAIN (as `discover` does, with the\n"
  "                         network options below) and the URL takes the zone\n"
  "                         and host from the discovery\n"
  "  --domain DOMAIN        the domain to configure; split into zone and host\n"
  "                         with the public suffix list unless --host is given,\n"
  "                         in which case DOMAIN is the zone itself\n"
  "  --soa                  (discovery) find the zone by walking SOA records\n"
  "  --host HOST            host (sub-domain) inside the zone; \"\" = apex\n"
  "  --provider-id ID       the Service Provider's id (template providerId)\n"
  "  --service-id ID        the template's serviceId\n"
  "  --param NAME=VALUE     template variable (repeatable)\n"
  "  --redirect-uri URI     where the provider sends the user afterwards\n"
  "  --state STATE          opaque value echoed back on the redirect\n"
  "  --group-id ID          apply only this group (repeatable)\n"
  "  --provider-name NAME   providerName (shared templates)\n"
  "  --service-name NAME    serviceName (shared templates)\n"
  "  --instance-id ID       instanceId (multi-instance templates)\n"
  "  --key-file FILE        sign with this RSA private key (PEM)\n"
  "  --key-id LABEL         label of the public-key TXT record (with --key-file)\n"
  "  --passphrase-file FILE passphrase of an encrypted key (first line)\n"
  "  --profile default|python  query encoding: RFC 3986 sorted (default) or\n"
  "                         byte-identical to the reference Python client\n"
  "  --psl-file FILE        public suffix list for the zone split\n"
  "A settings document for another zone than DOMAIN's, or a discovery for\n"
  "another host than --host, is refused (settings_mismatch).\n";

static const char k_consent_help[] =
  "usage: domainconnect consent-url [--settings FILE] --domain DOMAIN\n"
  "         --provider-id ID --service-id ID [--service-id ID]...\n"
  "         --redirect-uri URI [OPTIONS] [NETWORK OPTIONS]\n\n"
  "Prints the asynchronous (OAuth) consent URL on one line:\n"
  "  {urlAsyncUX}/v2/domainTemplates/providers/{ID}?client_id=..&scope=..\n\n"
  "  --settings FILE        provider settings JSON; without it the provider is\n"
  "                         discovered for DOMAIN (as `discover` does, with the\n"
  "                         network options below) and the URL takes the zone\n"
  "                         and host from the discovery\n"
  "  --domain DOMAIN        the domain the consent is asked for; split into\n"
  "                         zone and host with the public suffix list unless\n"
  "                         --host is given, in which case DOMAIN is the zone\n"
  "  --host HOST            a host the templates may be applied to (repeatable;\n"
  "                         \"\" = the apex)\n"
  "  --soa                  (discovery) find the zone by walking SOA records\n"
  "  --psl-file FILE        public suffix list for the zone split\n"
  "  --provider-id ID       the Service Provider's id\n"
  "  --service-id ID        a template serviceId in the scope (repeatable)\n"
  "  --client-id ID         OAuth client_id (default: the provider id)\n"
  "  --redirect-uri URI     registered redirect URI (required)\n"
  "  --state STATE          opaque value echoed back (use a fresh random one)\n"
  "  --param NAME=VALUE     template variable for consent-time checks (repeatable)\n"
  "  --provider-name NAME   providerName (shared templates)\n"
  "  --service-name NAME    serviceName (shared templates)\n"
  "A settings document for another zone than DOMAIN's, or a discovery for\n"
  "another host than the --host ones, is refused (settings_mismatch).\n";

enum {
  O_SETTINGS = 256, O_DOMAIN, O_HOST, O_PROVIDER, O_SERVICE, O_PARAM, O_REDIRECT,
  O_STATE, O_GROUP, O_PNAME, O_SNAME, O_INSTANCE, O_KEYFILE, O_KEYID, O_PASSFILE,
  O_PROFILE, O_PSL, O_CLIENT, O_SOA
};

struct req_opts {
  const char *settings, *domain, *key_file, *key_id, *pass_file, *psl;
  int profile;
  bool host_given, soa;
};

static dc_status apply_opt(dc_request *r, struct req_opts *o, int ch, char *arg,
                           bool consent)
{
  switch (ch) {
  case O_SETTINGS: o->settings = arg; return DC_OK;
  case O_DOMAIN: o->domain = arg; return DC_OK;
  case O_HOST:
    o->host_given = true;
    return consent ? dc_request_add_host(r, arg) : dc_request_set_host(r, arg);
  case O_PROVIDER: return dc_request_set_provider_id(r, arg);
  case O_SERVICE:
    return consent ? dc_request_add_service_id(r, arg)
                   : dc_request_set_service_id(r, arg);
  case O_PARAM: {
    char *eq = strchr(arg, '=');
    if (eq == NULL) return DC_E_INVALID_ARG;
    *eq = '\0';
    dc_status st = dc_request_set_param(r, arg, eq + 1);
    *eq = '=';
    return st;
  }
  case O_REDIRECT: return dc_request_set_redirect_uri(r, arg);
  case O_STATE: return dc_request_set_state(r, arg);
  case O_GROUP: return dc_request_add_group_id(r, arg);
  case O_PNAME: return dc_request_set_provider_name(r, arg);
  case O_SNAME: return dc_request_set_service_name(r, arg);
  case O_INSTANCE: return dc_request_set_instance_id(r, arg);
  case O_CLIENT: return dc_request_set_client_id(r, arg);
  case O_KEYFILE: o->key_file = arg; return DC_OK;
  case O_KEYID: o->key_id = arg; return DC_OK;
  case O_PASSFILE: o->pass_file = arg; return DC_OK;
  case O_PSL: o->psl = arg; return DC_OK;
  case O_SOA: o->soa = true; return DC_OK;
  case O_PROFILE:
    if (strcmp(arg, "default") == 0) o->profile = DC_PROFILE_DEFAULT;
    else if (strcmp(arg, "python") == 0) o->profile = DC_PROFILE_PYTHON;
    else return DC_E_INVALID_ARG;
    return DC_OK;
  default: return DC_E_INVALID_ARG;
  }
}

/* The command line into r and *o. Returns -1 to go on, else the exit
 * status (EXIT_OK after --help). */
static int parse_opts(const char *cmd, dc_client *c, dc_request *r, struct req_opts *o,
                      int argc, char **argv, bool consent)
{
  static const struct option mine[] = {
    {"settings", required_argument, NULL, O_SETTINGS},
    {"domain", required_argument, NULL, O_DOMAIN},
    {"host", required_argument, NULL, O_HOST},
    {"provider-id", required_argument, NULL, O_PROVIDER},
    {"service-id", required_argument, NULL, O_SERVICE},
    {"param", required_argument, NULL, O_PARAM},
    {"redirect-uri", required_argument, NULL, O_REDIRECT},
    {"state", required_argument, NULL, O_STATE},
    {"group-id", required_argument, NULL, O_GROUP},
    {"provider-name", required_argument, NULL, O_PNAME},
    {"service-name", required_argument, NULL, O_SNAME},
    {"instance-id", required_argument, NULL, O_INSTANCE},
    {"client-id", required_argument, NULL, O_CLIENT},
    {"key-file", required_argument, NULL, O_KEYFILE},
    {"key-id", required_argument, NULL, O_KEYID},
    {"passphrase-file", required_argument, NULL, O_PASSFILE},
    {"profile", required_argument, NULL, O_PROFILE},
    {"psl-file", required_argument, NULL, O_PSL},
    {"soa", no_argument, NULL, O_SOA},
    {"help", no_argument, NULL, 'h'},
  };
  /* the network options (netopts.c) for the discovery; with --settings,
   * --test-allow-address still lets the settings' URLs name a test port */
  struct option opts[sizeof mine / sizeof mine[0] + 16];
  cli_opts_merge(opts, sizeof opts / sizeof opts[0], mine, sizeof mine / sizeof mine[0],
                 cli_netopt_long);
  int ch;
  cli_getopt_reset();
  while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    if (ch == 'h') {
      fputs(consent ? k_consent_help : k_sync_help, stdout);
      fputs("\n", stdout);
      fputs(cli_netopt_help, stdout);
      return EXIT_OK;
    }
    bool key_opt = ch == O_KEYFILE || ch == O_KEYID || ch == O_PASSFILE ||
                   ch == O_PROFILE || ch == O_GROUP || ch == O_INSTANCE;
    bool sync_only_bad = consent && key_opt;
    bool consent_only_bad = !consent && ch == O_CLIENT;
    if (ch == '?' || ch == ':' || sync_only_bad || consent_only_bad)
      return cli_usage(cmd, "unknown option or missing value");
    if (ch >= CLI_NETOPT_BASE) {
      int rc = cli_netopt_apply(cmd, c, ch, optarg);
      if (rc != 0) return rc;
      continue;
    }
    dc_status st = apply_opt(r, o, ch, optarg, consent);
    if (st == DC_E_INVALID_ARG)
      return cli_usage(cmd, ch == O_PARAM ? "--param takes NAME=VALUE"
                            : ch == O_PROFILE ? "--profile takes default or python"
                                              : "invalid option value");
    if (st != DC_OK) return cli_fail(cmd, c, st);
  }
  if (optind != argc) return cli_usage(cmd, "unexpected argument");
  if (o->domain == NULL) return cli_usage(cmd, "--domain is required");
  if (o->settings != NULL && o->soa)
    return cli_usage(cmd, "--soa is for the discovery (without --settings)");
  if ((o->key_file == NULL) != (o->key_id == NULL))
    return cli_usage(cmd, "--key-file and --key-id go together");
  return -1;
}

static int build_url(int argc, char **argv, bool consent)
{
  const char *cmd = consent ? "consent-url" : "sync-url";
  struct req_opts o = {0};
  dc_client *c = NULL;
  dc_request *r = NULL;
  dc_settings *s = NULL;
  dc_signer *signer = NULL;
  char *json = NULL, *pass = NULL, *zone = NULL, *host = NULL, *url = NULL;
  int rc = EXIT_REFUSED;
  size_t len = 0;

  if (dc_client_new(&c) != DC_OK || dc_request_new(&r) != DC_OK) {
    fprintf(stderr, "domainconnect %s: out of memory\n", cmd);
    goto done;
  }
  rc = parse_opts(cmd, c, r, &o, argc, argv, consent);
  if (rc >= 0) goto done;
  rc = EXIT_REFUSED;

  dc_status st = DC_OK;
  if (o.psl != NULL) st = dc_client_set_psl_file(c, o.psl);
  if (st == DC_OK && o.soa) st = dc_client_set_zone_mode(c, DC_ZONE_SOA);
  if (st != DC_OK) { rc = cli_fail_file(cmd, c, st, o.psl); goto done; }
  if (o.settings == NULL) {
    /* One step from a domain: the discovered settings know the zone and
     * the host; with --host, DOMAIN is the zone and must be the one found. */
    if (o.host_given) st = dc_request_set_domain(r, o.domain);
    if (st == DC_OK) st = dc_discover(c, o.domain, &s);
  } else if (o.host_given) {
    st = dc_request_set_domain(r, o.domain);
  } else {
    st = dc_zone_split(c, o.domain, &zone, &host);
    if (st == DC_OK) st = dc_request_set_domain(r, zone);
    if (st == DC_OK && host[0] != '\0')
      st = consent ? dc_request_add_host(r, host) : dc_request_set_host(r, host);
  }
  if (st != DC_OK) { rc = cli_fail(cmd, c, st); goto done; }

  if (s == NULL) {
    json = cli_read_file(cmd, o.settings, 1024 * 1024, &len);
    if (json == NULL) goto done;
    st = dc_settings_parse(c, json, len, NULL, &s);
    if (st != DC_OK) { rc = cli_fail(cmd, c, st); goto done; }
  }

  if (o.key_file != NULL) {
    if (o.pass_file != NULL) {
      pass = cli_read_secret_file(cmd, o.pass_file);
      if (pass == NULL) goto done;
    }
    st = dc_signer_new_from_file(c, o.key_file, pass, o.key_id, &signer);
    if (st != DC_OK) { rc = cli_fail(cmd, c, st); goto done; }
  }
  st = consent ? dc_consent_url(c, s, r, &url)
               : dc_sync_apply_url(c, s, r, signer, (dc_profile)o.profile, &url);
  if (st != DC_OK) { rc = cli_fail(cmd, c, st); goto done; }
  printf("%s\n", url);
  rc = EXIT_OK;
done:
  dc_free(url);
  dc_free(zone);
  dc_free(host);
  dcx_free_secret(pass);
  free(json);
  dc_signer_free(signer);
  dc_settings_free(s);
  dc_request_free(r);
  dc_client_free(c);
  return rc;
}

int cmd_sync_url(int argc, char **argv) { return build_url(argc, argv, false); }
int cmd_consent_url(int argc, char **argv) { return build_url(argc, argv, true); }
