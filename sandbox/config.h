/* domainconnect-sandbox: configuration (docs/sandbox.md, "Configuration"). */
#ifndef SBX_CONFIG_H
#define SBX_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct sbx_client {
  char *id;
  char *secret;          /* NULL: a secret-less (public) client */
  char **redirect_uris;  /* exact matches */
  size_t n_redirect_uris;
  char **provider_ids;   /* Service Provider ids it may ask consent for; none = any */
  size_t n_provider_ids;
  bool rotate;           /* refresh tokens rotate (default true) */
  long success_status;   /* apply/revert success: 200, 202 or 204; 0 = the default */
};

struct sbx_zone_cfg {
  char *name;            /* normalised */
  json_t *records;       /* initial records (zone JSON array), owned */
};

struct sbx_pubkey {
  char *domain;          /* syncPubKeyDomain, normalised */
  char *key_id;          /* the label, e.g. "_dck1" */
  char **txt;            /* TXT record texts "p=1,a=RS256,d=..." */
  size_t n_txt;
};

struct sbx_redir_rec {
  char *type;
  char *data;            /* NULL: the listen address */
  long ttl;
};

struct sbx_config {
  char *base_dir;        /* relative paths in the config resolve here */
  char *provider_id, *provider_name, *display_name;
  char *provider_zone;   /* the provider's own zone, e.g. sandbox.test */
  char *api_host, *ux_host;
  char **hosts;          /* every provider host name (api, ux, extra) */
  size_t n_hosts;
  char *ns_host;         /* NS of every zone (ns1.<provider zone>) */
  struct sbx_zone_cfg *zones;
  size_t n_zones;
  char **template_dirs;
  size_t n_template_dirs;
  char **no_revert;      /* "providerId/serviceId" */
  size_t n_no_revert;
  struct sbx_client *clients;
  size_t n_clients;
  struct sbx_pubkey *pubkeys;
  size_t n_pubkeys;
  struct sbx_redir_rec *redir;
  size_t n_redir;
  long token_lifetime;   /* seconds */
  long code_lifetime;    /* seconds */
  long width, height;
  long default_ttl;      /* SOA/NS/_domainconnect TTL */
  long success_status;   /* apply/revert success: 200 (JSON body), 202 (JSON) or 204 */
};

/* Loads FILE (or the built-in default when path is NULL). `err` gets a
 * reason on failure. */
bool sbx_config_load(const char *path, struct sbx_config **out, char *err, size_t errsz);
void sbx_config_free(struct sbx_config *c);
const struct sbx_client *sbx_config_client(const struct sbx_config *c, const char *id);
const struct sbx_zone_cfg *sbx_config_zone(const struct sbx_config *c, const char *name);
bool sbx_config_no_revert(const struct sbx_config *c, const char *provider, const char *service);
/* The status of a successful apply or revert for the client (its own
 * successStatus, else the configuration's). */
long sbx_config_success_status(const struct sbx_config *c, const char *client_id);
/* The built-in default configuration (sandbox/sandbox.json, embedded). */
extern const unsigned char sbx_default_config[];
extern const size_t sbx_default_config_len;

#endif
