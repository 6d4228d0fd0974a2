/* Zones: immutable, reference-counted records in the conformance suite's
 * shape, indexed by owner name (a hash table whose nodes form the name
 * tree, so "records at or below foo" costs the size of that subtree) and,
 * for multi-aware mode, by template instance. The index is built once when
 * a zone is made; applying a template never walks the whole zone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "template/tpl_internal.h"

/* ---- records */

static size_t slen(const char *s)
{
  return s ? strlen(s) + 1 : 0;
}

/* Copies `s` into the record's buffer at *pos; returns the copy. */
static const char *put(char *buf, size_t *pos, const char *s)
{
  if (s == NULL) return NULL;
  size_t n = strlen(s) + 1;
  char *p = buf + *pos;
  memcpy(p, s, n);
  *pos += n;
  return p;
}

struct dci_rec *dci_rec_make(const struct dci_rec_spec *sp)
{
  char *txt = NULL;
  enum dci_kind kind = dci_kind_of(sp->type);
  if (kind == DCI_K_TXT) {
    txt = dci_txt_logical(sp->data);
    if (txt == NULL) return NULL;
    if (strcmp(txt, sp->data) == 0) {
      free(txt);
      txt = NULL;
    }
  }
  size_t total = slen(sp->type) + slen(sp->name) + slen(sp->data) + slen(txt) +
                 slen(sp->protocol) + slen(sp->service) + slen(sp->dc_json) +
                 slen(sp->dc_id) + slen(sp->dc_provider) + slen(sp->dc_service) +
                 slen(sp->dc_host) + slen(sp->dc_essential) + slen(sp->dc_group);
  struct dci_rec *r = malloc(sizeof *r + total);
  if (r == NULL) {
    free(txt);
    return NULL;
  }
  size_t pos = 0;
  atomic_init(&r->refs, 1);
  r->kind = kind;
  r->type = put(r->buf, &pos, sp->type);
  r->name = put(r->buf, &pos, sp->name);
  r->data = put(r->buf, &pos, sp->data);
  r->txt = txt ? put(r->buf, &pos, txt) : r->data;
  r->protocol = put(r->buf, &pos, sp->protocol);
  r->service = put(r->buf, &pos, sp->service);
  r->ttl = sp->ttl;
  r->priority = sp->priority;
  r->weight = sp->weight;
  r->port = sp->port;
  r->dc_json = put(r->buf, &pos, sp->dc_json);
  r->dc_id = put(r->buf, &pos, sp->dc_id);
  r->dc_provider = put(r->buf, &pos, sp->dc_provider);
  r->dc_service = put(r->buf, &pos, sp->dc_service);
  r->dc_host = put(r->buf, &pos, sp->dc_host);
  r->dc_essential = put(r->buf, &pos, sp->dc_essential);
  r->dc_group = put(r->buf, &pos, sp->dc_group);
  free(txt);
  return r;
}

void dci_rec_ref(struct dci_rec *r)
{
  atomic_fetch_add_explicit(&r->refs, 1, memory_order_relaxed);
}

void dci_rec_unref(struct dci_rec *r)
{
  if (r == NULL) return;
  if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1) free(r);
}

