/* domainconnect-sandbox: zone store on disk and zone files for Knot.
 *
 * A hosted zone is STATE/zones/NAME.json: {"zone","serial","records":[...]}
 * where records use the library's zone JSON (template.h: type, name
 * relative to the zone with "@" for the apex, ttl, data, priority, weight,
 * port, protocol, service, _dc). Every change is written with
 * write-temp + fsync + rename while the zone is locked (a mutex for the
 * threads of this process, flock() for other processes), after Knot has
 * reloaded the new zone file and serves the new serial. SOA, NS and
 * _domainconnect are not stored: they are added when the zone file is
 * rendered. */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util.h"
#include "x/addr.h"

#define MAX_ZONE_JSON (32 * 1024 * 1024)
#define SOA_TIMERS "3600 600 604800 60"

void sbx_strv_free(char **v)
{
  if (v == NULL) return;
  for (char **p = v; *p != NULL; p++) free(*p);
  free(v);
}

static bool rfail(char *err, size_t errsz, const char *fmt, ...) DCX_PRINTF(3, 4);
static bool rfail(char *err, size_t errsz, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errsz, fmt, ap);
  va_end(ap);
  return false;
}

/* ---- rendering */

/* A zone-relative owner: "@" or labels of A-Za-z0-9-_ (a leading "*"
 * label allowed). */
static bool valid_owner(const char *name, const char *zone)
{
  if (strcmp(name, "@") == 0) return true;
  size_t len = strlen(name), label = 0;
  if (len == 0 || len + 1 + strlen(zone) > SBX_MAX_NAME) return false;
  for (size_t i = 0; i <= len; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c == '.' || c == '\0') {
      if (label == 0 || label > 63) return false;
      label = 0;
      continue;
    }
    if (c == '*') {
      if (i != 0 || (name[1] != '.' && name[1] != '\0')) return false;
    } else if (!(dcx_is_alnum(c) || c == '-' || c == '_')) {
      return false;
    }
    label++;
  }
  return true;
}

/* A target host name, absolute with or without its trailing dot. */
static bool add_target(dcx_buf *b, const char *t)
{
  size_t len = strlen(t);
  if (strcmp(t, ".") == 0) return dcx_buf_adds(b, ".");
  char *n = dcx_strndup(t, len > 0 && t[len - 1] == '.' ? len - 1 : len);
  if (n == NULL) return false;
  bool ok = sbx_valid_hostname(n, true) && dcx_buf_adds(b, n) && dcx_buf_addc(b, '.');
  free(n);
  return ok;
}

/* TXT data as character-strings of at most 255 bytes, escaped. */
static bool add_txt(dcx_buf *b, const char *s)
{
  size_t len = strlen(s), i = 0;
  if (len == 0) return dcx_buf_adds(b, "\"\"");
  while (i < len) {
    size_t chunk = len - i > 255 ? 255 : len - i;
    if (i > 0) dcx_buf_addc(b, ' ');
    dcx_buf_addc(b, '"');
    for (size_t k = i; k < i + chunk; k++) {
      unsigned char c = (unsigned char)s[k];
      if (c == '"' || c == '\\')
        dcx_buf_addf(b, "\\%c", c);
      else if (c < 0x20 || c >= 0x7f)
        dcx_buf_addf(b, "\\%03u", c);
      else
        dcx_buf_addc(b, (char)c);
    }
    dcx_buf_addc(b, '"');
    i += chunk;
  }
  return !b->err;
}

/* RDATA in presentation format for a generic type: printable ASCII, no
 * parentheses or comments outside quotes, quotes balanced (no line
 * continuation can swallow the records after it). */
static bool generic_rdata_ok(const char *d)
{
  bool q = false;
  if (*d == '\0') return false;
  for (const char *p = d; *p != '\0'; p++) {
    unsigned char c = (unsigned char)*p;
    if (!dcx_is_print(c)) return false;
    if (c == '\\') {
      if (p[1] == '\0') return false;
      p++;
      continue;
    }
    if (c == '"') q = !q;
    else if (!q && (c == '(' || c == ')' || c == ';')) return false;
  }
  return !q;
}

