/* domainconnect-sandbox: OAuth authorization codes and tokens.
 * Codes live in memory (one-time, short-lived); access and refresh tokens
 * are kept as SHA-256 hashes, in memory and in STATE/oauth.json so they
 * survive a restart. The plain values exist only in the responses. */
#ifndef SBX_OAUTH_H
#define SBX_OAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* What the user allowed on the consent page (docs/protocol.md §3.2). */
struct sbx_grant {
  char *client_id;
  char *redirect_uri;  /* of the consent request; the token call repeats it */
  char *domain;        /* the zone */
  char **hosts;        /* "" = the apex */
  size_t n_hosts;
  char *provider_id;   /* the Service Provider (template providerId) */
  char **scopes;       /* serviceIds */
  size_t n_scopes;
};
void sbx_grant_clear(struct sbx_grant *g);
bool sbx_grant_copy(struct sbx_grant *dst, const struct sbx_grant *src);
bool sbx_grant_has_host(const struct sbx_grant *g, const char *host);
bool sbx_grant_has_scope(const struct sbx_grant *g, const char *service_id);

struct sbx_oauth;

struct sbx_tokens {
  char *access_token;   /* wiped on clear */
  char *refresh_token;  /* NULL when none is issued */
  long expires_in;
};
void sbx_tokens_clear(struct sbx_tokens *t);

enum sbx_oauth_status {
  SBX_OAUTH_OK = 0,
  SBX_OAUTH_INVALID_GRANT,   /* unknown, used, expired, other client, redirect_uri */
  SBX_OAUTH_FULL,            /* too many codes or tokens outstanding */
  SBX_OAUTH_ERROR            /* memory or disk */
};

/* `path` is STATE/oauth.json (loaded when present). */
struct sbx_oauth *sbx_oauth_new(const char *path, long code_lifetime, long token_lifetime,
                                char *err, size_t errsz);
void sbx_oauth_free(struct sbx_oauth *o);

/* A new one-time code for the grant (*code: wipe and free). */
enum sbx_oauth_status sbx_oauth_issue_code(struct sbx_oauth *o, const struct sbx_grant *g,
                                           char **code);
/* authorization_code grant. `redirect_uri` may be NULL; it must equal the
 * consent request's. A code presented twice revokes the tokens it gave. */
enum sbx_oauth_status sbx_oauth_redeem_code(struct sbx_oauth *o, const char *code,
                                            const char *client_id, const char *redirect_uri,
                                            struct sbx_tokens *out);
/* refresh_token grant; with `rotate` the old refresh token stops working. */
enum sbx_oauth_status sbx_oauth_refresh(struct sbx_oauth *o, const char *refresh_token,
                                        const char *client_id, bool rotate,
                                        struct sbx_tokens *out);
/* A valid (known, unexpired, not revoked) access token: its grant is
 * copied into *g. */
bool sbx_oauth_check_access(struct sbx_oauth *o, const char *access_token, struct sbx_grant *g);

#endif