char *dci_txt_logical(const char *data)
{
  size_t n = strlen(data);
  if (n == 0 || data[0] != '"') return dci_strdup(data);
  char *out = malloc(n + 1);
  if (out == NULL) return NULL;
  size_t o = 0, i = 0;
  while (i < n) {
    while (i < n && (data[i] == ' ' || data[i] == '\t')) i++;
    if (i == n) break;
    if (data[i] != '"') goto verbatim; /* text between the strings */
    i++;
    for (;;) {
      if (i >= n) goto verbatim; /* unterminated */
      unsigned char ch = (unsigned char)data[i];
      if (ch == '"') {
        i++;
        break;
      }
      if (ch == '\\') {
        if (i + 1 >= n) goto verbatim;
        if (i + 3 < n && dci_is_digit((unsigned char)data[i + 1]) &&
            dci_is_digit((unsigned char)data[i + 2]) &&
            dci_is_digit((unsigned char)data[i + 3])) {
          int v = (data[i + 1] - '0') * 100 + (data[i + 2] - '0') * 10 + (data[i + 3] - '0');
          if (v > 255 || v == 0) goto verbatim;
          out[o++] = (char)v;
          i += 4;
        } else {
          out[o++] = data[i + 1];
          i += 2;
        }
        continue;
      }
      out[o++] = (char)ch;
      i++;
    }
    if (i < n && data[i] != ' ' && data[i] != '\t') goto verbatim;
  }
  out[o] = '\0';
  return out;
verbatim:
  memcpy(out, data, n + 1);
  return out;
}

/* ---- string multimap */

uint64_t dci_hash(const char *s)
{
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h;
}

size_t dci_strmap_get(const struct dci_strmap *m, const char *key, uint64_t h)
{
  if (m->nslots == 0) return DCI_NONE;
  size_t mask = m->nslots - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    size_t s = m->slots[i];
    if (s == 0) return DCI_NONE;
    size_t node = s - 1;
    if (m->hashes[node] == h && strcmp(m->keys[node], key) == 0) return node;
  }
}

static dc_status strmap_rehash(struct dci_strmap *m, size_t nslots)
{
  size_t *slots = calloc(nslots, sizeof *slots);
  if (slots == NULL) return DC_E_NOMEM;
  size_t mask = nslots - 1;
  for (size_t node = 0; node < m->n; node++) {
    size_t i = (size_t)m->hashes[node] & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = node + 1;
  }
  free(m->slots);
  m->slots = slots;
  m->nslots = nslots;
  return DC_OK;
}

/* Resizes the array `arr` to `ncap` elements; on failure arr is unchanged
 * and the enclosing function returns DC_E_NOMEM. */
#define RESIZE_OR_NOMEM(arr, ncap)                                             \
  do {                                                                         \
    void *grown_ = realloc((arr), (ncap) * sizeof *(arr));                     \
    if (grown_ == NULL) return DC_E_NOMEM;                                     \
    (arr) = grown_;                                                            \
  } while (0)

/* Adds `key` (absent) and returns its node; the key is kept by pointer
 * (or owned, with own_keys). */
static dc_status strmap_add(struct dci_strmap *m, const char *key, uint64_t h,
                            size_t *node)
{
  if (m->n == m->cap) {
    size_t ncap = m->cap ? m->cap * 2 : 16;
    RESIZE_OR_NOMEM(m->keys, ncap);
    RESIZE_OR_NOMEM(m->hashes, ncap);
    RESIZE_OR_NOMEM(m->first, ncap);
    RESIZE_OR_NOMEM(m->last, ncap);
    m->cap = ncap;
  }
  if ((m->n + 1) * 2 > m->nslots) {
    dc_status st = strmap_rehash(m, m->nslots ? m->nslots * 2 : 32);
    if (st != DC_OK) return st;
  }
  size_t idx = m->n++;
  m->keys[idx] = key;
  m->hashes[idx] = h;
  m->first[idx] = m->last[idx] = DCI_NONE;
  size_t mask = m->nslots - 1;
  size_t i = (size_t)h & mask;
  while (m->slots[i] != 0) i = (i + 1) & mask;
  m->slots[i] = idx + 1;
  *node = idx;
  return DC_OK;
}

static void strmap_free(struct dci_strmap *m)
{
  if (m->own_keys)
    for (size_t i = 0; i < m->n; i++) free((char *)(uintptr_t)m->keys[i]);
  free(m->slots);
  free(m->keys);
  free(m->hashes);
  free(m->first);
  free(m->last);
  memset(m, 0, sizeof *m);
}

/* ---- zone */