static bool valid_type(const char *t)
{
  size_t len = strlen(t);
  if (len == 0 || len > 16 || !dcx_is_alpha((unsigned char)t[0])) return false;
  for (const char *p = t; *p != '\0'; p++)
    if (!(dcx_is_digit((unsigned char)*p) || (*p >= 'A' && *p <= 'Z') || *p == '-')) return false;
  return true;
}

const char *sbx_json_str(const json_t *o, const char *k)
{
  const json_t *v = json_object_get(o, k);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An integer field (JSON number or decimal string). */
static bool jint(const json_t *o, const char *k, long min, long max, long *out)
{
  const json_t *v = json_object_get(o, k);
  if (json_is_integer(v)) {
    json_int_t x = json_integer_value(v);
    if (x < min || x > max) return false;
    *out = (long)x;
    return true;
  }
  if (json_is_string(v)) return dcx_parse_long(json_string_value(v), min, max, out);
  return false;
}

static const char *strip_us(const char *s) { return s[0] == '_' ? s + 1 : s; }

struct owner_ent {
  char *owner;
  bool cname;
};

static int cmp_owner(const void *a, const void *b)
{
  const struct owner_ent *x = a, *y = b;
  int c = strcmp(x->owner, y->owner);
  if (c != 0) return c;
  return (int)x->cname - (int)y->cname;
}

/* Renders one record; returns false with err set when it cannot be served.
 * `owner_out` gets the owner name as written (lower case) or NULL when the
 * record is not a DNS record (REDIR, APEXCNAME, SPFM). */
static bool render_record(dcx_buf *b, const json_t *r, const char *zone, size_t idx,
                          char **owner_out, bool *is_cname, char *err, size_t errsz)
{
  const char *type = sbx_json_str(r, "type"), *name = sbx_json_str(r, "name");
  const char *data = sbx_json_str(r, "data");
  long ttl = 3600;
  char owner[600];
  *owner_out = NULL;
  *is_cname = false;
  if (!json_is_object(r) || type == NULL || name == NULL)
    return rfail(err, errsz, "record %zu: type and name are required", idx);
  if (strcmp(type, "REDIR301") == 0 || strcmp(type, "REDIR302") == 0 ||
      strcmp(type, "APEXCNAME") == 0 || strcmp(type, "SPFM") == 0)
    return true; /* stored, not a DNS record (docs/sandbox.md) */
  if (!valid_type(type)) return rfail(err, errsz, "record %zu: record type not servable", idx);
  if (strcmp(type, "SOA") == 0)
    return rfail(err, errsz, "record %zu: SOA is managed by the sandbox", idx);
  if (json_object_get(r, "ttl") != NULL && !jint(r, "ttl", 0, 2147483647L, &ttl))
    return rfail(err, errsz, "record %zu: bad ttl", idx);
  if (!valid_owner(name, zone)) return rfail(err, errsz, "record %zu: bad owner name", idx);
  const char *service = sbx_json_str(r, "service"), *protocol = sbx_json_str(r, "protocol");
  if (strcmp(type, "SRV") == 0 && service != NULL && protocol != NULL && service[0] != '\0' &&
      protocol[0] != '\0') {
    /* RFC 2782 owner: _service._proto.name (docs/protocol.md §4.2) */
    if (!sbx_fmt(owner, sizeof owner, "_%s._%s%s%s", strip_us(service), strip_us(protocol),
                 strcmp(name, "@") == 0 ? "" : ".", strcmp(name, "@") == 0 ? "" : name) ||
        !valid_owner(owner, zone))
      return rfail(err, errsz, "record %zu: bad SRV service/protocol", idx);
  } else if (!sbx_fmt(owner, sizeof owner, "%s", name)) {
    return rfail(err, errsz, "record %zu: bad owner name", idx);
  }
  for (char *p = owner; *p != '\0'; p++) *p = (char)dcx_lower((unsigned char)*p);
  dcx_buf_addf(b, "%s %ld IN %s ", owner, ttl, type);
  long prio = 0, weight = 0, port = 0;
  if (strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0) {
    dcx_addr a;
    char txt[INET6_ADDRSTRLEN];
    if (data == NULL || !dcx_ip_parse(data, type[1] == '\0' ? AF_INET : AF_INET6, &a))
      return rfail(err, errsz, "record %zu: %s data is not an address", idx, type);
    dcx_addr_format(&a, txt, sizeof txt);
    dcx_buf_adds(b, txt);
  } else if (strcmp(type, "CNAME") == 0 || strcmp(type, "NS") == 0 ||
             strcmp(type, "DNAME") == 0 || strcmp(type, "PTR") == 0) {
    if (data == NULL || strcmp(data, ".") == 0 || !add_target(b, data))
      return rfail(err, errsz, "record %zu: %s target is not a host name", idx, type);
    if (strcmp(type, "CNAME") == 0) {
      *is_cname = true;
      if (strcmp(owner, "@") == 0)
        return rfail(err, errsz, "record %zu: a CNAME cannot be at the zone apex", idx);
    }
  } else if (strcmp(type, "MX") == 0) {
    if (!jint(r, "priority", 0, 65535, &prio))
      return rfail(err, errsz, "record %zu: MX priority missing or out of range", idx);
    dcx_buf_addf(b, "%ld ", prio);
    if (data == NULL || !add_target(b, data))
      return rfail(err, errsz, "record %zu: MX target is not a host name", idx);
  } else if (strcmp(type, "SRV") == 0) {
    if (!jint(r, "priority", 0, 65535, &prio) || !jint(r, "weight", 0, 65535, &weight) ||
        !jint(r, "port", 0, 65535, &port))
      return rfail(err, errsz, "record %zu: SRV priority/weight/port missing or out of range", idx);
    dcx_buf_addf(b, "%ld %ld %ld ", prio, weight, port);
    if (data == NULL || !add_target(b, data))
      return rfail(err, errsz, "record %zu: SRV target is not a host name", idx);
  } else if (strcmp(type, "TXT") == 0 || strcmp(type, "SPF") == 0) {
    if (data == NULL || !add_txt(b, data))
      return rfail(err, errsz, "record %zu: bad TXT data", idx);
  } else {
    if (data == NULL || !generic_rdata_ok(data))
      return rfail(err, errsz, "record %zu: %s data is not servable presentation format", idx,
                   type);
    dcx_buf_adds(b, data);
  }
  dcx_buf_addc(b, '\n');
  *owner_out = dcx_strdup(owner);
  return *owner_out != NULL;
}

static void add_pubkey_extras(const struct sbx_store *s, const char *zone, dcx_buf *b,
                              struct owner_ent *ents, size_t *nents)
{
  const struct sbx_config *cfg = s->cfg;
  for (size_t i = 0; i < cfg->n_pubkeys; i++) {
    const struct sbx_pubkey *pk = &cfg->pubkeys[i];
    char fqdn[600];
    if (!sbx_fmt(fqdn, sizeof fqdn, "%s.%s", pk->key_id, pk->domain)) continue;
    /* the most specific served zone holds it */
    const char *best = NULL;
    for (size_t z = 0; z < s->n_served; z++)
      if (sbx_name_in_zone(fqdn, s->served[z]) &&
          (best == NULL || strlen(s->served[z]) > strlen(best)))
        best = s->served[z];
    if (best == NULL || strcmp(best, zone) != 0) continue;
    size_t rel = strlen(fqdn) - strlen(zone) - 1;
    for (size_t k = 0; k < pk->n_txt; k++) {
      dcx_buf_addf(b, "%.*s %ld IN TXT ", (int)rel, fqdn, cfg->default_ttl);
      add_txt(b, pk->txt[k]);
      dcx_buf_addc(b, '\n');
    }
    if (ents != NULL) {
      ents[*nents].owner = dcx_strndup(fqdn, rel);
      ents[*nents].cname = false;
      if (ents[*nents].owner != NULL) (*nents)++;
    }
  }
}

char *sbx_render_zone(const struct sbx_store *s, const char *zone, uint32_t serial,
                      const json_t *records, bool hosted, char *err, size_t errsz)
{
  const struct sbx_config *cfg = s->cfg;
  dcx_buf b;
  size_t n = records != NULL ? json_array_size(records) : 0;
  struct owner_ent *ents = calloc(n + cfg->n_pubkeys + 4, sizeof *ents);
  size_t nents = 0;
  bool ok = false;
  dcx_buf_init(&b, SBX_MAX_BUF);
  err[0] = '\0';
  if (ents == NULL) {
    rfail(err, errsz, "out of memory");
    goto done;
  }
  dcx_buf_addf(&b, "; %s, written by domainconnect-sandbox from its zone store\n", zone);
  dcx_buf_addf(&b, "$ORIGIN %s.\n$TTL %ld\n", zone, cfg->default_ttl);
  dcx_buf_addf(&b, "@ %ld IN SOA %s. hostmaster.%s. %u " SOA_TIMERS "\n", cfg->default_ttl,
               cfg->ns_host, cfg->provider_zone, serial);
  dcx_buf_addf(&b, "@ %ld IN NS %s.\n", cfg->default_ttl, cfg->ns_host);
  ents[nents++] = (struct owner_ent){dcx_strdup("@"), false};
  if (hosted) {
    /* docs/protocol.md §1.2: discovery at the zone apex. On a port other than
     * 443 the value names it ("https://" + value + "/v2" stays a URL); the
     * client accepts that only with a test-only allowance for the port. */
    char txt[300];
    if (s->listen_port > 0 && s->listen_port != 443)
      snprintf(txt, sizeof txt, "%s:%d", cfg->api_host, s->listen_port);
    else
      snprintf(txt, sizeof txt, "%s", cfg->api_host);
    dcx_buf_addf(&b, "_domainconnect %ld IN TXT ", cfg->default_ttl);
    add_txt(&b, txt);
    dcx_buf_addc(&b, '\n');
    ents[nents++] = (struct owner_ent){dcx_strdup("_domainconnect"), false};
  } else if (strcmp(zone, cfg->provider_zone) == 0) {
    size_t zl = strlen(zone);
    dcx_buf_addf(&b, "%.*s %ld IN A 127.0.0.1\n", (int)(strlen(cfg->ns_host) - zl - 1),
                 cfg->ns_host, cfg->default_ttl);
    for (size_t i = 0; i < cfg->n_hosts; i++)
      dcx_buf_addf(&b, "%.*s %ld IN %s %s\n", (int)(strlen(cfg->hosts[i]) - zl - 1), cfg->hosts[i],
                   cfg->default_ttl, s->listen_v6 ? "AAAA" : "A", s->listen_ip);
  }
  add_pubkey_extras(s, zone, &b, ents, &nents);
  for (size_t i = 0; i < n; i++) {
    char *owner = NULL;
    bool cname = false;
    if (!render_record(&b, json_array_get(records, i), zone, i, &owner, &cname, err, errsz))
      goto done;
    if (owner != NULL) ents[nents++] = (struct owner_ent){owner, cname};
  }
  /* RFC 1034 3.6.2: a CNAME owner has no other data */
  for (size_t i = 0; i < nents; i++)
    if (ents[i].owner == NULL) {
      rfail(err, errsz, "out of memory");
      goto done;
    }
  qsort(ents, nents, sizeof *ents, cmp_owner);
  for (size_t i = 0; i + 1 < nents; i++)
    if (strcmp(ents[i].owner, ents[i + 1].owner) == 0 && ents[i + 1].cname) {
      rfail(err, errsz, "a CNAME at %s would share its name with other records", ents[i].owner);
      goto done;
    }
  if (b.err) {
    rfail(err, errsz, "out of memory");
    goto done;
  }
  ok = true;
done:
  for (size_t i = 0; ents != NULL && i < nents; i++) free(ents[i].owner);
  free(ents);
  if (!ok) {
    dcx_buf_free(&b);
    return NULL;
  }
  return dcx_buf_take(&b);
}

/* ---- zone files */
static json_t *load_zone_json(const char *path, const char *zone, uint32_t *serial, char *err,
                              size_t errsz)
{
  size_t len = 0;
  char *text = dcx_read_file(path, MAX_ZONE_JSON, false, &len, NULL);
  json_t *root = NULL, *recs = NULL;
  if (text == NULL) {
    rfail(err, errsz, "cannot read %s: %s", path, strerror(errno));
    return NULL;
  }
  json_error_t je;
  root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  free(text);
  long ser = 0;
  if (root == NULL || !json_is_object(root) || !json_is_array(json_object_get(root, "records")) ||
      !jint(root, "serial", 1, 4294967295L, &ser) || sbx_json_str(root, "zone") == NULL ||
      strcmp(sbx_json_str(root, "zone"), zone) != 0) {
    rfail(err, errsz, "%s is not a zone file of the sandbox", path);
    json_decref(root);
    return NULL;
  }
  recs = json_incref(json_object_get(root, "records"));
  json_decref(root);
  *serial = (uint32_t)ser;
  return recs;
}

static bool save_zone_json(const char *path, const char *zone, uint32_t serial,
                           const json_t *records)
{
  json_t *root = json_pack("{s:s, s:I, s:O}", "zone", zone, "serial", (json_int_t)serial,
                           "records", records);
  if (root == NULL) return false;
  char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (text == NULL) return false;
  size_t len = strlen(text);
  char *t2 = realloc(text, len + 2);
  if (t2 == NULL) {
    free(text);
    return false;
  }
  t2[len] = '\n';
  t2[len + 1] = '\0';
  bool ok = dcx_write_file_atomic(path, t2, len + 1, 0644) == DCX_WRITE_OK;
  free(t2);
  return ok;
}

/* The SOA serial of a zone file this sandbox wrote ("@ TTL IN SOA mname
 * rname SERIAL ..."); false when there is none to read. */
static bool zone_file_serial(const struct sbx_knot *k, const char *zone, uint32_t *serial)
{
  char path[PATH_MAX];
  bool ok = false;
  if (!sbx_fmt(path, sizeof path, "%s/%s.zone", k->zone_dir, zone)) return false;
  char *text = dcx_read_file(path, MAX_ZONE_JSON, false, NULL, NULL);
  if (text == NULL) return false;
  for (char *line = text; line != NULL && !ok;) {
    char *nl = strchr(line, '\n');
    if (nl != NULL) *nl = '\0';
    char f[7][300];
    if (strncmp(line, "@ ", 2) == 0 && strlen(line) < 1000 &&
        sscanf(line, "%299s %299s %299s %299s %299s %299s %299s", f[0], f[1], f[2], f[3], f[4],
               f[5], f[6]) == 7 &&
        strcmp(f[2], "IN") == 0 && strcmp(f[3], "SOA") == 0) {
      long v = 0;
      ok = dcx_parse_long(f[6], 1, 4294967295L, &v);
      if (ok) *serial = (uint32_t)v;
    }
    line = nl != NULL ? nl + 1 : NULL;
  }
  free(text);
  return ok;
}

/* Serials only move forward across a crash: a change is published in the
 * zone file (serial N+1) before the store is written (still N), so a kill
 * in between leaves the zone file ahead, and DNS may have served N+1. The
 * store's content is what counts; its serial becomes one past both, and is
 * saved, so no serial is ever published twice with different content. */
static uint32_t forward_serial(const struct sbx_store *s, const struct sbx_zone *z,
                               uint32_t serial)
{
  uint32_t zf = 0;
  if (!zone_file_serial(s->knot, z->name, &zf) || zf <= serial) return serial;
  uint32_t next = zf + 1 == 0 ? 1 : zf + 1;
  sbx_log(SBX_WARN, "zone %s: the zone file has serial %u, the store %u (a change was cut "
          "short): serving the store's records as serial %u", z->name, zf, serial, next);
  return next;
}

static void zone_lock(struct sbx_zone *z)
{
  pthread_mutex_lock(&z->mu);
  while (flock(z->lock_fd, LOCK_EX) != 0 && errno == EINTR) {
  }
}

static void zone_unlock(struct sbx_zone *z)
{
  flock(z->lock_fd, LOCK_UN);
  pthread_mutex_unlock(&z->mu);
}

static bool add_served(struct sbx_store *s, const char *name)
{
  for (size_t i = 0; i < s->n_served; i++)
    if (strcmp(s->served[i], name) == 0) return true;
  char **v = realloc(s->served, (s->n_served + 2) * sizeof *v);
  if (v == NULL) return false;
  s->served = v;
  if ((v[s->n_served] = dcx_strdup(name)) == NULL) return false;
  v[++s->n_served] = NULL;
  return true;
}

bool sbx_store_plan(struct sbx_store *s, const struct sbx_config *cfg, char *err, size_t errsz)
{
  s->cfg = cfg;
  if (!add_served(s, cfg->provider_zone)) return rfail(err, errsz, "out of memory");
  for (size_t i = 0; i < cfg->n_zones; i++)
    if (!add_served(s, cfg->zones[i].name)) return rfail(err, errsz, "out of memory");
  /* a key domain outside every served zone becomes a zone of its own */
  for (size_t i = 0; i < cfg->n_pubkeys; i++) {
    bool inside = false;
    for (size_t z = 0; z < s->n_served; z++)
      inside = inside || sbx_name_in_zone(cfg->pubkeys[i].domain, s->served[z]);
    if (!inside && !add_served(s, cfg->pubkeys[i].domain)) return rfail(err, errsz, "out of memory");
  }
  return true;
}

bool sbx_store_open(struct sbx_store *s, const struct sbx_config *cfg, const char *state_dir,
                    struct sbx_knot *knot, const char *listen_ip, bool listen_v6,
                    int listen_port, char *err, size_t errsz)
{
  char path[PATH_MAX];
  s->cfg = cfg;
  s->knot = knot;
  s->listen_v6 = listen_v6;
  s->listen_port = listen_port;
  s->listen_ip = dcx_strdup(listen_ip);
  if (s->listen_ip == NULL || !sbx_fmt(path, sizeof path, "%s/zones", state_dir) ||
      (s->dir = dcx_strdup(path)) == NULL)
    return rfail(err, errsz, "out of memory");
  if (sbx_mkdir(s->dir, 0700) != 0)
    return rfail(err, errsz, "cannot create %s: %s", s->dir, strerror(errno));
  s->zones = calloc(cfg->n_zones + 1, sizeof *s->zones);
  if (s->zones == NULL) return rfail(err, errsz, "out of memory");
  for (size_t i = 0; i < cfg->n_zones; i++) {
    const struct sbx_zone_cfg *zc = &cfg->zones[i];
    struct sbx_zone *z = &s->zones[i];
    z->lock_fd = -1;
    pthread_mutex_init(&z->mu, NULL);
    s->n_zones++;
    z->name = dcx_strdup(zc->name);
    if (z->name == NULL || !sbx_fmt(path, sizeof path, "%s/%s.json", s->dir, zc->name) ||
        (z->json_path = dcx_strdup(path)) == NULL ||
        !sbx_fmt(path, sizeof path, "%s/%s.lock", s->dir, zc->name))
      return rfail(err, errsz, "out of memory");
    z->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (z->lock_fd < 0) return rfail(err, errsz, "cannot open %s: %s", path, strerror(errno));
    zone_lock(z);
    uint32_t serial = 1;
    json_t *recs = NULL;
    bool fresh = access(z->json_path, F_OK) != 0;
    if (fresh) {
      recs = json_incref(zc->records);
    } else {
      recs = load_zone_json(z->json_path, z->name, &serial, err, errsz);
    }
    uint32_t stored = serial;
    if (recs != NULL) serial = forward_serial(s, z, serial);
    char *text = recs ? sbx_render_zone(s, z->name, serial, recs, true, err, errsz) : NULL;
    bool ok = text != NULL;
    if (text == NULL && recs != NULL) {
      char tmp[400];
      snprintf(tmp, sizeof tmp, "zone %s: %s", z->name, err);
      snprintf(err, errsz, "%s", tmp);
    }
    if (ok && (fresh || serial != stored) && !save_zone_json(z->json_path, z->name, serial, recs)) {
      ok = rfail(err, errsz, "cannot write %s", z->json_path);
    }
    if (ok && !sbx_knot_write_zone(knot, z->name, text))
      ok = rfail(err, errsz, "cannot write the zone file of %s", z->name);
    zone_unlock(z);
    free(text);
    json_decref(recs);
    if (!ok) return false;
    sbx_log(SBX_INFO, "zone %s: serial %u%s", z->name, serial, fresh ? " (created)" : "");
  }
  /* the provider's zone and key zones: fixed content, serial from the clock */
  for (size_t i = 0; i < s->n_served; i++) {
    if (sbx_config_zone(cfg, s->served[i]) != NULL) continue;
    uint32_t serial = (uint32_t)time(NULL);
    char *text = sbx_render_zone(s, s->served[i], serial, NULL, false, err, errsz);
    bool ok = text != NULL && sbx_knot_write_zone(knot, s->served[i], text);
    free(text);
    if (!ok) return rfail(err, errsz, "cannot write the zone file of %s", s->served[i]);
  }
  return true;
}

void sbx_store_close(struct sbx_store *s)
{
  for (size_t i = 0; i < s->n_zones; i++) {
    struct sbx_zone *z = &s->zones[i];
    free(z->name);
    free(z->json_path);
    if (z->lock_fd >= 0) close(z->lock_fd);
    pthread_mutex_destroy(&z->mu);
  }
  free(s->zones);
  for (size_t i = 0; i < s->n_served; i++) free(s->served[i]);
  free(s->served);
  free(s->dir);
  free(s->listen_ip);
  memset(s, 0, sizeof *s);
}

struct sbx_zone *sbx_store_find(struct sbx_store *s, const char *name)
{
  if (name == NULL) return NULL;
  for (size_t i = 0; i < s->n_zones; i++)
    if (strcmp(s->zones[i].name, name) == 0) return &s->zones[i];
  return NULL;
}

bool sbx_store_read(struct sbx_store *s, struct sbx_zone *z, json_t **records, uint32_t *serial)
{
  char err[256];
  uint32_t ser = 0;
  (void)s;
  zone_lock(z);
  *records = load_zone_json(z->json_path, z->name, &ser, err, sizeof err);
  zone_unlock(z);
  if (*records == NULL) {
    sbx_log(SBX_ERROR, "%s", err);
    return false;
  }
  if (serial != NULL) *serial = ser;
  return true;
}

int sbx_store_update(struct sbx_store *s, struct sbx_zone *z, sbx_update_fn fn, void *ctx,
                     char *err, size_t errsz)
{
  int rc = SBX_UPDATE_IO;
  json_t *cur = NULL, *next = NULL;
  char *text = NULL, *old_text = NULL;
  char zpath[PATH_MAX];
  uint32_t serial = 0;
  err[0] = '\0';
  zone_lock(z);
  cur = load_zone_json(z->json_path, z->name, &serial, err, errsz);
  if (cur == NULL) goto done;
  rc = fn(ctx, cur, &next);
  if (rc != 0 || next == NULL) goto done;
  if (json_equal(cur, next)) goto done; /* nothing changes */
  if (json_array_size(next) > SBX_MAX_ZONE_RECORDS) {
    rc = SBX_UPDATE_LIMIT;
    rfail(err, errsz, "a zone holds at most %d records", SBX_MAX_ZONE_RECORDS);
    goto done;
  }
  uint32_t nserial = serial + 1 == 0 ? 1 : serial + 1;
  text = sbx_render_zone(s, z->name, nserial, next, true, err, errsz);
  if (text == NULL) {
    rc = SBX_UPDATE_INVALID;
    goto done;
  }
  rc = SBX_UPDATE_IO;
  if (!sbx_fmt(zpath, sizeof zpath, "%s/%s.zone", s->knot->zone_dir, z->name)) goto done;
  old_text = dcx_read_file(zpath, MAX_ZONE_JSON, false, NULL, NULL);
  if (!sbx_knot_write_zone(s->knot, z->name, text)) {
    rfail(err, errsz, "cannot write the zone file");
    goto done;
  }
  if (!sbx_knot_reload(s->knot, z->name, nserial, err, errsz)) {
    /* Knot keeps serving the old zone when the new file does not load;
     * put the old file back so the two never disagree. */
    sbx_log(SBX_ERROR, "zone %s: %s", z->name, err);
    if (old_text != NULL && sbx_knot_write_zone(s->knot, z->name, old_text)) {
      char err2[256];
      if (!sbx_knot_reload(s->knot, z->name, serial, err2, sizeof err2))
        sbx_log(SBX_ERROR, "zone %s: restoring: %s", z->name, err2);
    }
    rc = SBX_UPDATE_INVALID;
    goto done;
  }
  if (!save_zone_json(z->json_path, z->name, nserial, next)) {
    rfail(err, errsz, "cannot write the zone store");
    sbx_log(SBX_ERROR, "zone %s: cannot write %s: %s", z->name, z->json_path, strerror(errno));
    if (old_text != NULL && sbx_knot_write_zone(s->knot, z->name, old_text)) {
      char err2[256];
      (void)sbx_knot_reload(s->knot, z->name, serial, err2, sizeof err2);
    }
    goto done;
  }
  sbx_log(SBX_INFO, "zone %s: serial %u, %zu records", z->name, nserial, json_array_size(next));
  rc = SBX_UPDATE_OK;
done:
  zone_unlock(z);
  free(text);
  free(old_text);
  json_decref(cur);
  json_decref(next);
  return rc;
}

static bool push(char ***v, size_t *n, const char *s)
{
  char **nv = realloc(*v, (*n + 2) * sizeof *nv);
  if (nv == NULL) return false;
  *v = nv;
  if ((nv[*n] = dcx_strdup(s)) == NULL) return false;
  nv[++*n] = NULL;
  return true;
}

bool sbx_store_txt(struct sbx_store *s, const char *fqdn, char ***txt, size_t *n)
{
  const struct sbx_config *cfg = s->cfg;
  *txt = NULL;
  *n = 0;
  for (size_t i = 0; i < cfg->n_pubkeys; i++) {
    const struct sbx_pubkey *pk = &cfg->pubkeys[i];
    char name[600];
    if (!sbx_fmt(name, sizeof name, "%s.%s", pk->key_id, pk->domain)) continue;
    if (!dcx_streq_nocase(name, fqdn)) continue;
    for (size_t k = 0; k < pk->n_txt; k++)
      if (!push(txt, n, pk->txt[k])) goto fail;
  }
  for (size_t i = 0; i < s->n_zones; i++) {
    struct sbx_zone *z = &s->zones[i];
    if (!sbx_name_in_zone(fqdn, z->name)) continue;
    size_t rel = strlen(fqdn) - strlen(z->name);
    char relname[300];
    if (rel == 0) {
      snprintf(relname, sizeof relname, "@");
    } else if (!sbx_fmt(relname, sizeof relname, "%.*s", (int)(rel - 1), fqdn)) {
      continue;
    }
    json_t *recs = NULL;
    if (!sbx_store_read(s, z, &recs, NULL)) continue;
    size_t idx;
    json_t *r;
    json_array_foreach(recs, idx, r) {
      const char *t = sbx_json_str(r, "type"), *nm = sbx_json_str(r, "name");
      const char *d = sbx_json_str(r, "data");
      if (t && nm && d && strcmp(t, "TXT") == 0 && dcx_streq_nocase(nm, relname) &&
          !push(txt, n, d)) {
        json_decref(recs);
        goto fail;
      }
    }
    json_decref(recs);
  }
  return true;
fail:
  sbx_strv_free(*txt);
  *txt = NULL;
  *n = 0;
  return false;
}
