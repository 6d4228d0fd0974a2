/* Network options of the handle, library-wide initialisation. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ares.h>
#include <curl/curl.h>
#include <jansson.h>
#include <libpsl.h>
#include <openssl/crypto.h>

#include "core/internal.h"
#include "domainconnect/net.h"
#include "core/addr.h"
#include "x/file.h"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static dc_status g_init_status = DC_E_INTERNAL;

static void global_init_once(void)
{
  if (OPENSSL_init_crypto(0, NULL) != 1) return;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return;
  if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) return;
  /* Jansson seeds its hash function on the first object; do it here, once,
   * before threads make objects concurrently (jansson's thread notes). */
  json_object_seed(0);
  g_init_status = DC_OK;
}

DC_API dc_status dc_global_init(void)
{
  if (pthread_once(&g_once, global_init_once) != 0) return DC_E_INTERNAL;
  return g_init_status;
}

void dci_config_free(struct dci_config *cfg)
{
  if (cfg == NULL) return;
  if (cfg->psl != NULL) psl_free(cfg->psl);
  free(cfg->dns_servers);
  free(cfg->ca_file);
  if (cfg->ca_blob) dci_wipe(cfg->ca_blob, cfg->ca_blob_len);
  free(cfg->ca_blob);
  for (size_t i = 0; i < cfg->n_regs; i++) {
    struct dci_registration *r = &cfg->regs[i];
    free(r->api_url);
    free(r->client_id);
    dci_free_secret(r->client_secret);
    free(r->redirect_uri);
    free(r->provider_id);
  }
  free(cfg->regs);
  free(cfg->proxy_url);
  dci_free_secret(cfg->proxy_user);
  dci_free_secret(cfg->proxy_pass);
  dci_ta_list_free(&cfg->ta);
  free(cfg->ta_autr);
  free(cfg);
}

struct dci_config *dci_setter_entry(dc_client *c)
{
  dci_clear(c);
  return dci_config_mut(c);
}