dc_zone *dci_zone_alloc(void)
{
  dc_zone *z = calloc(1, sizeof *z);
  if (z == NULL) return NULL;
  atomic_init(&z->refs, 1);
  z->inst.own_keys = true;
  z->tmpl.own_keys = true;
  return z;
}

dc_status dci_zone_push(dc_zone *z, struct dci_rec *r)
{
  if (z->n == z->cap) {
    size_t ncap = z->cap ? z->cap * 2 : 16;
    struct dci_rec **nr = realloc(z->recs, ncap * sizeof *nr);
    if (nr == NULL) {
      dci_rec_unref(r);
      return DC_E_NOMEM;
    }
    z->recs = nr;
    z->cap = ncap;
  }
  z->recs[z->n++] = r;
  return DC_OK;
}

static void zone_unindex(dc_zone *z)
{
  strmap_free(&z->names);
  strmap_free(&z->inst);
  strmap_free(&z->tmpl);
  z->inst.own_keys = z->tmpl.own_keys = true;
  free(z->parent);
  free(z->first_child);
  free(z->next_sibling);
  free(z->next_name);
  free(z->next_inst);
  free(z->next_tmpl);
  z->parent = z->first_child = z->next_sibling = NULL;
  z->next_name = z->next_inst = z->next_tmpl = NULL;
  z->indexed = false;
}

static void zone_destroy(dc_zone *z)
{
  for (size_t i = 0; i < z->n; i++) dci_rec_unref(z->recs[i]);
  free(z->recs);
  zone_unindex(z);
  free(z);
}

void dci_zone_ref(const dc_zone *z)
{
  dc_zone *m = (dc_zone *)(uintptr_t)z;
  atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
}

DC_API void dc_zone_free(dc_zone *z)
{
  if (z == NULL) return;
  if (atomic_fetch_sub_explicit(&z->refs, 1, memory_order_acq_rel) == 1) zone_destroy(z);
}

static const char *parent_name(const char *name)
{
  if (strcmp(name, "@") == 0) return NULL;
  const char *dot = strchr(name, '.');
  return dot ? dot + 1 : "@";
}

/* Node of `name`, created with its ancestors when absent. The tree arrays
 * follow the map's capacity. */
static dc_status name_node(dc_zone *z, const char *name, size_t *out)
{
  uint64_t h = dci_hash(name);
  size_t node = dci_strmap_get(&z->names, name, h);
  if (node != DCI_NONE) {
    *out = node;
    return DC_OK;
  }
  size_t oldcap = z->names.cap;
  dc_status st = strmap_add(&z->names, name, h, &node);
  if (st != DC_OK) return st;
  if (z->names.cap != oldcap) {
    size_t ncap = z->names.cap;
    RESIZE_OR_NOMEM(z->parent, ncap);
    RESIZE_OR_NOMEM(z->first_child, ncap);
    RESIZE_OR_NOMEM(z->next_sibling, ncap);
  }
  z->parent[node] = DCI_NONE;
  z->first_child[node] = DCI_NONE;
  z->next_sibling[node] = DCI_NONE;
  const char *pn = parent_name(name);
  if (pn != NULL) {
    size_t p;
    st = name_node(z, pn, &p); /* depth bounded by the label count */
    if (st != DC_OK) return st;
    z->parent[node] = p;
    z->next_sibling[node] = z->first_child[p];
    z->first_child[p] = node;
  }
  *out = node;
  return DC_OK;
}

void dci_norm_host(const char *h, char *out, size_t outsz)
{
  size_t o = 0;
  if (h == NULL || strcmp(h, "@") == 0) h = "";
  for (; *h && o + 1 < outsz; h++) out[o++] = (char)dci_lower((unsigned char)*h);
  if (o > 0 && out[o - 1] == '.') o--;
  out[o] = '\0';
}

static char *join3(const char *a, const char *b, const char *c, bool lower_ab)
{
  size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
  char *k = malloc(na + nb + nc + 3);
  if (k == NULL) return NULL;
  memcpy(k, a, na);
  k[na] = '\x1f';
  memcpy(k + na + 1, b, nb);
  k[na + 1 + nb] = '\x1f';
  memcpy(k + na + nb + 2, c, nc + 1);
  if (lower_ab)
    for (size_t i = 0; i < na + nb + 1; i++) k[i] = (char)dci_lower((unsigned char)k[i]);
  return k;
}

char *dci_inst_key(const char *provider, const char *service, const char *id)
{
  return join3(provider, service, id, true);
}

char *dci_tmpl_key(const char *provider, const char *service, const char *host)
{
  char h[DC_MAX_NAME_LEN + 2];
  dci_norm_host(host, h, sizeof h);
  return join3(provider, service, h, true);
}

/* Links record `i` into the list of map node for `key` (taken: owned by
 * the map, or freed when the key exists). */
static dc_status link_key(struct dci_strmap *m, size_t *next, char *key, size_t i)
{
  if (key == NULL) return DC_E_NOMEM;
  uint64_t h = dci_hash(key);
  size_t node = dci_strmap_get(m, key, h);
  if (node == DCI_NONE) {
    dc_status st = strmap_add(m, key, h, &node);
    if (st != DC_OK) {
      free(key);
      return st;
    }
  } else {
    free(key);
  }
  next[i] = DCI_NONE;
  if (m->last[node] == DCI_NONE) m->first[node] = i;
  else next[m->last[node]] = i;
  m->last[node] = i;
  return DC_OK;
}

dc_status dci_zone_index(dc_zone *z)
{
  dc_status status = DC_OK;
  zone_unindex(z);
  size_t n = z->n ? z->n : 1;
  z->next_name = malloc(n * sizeof *z->next_name);
  z->next_inst = malloc(n * sizeof *z->next_inst);
  z->next_tmpl = malloc(n * sizeof *z->next_tmpl);
  if (z->next_name == NULL || z->next_inst == NULL || z->next_tmpl == NULL) {
    status = DC_E_NOMEM;
    goto done;
  }
  size_t apex;
  DCI_TRY(name_node(z, "@", &apex));
  for (size_t i = 0; i < z->n; i++) {
    const struct dci_rec *r = z->recs[i];
    size_t node;
    DCI_TRY(name_node(z, r->name, &node));
    z->next_name[i] = DCI_NONE;
    if (z->names.last[node] == DCI_NONE) z->names.first[node] = i;
    else z->next_name[z->names.last[node]] = i;
    z->names.last[node] = i;
    z->next_inst[i] = z->next_tmpl[i] = DCI_NONE;
    if (r->dc_provider != NULL && r->dc_service != NULL) {
      DCI_TRY(link_key(&z->tmpl, z->next_tmpl,
                       dci_tmpl_key(r->dc_provider, r->dc_service, r->dc_host), i));
      if (r->dc_id != NULL)
        DCI_TRY(link_key(&z->inst, z->next_inst,
                         dci_inst_key(r->dc_provider, r->dc_service, r->dc_id), i));
    }
  }
  z->indexed = true;
done:
  if (status != DC_OK) zone_unindex(z);
  return status;
}

DC_API dc_status dc_zone_new(dc_zone **out)
{
  if (out == NULL) return DC_E_INVALID_ARG;
  *out = NULL;
  dc_zone *z = dci_zone_alloc();
  if (z == NULL) return DC_E_NOMEM;
  dc_status st = dci_zone_index(z);
  if (st != DC_OK) {
    dc_zone_free(z);
    return st;
  }
  *out = z;
  return DC_OK;
}