DC_API dc_status dc_client_set_timeout_ms(dc_client *c, dc_timeout which, long ms)
{
  if (c == NULL) return DC_E_INVALID_ARG;
  struct dci_config *cfg = dci_setter_entry(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  if (ms < 1 || ms > DC_MAX_TIMEOUT_MS)
    return dci_fail(c, DC_E_INVALID_ARG, "timeout %ld ms is outside 1..%ld", ms,
                    DC_MAX_TIMEOUT_MS);
  switch (which) {
  case DC_TIMEOUT_DNS: cfg->timeout_dns_ms = ms; return DC_OK;
  case DC_TIMEOUT_CONNECT: cfg->timeout_connect_ms = ms; return DC_OK;
  case DC_TIMEOUT_TOTAL: cfg->timeout_total_ms = ms; return DC_OK;
  }
  return dci_fail(c, DC_E_INVALID_ARG, "unknown timeout kind %d", (int)which);
}

/* "1.2.3.4", "1.2.3.4:5353", "[::1]", "[::1]:5353" (and a bare "::1")
 * -> c-ares CSV entry. */
DC_API dc_status dc_client_add_dns_server(dc_client *c, const char *hp)
{
  if (c == NULL || hp == NULL) return DC_E_INVALID_ARG;
  struct dci_config *cfg = dci_setter_entry(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  if (cfg->n_dns_servers >= DC_MAX_DNS_SERVERS)
    return dci_fail(c, DC_E_LIMIT, "more than %d DNS servers", DC_MAX_DNS_SERVERS);
  dci_addr a;
  unsigned port;
  char host[INET6_ADDRSTRLEN], entry[96];
  size_t len = strnlen(hp, 128);
  int n = -1;
  if (len < 128 && dci_hostport_parse(hp, len, 53, &a, &port) == NULL) {
    dci_addr_format(&a, host, sizeof host);
    n = snprintf(entry, sizeof entry, a.family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port);
  }
  if (n < 0 || (size_t)n >= sizeof entry) {
    char safe[80];
    dci_sanitize(safe, sizeof safe, hp, strnlen(hp, 256), 64);
    return dci_fail(c, DC_E_INVALID_ARG,
                    "DNS server '%s' is not IPv4[:port] or [IPv6][:port]", safe);
  }
  size_t old = cfg->dns_servers ? strlen(cfg->dns_servers) : 0;
  char *csv = realloc(cfg->dns_servers, old + (size_t)n + 2);
  if (csv == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  if (old > 0) csv[old++] = ',';
  memcpy(csv + old, entry, (size_t)n + 1);
  cfg->dns_servers = csv;
  cfg->n_dns_servers++;
  return DC_OK;
}

DC_API dc_status dc_client_set_ca_file(dc_client *c, const char *path)
{
  if (c == NULL || path == NULL) return DC_E_INVALID_ARG;
  struct dci_config *cfg = dci_setter_entry(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  char *p = dci_strdup(path);
  if (p == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  free(cfg->ca_file);
  cfg->ca_file = p;
  return DC_OK;
}

DC_API dc_status dc_client_set_ca_blob(dc_client *c, const void *pem, size_t len)
{
  if (c == NULL || pem == NULL || len == 0) return DC_E_INVALID_ARG;
  struct dci_config *cfg = dci_setter_entry(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  if (len > DC_MAX_PEM_LEN * 16)
    return dci_fail(c, DC_E_LIMIT, "CA bundle larger than %d bytes", DC_MAX_PEM_LEN * 16);
  unsigned char *b = malloc(len);
  if (b == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  memcpy(b, pem, len);
  free(cfg->ca_blob);
  cfg->ca_blob = b;
  cfg->ca_blob_len = len;
  return DC_OK;
}

DC_API dc_status dc_client_set_zone_mode(dc_client *c, dc_zone_mode mode)
{
  if (c == NULL) return DC_E_INVALID_ARG;
  struct dci_config *cfg = dci_setter_entry(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  if (mode != DC_ZONE_PSL && mode != DC_ZONE_SOA)
    return dci_fail(c, DC_E_INVALID_ARG, "unknown zone mode %d", (int)mode);
  cfg->zone_mode = (int)mode;
  return DC_OK;
}

/* A TEST-ONLY allow-list entry: "IPv4", "IPv6" or "[IPv6]" (port 443), or
 * "IPv4:PORT" or "[IPv6]:PORT". IPv4 is a strict dotted quad, the port
 * strict decimal 1..65535 (dci_port_problem). An unbracketed IPv6 address
 * is always a whole address ("::1:8443" is the address ::1:8443 on port
 * 443, as before ports were accepted). Returns NULL, or a fixed reason. */
static const char *parse_allow(const char *spec, struct dci_allowed_addr *out)
{
  size_t len = strnlen(spec, DC_MAX_ALLOW_SPEC + 1);
  dci_addr a;
  memset(out, 0, sizeof *out);
  if (len == 0) return "empty";
  if (len > DC_MAX_ALLOW_SPEC) return "not an IP address: too long";
  const char *why = dci_hostport_parse(spec, len, DCI_HTTPS_PORT, &a, &out->port);
  if (why != NULL) return why;
  out->family = a.family;
  memcpy(out->b, a.b, sizeof out->b);
  return NULL;
}

DC_API dc_status dc_client_test_only_allow_address(dc_client *c, const char *spec)
{
  if (c == NULL || spec == NULL) return DC_E_INVALID_ARG;
  struct dci_config *cfg = dci_setter_entry(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  if (cfg->n_test_allow >= DC_MAX_TEST_ALLOW)
    return dci_fail(c, DC_E_LIMIT, "more than %d test-only addresses", DC_MAX_TEST_ALLOW);
  struct dci_allowed_addr a;
  const char *why = parse_allow(spec, &a);
  if (why != NULL) {
    char safe[80];
    dci_sanitize(safe, sizeof safe, spec, strnlen(spec, 256), 64);
    return dci_fail(c, DC_E_INVALID_ARG, "test-only address '%s': %s", safe, why);
  }
  cfg->test_allow[cfg->n_test_allow++] = a;
  return DC_OK;
}

/* The list is read with a cap (DC_MAX_PSL_FILE) from a regular file only:
 * /dev/zero, a FIFO or a directory would never end or block the load. */
DC_API dc_status dc_client_set_psl_file(dc_client *c, const char *path)
{
  if (c == NULL || path == NULL) return DC_E_INVALID_ARG;
  struct dci_config *cfg = dci_setter_entry(c);
  if (cfg == NULL) return DC_E_INVALID_ARG;
  dc_status status = DC_OK;
  char safe[128];
  char *text = NULL;
  size_t len = 0;
  FILE *fp = NULL;
  psl_ctx_t *p = NULL;
  bool not_regular = false;
  enum dcx_read_err why = DCX_READ_OK;
  dci_sanitize(safe, sizeof safe, path, strlen(path), 100);
  int fd = dcx_open_regular(path, &not_regular);
  if (fd < 0) {
    status = dci_fail(c, DC_E_PSL_FILE, not_regular
                      ? "public suffix list %s is not a regular file"
                      : "cannot open public suffix list %s", safe);
    goto done;
  }
  text = dcx_read_fd(fd, DC_MAX_PSL_FILE, false, &len, &why);
  close(fd);
  if (why == DCX_READ_TOO_BIG) {
    status = dci_fail(c, DC_E_PSL_FILE, "public suffix list %s is larger than %d bytes",
                      safe, DC_MAX_PSL_FILE);
    goto done;
  }
  if (text == NULL) {
    status = why == DCX_READ_NOMEM ? dci_fail(c, DC_E_NOMEM, "out of memory")
             : dci_fail(c, DC_E_PSL_FILE, "cannot read public suffix list %s", safe);
    goto done;
  }
  /* libpsl reads a stream: the capped copy, never the file again (an
   * empty file is one NUL byte: text is NUL-terminated) */
  fp = fmemopen(text, len > 0 ? len : 1, "r");
  if (fp != NULL) p = psl_load_fp(fp);
  if (p == NULL) {
    status = dci_fail(c, DC_E_PSL_FILE, "cannot load public suffix list from %s", safe);
    goto done;
  }
  if (cfg->psl != NULL) psl_free(cfg->psl);
  cfg->psl = p;
done:
  if (fp != NULL) fclose(fp);
  free(text);
  return status;
}