DC_API dc_status dc_zone_copy(const dc_zone *z, dc_zone **out)
{
  if (out == NULL) return DC_E_INVALID_ARG;
  *out = NULL;
  if (z == NULL) return DC_E_INVALID_ARG;
  dc_zone *c = dci_zone_alloc();
  if (c == NULL) return DC_E_NOMEM;
  dc_status st = DC_OK;
  c->recs = malloc((z->n ? z->n : 1) * sizeof *c->recs);
  if (c->recs == NULL) st = DC_E_NOMEM;
  for (size_t i = 0; st == DC_OK && i < z->n; i++) {
    dci_rec_ref(z->recs[i]);
    c->recs[c->n++] = z->recs[i];
  }
  c->cap = z->n ? z->n : 1;
  if (st == DC_OK) st = dci_zone_index(c);
  if (st != DC_OK) {
    dc_zone_free(c);
    return st;
  }
  *out = c;
  return DC_OK;
}

/* ---- JSON in */

/* Upper-cases a copy of the type; zones may hold any syntactically valid
 * type (SOA included). */
static bool zone_type_ok(const char *s, char *out)
{
  size_t n = strlen(s);
  if (n == 0 || n > DC_MAX_TYPE_LEN) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (!dci_is_alnum(ch) && ch != '-') return false;
    out[i] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : (char)ch;
  }
  out[n] = '\0';
  return true;
}

/* Zone owner names: relative, lower case, "@" (or "") for the apex;
 * printable ASCII without spaces, no empty label, no trailing dot. */
static const char *zone_name_problem(const char *s)
{
  size_t n = strlen(s);
  if (n > DC_MAX_NAME_LEN) return "longer than 253 bytes";
  if (strcmp(s, "@") == 0) return NULL;
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && s[i] != '.') {
      unsigned char ch = (unsigned char)s[i];
      if (ch <= 0x20 || ch >= 0x7f) return "space, control or non-ASCII byte";
      if (ch == '@') return "'@' inside a name";
      continue;
    }
    if (i == start) return "empty label (or a trailing dot: names are zone-relative)";
    if (i - start > DC_MAX_LABEL_LEN) return "label longer than 63 bytes";
    start = i + 1;
  }
  return NULL;
}

static bool data_is_name(enum dci_kind k)
{
  return k == DCI_K_A || k == DCI_K_AAAA || k == DCI_K_CNAME || k == DCI_K_MX ||
         k == DCI_K_NS || k == DCI_K_SRV || k == DCI_K_APEXCNAME;
}

static dc_status zone_num(dc_client *c, json_t *v, size_t i, const char *key, long max,
                          long *out)
{
  if (json_is_integer(v)) {
    json_int_t x = json_integer_value(v);
    if (x < 0 || x > max)
      return dci_fail(c, DC_E_ZONE, "zone[%zu].%s: %" JSON_INTEGER_FORMAT " out of range 0..%ld",
                      i, key, x, max);
    *out = (long)x;
    return DC_OK;
  }
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    size_t n = strlen(s);
    long x = 0;
    bool ok = n > 0 && n <= 10;
    for (size_t k = 0; ok && k < n; k++) {
      if (!dci_is_digit((unsigned char)s[k])) ok = false;
      else x = x * 10 + (s[k] - '0');
    }
    if (ok && x <= max) {
      *out = x;
      return DC_OK;
    }
  }
  return dci_fail(c, DC_E_ZONE, "zone[%zu].%s: not an integer in 0..%ld", i, key, max);
}

static const char *dc_member(json_t *dc, const char *key)
{
  json_t *v = json_object_get(dc, key);
  if (!json_is_string(v)) return NULL;
  const char *s = json_string_value(v);
  return strlen(s) == json_string_length(v) ? s : NULL;
}

/* The members of zone[i] into *sp (strings point into the JSON) and *dc
 * (the _dc object, NULL when absent). */
static dc_status zone_members(dc_client *c, json_t *o, size_t i,
                              struct dci_rec_spec *sp, json_t **dc)
{
  dc_status status = DC_OK;
  const char *key;
  json_t *v;
  char safe[64];

  json_object_foreach(o, key, v) {
    const char **sfield = NULL;
    const char *tmp = NULL;
    if (strcmp(key, "type") == 0 || strcmp(key, "name") == 0 ||
        strcmp(key, "data") == 0 || strcmp(key, "protocol") == 0 ||
        strcmp(key, "service") == 0) {
      if (!json_is_string(v)) {
        status = dci_fail(c, DC_E_ZONE, "zone[%zu].%s: not a string", i, key);
        goto done;
      }
      tmp = json_string_value(v);
      if (strlen(tmp) != json_string_length(v)) {
        status = dci_fail(c, DC_E_ZONE, "zone[%zu].%s: contains a NUL byte", i, key);
        goto done;
      }
      if (key[0] == 't') sfield = &sp->type;
      else if (key[0] == 'n') sfield = &sp->name;
      else if (key[0] == 'd') sfield = &sp->data;
      else if (key[0] == 'p') sfield = &sp->protocol;
      else sfield = &sp->service;
      *sfield = tmp;
    } else if (strcmp(key, "ttl") == 0) {
      DCI_TRY(zone_num(c, v, i, key, DC_MAX_TTL, &sp->ttl));
    } else if (strcmp(key, "priority") == 0) {
      DCI_TRY(zone_num(c, v, i, key, 65535, &sp->priority));
    } else if (strcmp(key, "weight") == 0) {
      DCI_TRY(zone_num(c, v, i, key, 65535, &sp->weight));
    } else if (strcmp(key, "port") == 0) {
      DCI_TRY(zone_num(c, v, i, key, 65535, &sp->port));
    } else if (strcmp(key, "_dc") == 0) {
      if (!json_is_object(v)) {
        status = dci_fail(c, DC_E_ZONE, "zone[%zu]._dc: not an object", i);
        goto done;
      }
      *dc = v;
    } else {
      dci_sanitize(safe, sizeof safe, key, strlen(key), 40);
      status = dci_fail(c, DC_E_ZONE, "zone[%zu]: unknown field '%s'", i, safe);
      goto done;
    }
  }
done:
  return status;
}

static dc_status zone_record(dc_client *c, json_t *o, size_t i, dc_zone *z)
{
  dc_status status = DC_OK;
  char *type_up = NULL, *name = NULL, *data = NULL, *proto = NULL, *svc = NULL,
       *dcj = NULL;
  struct dci_rec_spec sp;
  memset(&sp, 0, sizeof sp);
  sp.ttl = sp.priority = sp.weight = sp.port = -1;
  json_t *dc = NULL;
  char safe[64];

  if (!json_is_object(o)) return dci_fail(c, DC_E_ZONE, "zone[%zu]: not an object", i);
  DCI_TRY(zone_members(c, o, i, &sp, &dc));
  if (sp.type == NULL || sp.name == NULL || sp.data == NULL) {
    status = dci_fail(c, DC_E_ZONE, "zone[%zu]: %s missing", i,
                      sp.type == NULL ? "type" : sp.name == NULL ? "name" : "data");
    goto done;
  }
  type_up = malloc(DC_MAX_TYPE_LEN + 1);
  if (type_up == NULL) goto oom;
  if (!zone_type_ok(sp.type, type_up)) {
    dci_sanitize(safe, sizeof safe, sp.type, strlen(sp.type), 40);
    status = dci_fail(c, DC_E_ZONE, "zone[%zu].type: '%s' is not a record type", i, safe);
    goto done;
  }
  sp.type = type_up;
  name = dci_strdup(sp.name[0] ? sp.name : "@");
  if (name == NULL) goto oom;
  dci_lower_str(name);
  const char *why = zone_name_problem(name);
  if (why != NULL) {
    dci_sanitize(safe, sizeof safe, name, strlen(name), 40);
    status = dci_fail(c, DC_E_ZONE, "zone[%zu].name: '%s': %s", i, safe, why);
    goto done;
  }
  sp.name = name;
  if (data_is_name(dci_kind_of(type_up))) {
    data = dci_strdup(sp.data);
    if (data == NULL) goto oom;
    dci_lower_str(data);
    sp.data = data;
  }
  if (sp.protocol != NULL) {
    proto = dci_strdup(sp.protocol[0] == '_' ? sp.protocol + 1 : sp.protocol);
    if (proto == NULL) goto oom;
    dci_lower_str(proto);
    sp.protocol = proto;
  }
  if (sp.service != NULL) {
    svc = dci_strdup(sp.service);
    if (svc == NULL) goto oom;
    dci_lower_str(svc);
    sp.service = svc;
  }
  if (dc != NULL) {
    dcj = json_dumps(dc, JSON_COMPACT);
    if (dcj == NULL) goto oom;
    sp.dc_json = dcj;
    sp.dc_id = dc_member(dc, "id");
    sp.dc_provider = dc_member(dc, "providerId");
    sp.dc_service = dc_member(dc, "serviceId");
    sp.dc_host = dc_member(dc, "host");
    sp.dc_essential = dc_member(dc, "essential");
    sp.dc_group = dc_member(dc, "groupId");
  }
  struct dci_rec *r = dci_rec_make(&sp);
  if (r == NULL) goto oom;
  status = dci_zone_push(z, r);
  if (status != DC_OK) goto oom;
  goto done;
oom:
  status = dci_fail(c, DC_E_NOMEM, "out of memory");
done:
  free(type_up);
  free(name);
  free(data);
  free(proto);
  free(svc);
  free(dcj);
  return status;
}

DC_API dc_status dc_zone_from_json(dc_client *c, const char *json, size_t len,
                                   dc_zone **out)
{
  dc_status status = DC_OK;
  json_t *root = NULL;

  if (out != NULL) *out = NULL;
  DCI_TRY(dci_json_args(c, "zone", out != NULL, json != NULL));
  DCI_TRY(dci_json_load(c, "zone", json, len, DC_MAX_ZONE_JSON, false, false, &root));
  status = dci_zone_from_value(c, root, out);
done:
  json_decref(root);
  return status;
}

dc_status dci_zone_from_value(dc_client *c, json_t *root, dc_zone **out)
{
  dc_status status = DC_OK;
  dc_zone *z = NULL;
  *out = NULL;
  if (!json_is_array(root)) {
    status = dci_fail(c, DC_E_ZONE, "zone: not a JSON array of records");
    goto done;
  }
  size_t n = json_array_size(root);
  if (n > DC_MAX_ZONE_RECORDS) {
    status = dci_fail(c, DC_E_LIMIT, "zone has %zu records, limit %d", n,
                      DC_MAX_ZONE_RECORDS);
    goto done;
  }
  z = dci_zone_alloc();
  if (z == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  z->recs = malloc((n ? n : 1) * sizeof *z->recs);
  if (z->recs == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  z->cap = n ? n : 1;
  for (size_t i = 0; i < n; i++) DCI_TRY(zone_record(c, json_array_get(root, i), i, z));
  if (dci_zone_index(z) != DC_OK) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  *out = z;
  z = NULL;
done:
  dc_zone_free(z);
  return status;
}

/* ---- JSON out */

static dc_status append_num(dci_buf *b, const char *key, long v)
{
  char tmp[48];
  int n = snprintf(tmp, sizeof tmp, ",\"%s\":%ld", key, v);
  if (n < 0 || (size_t)n >= sizeof tmp) return DC_E_INTERNAL;
  return dci_buf_append(b, tmp, (size_t)n);
}

dc_status dci_rec_append_json(dci_buf *b, const struct dci_rec *r)
{
  dc_status status = DC_OK;
  DCI_TRY(dci_buf_append_str(b, "{\"type\":"));
  DCI_TRY(dci_json_append_str(b, r->type));
  DCI_TRY(dci_buf_append_str(b, ",\"name\":"));
  DCI_TRY(dci_json_append_str(b, r->name));
  if (r->ttl >= 0) DCI_TRY(append_num(b, "ttl", r->ttl));
  DCI_TRY(dci_buf_append_str(b, ",\"data\":"));
  DCI_TRY(dci_json_append_str(b, r->data));
  if (r->priority >= 0) DCI_TRY(append_num(b, "priority", r->priority));
  if (r->weight >= 0) DCI_TRY(append_num(b, "weight", r->weight));
  if (r->port >= 0) DCI_TRY(append_num(b, "port", r->port));
  if (r->protocol != NULL) {
    DCI_TRY(dci_buf_append_str(b, ",\"protocol\":"));
    DCI_TRY(dci_json_append_str(b, r->protocol));
  }
  if (r->service != NULL) {
    DCI_TRY(dci_buf_append_str(b, ",\"service\":"));
    DCI_TRY(dci_json_append_str(b, r->service));
  }
  if (r->dc_json != NULL) {
    DCI_TRY(dci_buf_append_str(b, ",\"_dc\":"));
    DCI_TRY(dci_buf_append_str(b, r->dc_json));
  }
  DCI_TRY(dci_buf_append_char(b, '}'));
done:
  return status;
}

dc_status dci_zone_append_json(dci_buf *b, const dc_zone *z)
{
  dc_status status = DC_OK;
  DCI_TRY(dci_buf_append_char(b, '['));
  for (size_t i = 0; i < z->n; i++) {
    if (i > 0) DCI_TRY(dci_buf_append_char(b, ','));
    DCI_TRY(dci_rec_append_json(b, z->recs[i]));
  }
  DCI_TRY(dci_buf_append_char(b, ']'));
done:
  return status;
}

DC_API dc_status dc_zone_to_json(const dc_zone *z, char **out)
{
  if (out != NULL) *out = NULL;
  if (out == NULL || z == NULL) return DC_E_INVALID_ARG;
  dci_buf b;
  dci_buf_init(&b, (size_t)-1 / 2);
  dc_status status = dci_zone_append_json(&b, z);
  if (status == DC_OK && (*out = dci_buf_take(&b)) == NULL) status = DC_E_NOMEM;
  dci_buf_free(&b);
  return status;
}

/* ---- accessors */

DCI_GETTER(size_t, dc_zone_count, dc_zone, n, 0)

static const struct dci_rec *at(const dc_zone *z, size_t i)
{
  return (z && i < z->n) ? z->recs[i] : NULL;
}

/* record i's member `field`, or `none` when z has no record i */
#define REC_FIELD(z, i, field, none) (at((z), (i)) != NULL ? at((z), (i))->field : (none))

DC_API const char *dc_zone_type(const dc_zone *z, size_t i) { return REC_FIELD(z, i, type, NULL); }
DC_API const char *dc_zone_name(const dc_zone *z, size_t i) { return REC_FIELD(z, i, name, NULL); }
DC_API const char *dc_zone_data(const dc_zone *z, size_t i) { return REC_FIELD(z, i, data, NULL); }
DC_API long dc_zone_ttl(const dc_zone *z, size_t i) { return REC_FIELD(z, i, ttl, -1); }
DC_API long dc_zone_priority(const dc_zone *z, size_t i) { return REC_FIELD(z, i, priority, -1); }
DC_API long dc_zone_weight(const dc_zone *z, size_t i) { return REC_FIELD(z, i, weight, -1); }
DC_API long dc_zone_port(const dc_zone *z, size_t i) { return REC_FIELD(z, i, port, -1); }
DC_API const char *dc_zone_protocol(const dc_zone *z, size_t i) { return REC_FIELD(z, i, protocol, NULL); }
DC_API const char *dc_zone_service(const dc_zone *z, size_t i) { return REC_FIELD(z, i, service, NULL); }
DC_API const char *dc_zone_state_json(const dc_zone *z, size_t i) { return REC_FIELD(z, i, dc_json, NULL); }
