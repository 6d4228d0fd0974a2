/* DNS verification after an apply (dc_dns_check_applied): the records a
 * template produces on an empty zone are looked up over DNS (the client's
 * servers, src/dns) and compared type by type, with retries for
 * propagation.
 *
 * Comparison per type (the expected value from the template engine, the
 * found one from dci_dns_rrset's presentation form):
 *   A, AAAA   the address (bytes, so "2001:DB8:0::1" equals "2001:db8::1")
 *   CNAME     the name's one CNAME target (case-insensitive, one trailing
 *             dot ignored)
 *   NS        an NS RR with that name (the referral counts: Knot answers a
 *             delegation point from the authority section)
 *   MX        an MX RR with that preference and exchange
 *   SRV       an SRV RR with that priority, weight, port and target, at
 *             _service._proto.name (RFC 2782; one leading '_' of the
 *             template's service and protocol is not doubled)
 *   TXT       an RR whose joined strings are exactly the data; for SPF data
 *             ("v=spf1 ...") an SPF RR holding every term of it but the
 *             final "all" (SPFM merges the template's rules into the rules
 *             already there, so the RR in DNS may hold more)
 *   CAA       a CAA RR with those flags, tag (case-insensitive) and value
 * Other types (REDIR301/302: an HTTP redirect whose backing A/AAAA records
 * are checked; APEXCNAME; generic types) are not checked, and the detail
 * says so. TTLs are not compared (caches count them down). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "dns/resolver.h"
#include "domainconnect/names.h"
#include "domainconnect/net.h"
#include "domainconnect/template.h"
#include "core/addr.h"
#include "template/tpl_internal.h"

#define VERIFY_MAX_ATTEMPTS 1000
#define NOTE_MAX 400

/* One expected record. */
struct want {
  char type_name[24];    /* as the template engine names it */
  unsigned qtype;        /* 0 = not checked */
  const char *why_skip;  /* when qtype == 0 */
  char owner[DC_MAX_NAME_LEN + 2];
  const char *rel;       /* the zone-relative name (borrowed) */
  const char *data;      /* borrowed, or txt */
  size_t data_len;
  char *txt;             /* TXT: the logical value (owned) */
  const char *raw;       /* TXT: the data as the engine keeps it */
  long priority, weight, port;
  dci_rrset found;       /* this attempt's answer (shared storage: see below) */
  struct want *same;     /* an earlier record asking the same question */
  dc_status st;          /* this attempt's lookup outcome */
  dci_dns_result res;
};

/* ---- small text helpers */

static bool is_space(unsigned char ch) { return ch == ' ' || ch == '\t'; }

/* Case-insensitive equality of `a` (len al) and `b` (len bl), one trailing
 * dot on either ignored. */
static bool name_eq(const char *a, size_t al, const char *b, size_t bl)
{
  if (al > 1 && a[al - 1] == '.') al--;
  if (bl > 1 && b[bl - 1] == '.') bl--;
  if (al != bl) return false;
  for (size_t i = 0; i < al; i++)
    if (dci_lower((unsigned char)a[i]) != dci_lower((unsigned char)b[i])) return false;
  return true;
}

/* "x" and "_x" -> "_x" (RFC 2782 service and protocol labels, as the
 * sandbox writes them); false when empty or too long. */
static bool underscore_label(const char *in, char *out, size_t n)
{
  if (in[0] == '_') in++;
  if (in[0] == '\0') return false;
  int k = snprintf(out, n, "_%s", in);
  return k > 0 && (size_t)k < n;
}

/* The owner name: "@" = the domain, else name.domain; false when too long. */
static bool owner_of(const char *rel, const char *domain, char *out, size_t n)
{
  int k;
  if (rel == NULL || rel[0] == '\0' || strcmp(rel, "@") == 0)
    k = snprintf(out, n, "%s", domain);
  else
    k = snprintf(out, n, "%s.%s", rel, domain);
  return k > 0 && (size_t)k < n;
}

/* Fills w from record i of the engine's zone. DC_E_NOMEM or DC_OK. */
static dc_status want_from_zone(struct want *w, const dc_zone *z, size_t i,
                                const char *domain)
{
  memset(w, 0, sizeof *w);
  const char *type = dc_zone_type(z, i);
  w->rel = dc_zone_name(z, i);
  w->data = dc_zone_data(z, i);
  w->priority = dc_zone_priority(z, i);
  w->weight = dc_zone_weight(z, i);
  w->port = dc_zone_port(z, i);
  snprintf(w->type_name, sizeof w->type_name, "%s", type ? type : "?");
  if (w->rel == NULL) w->rel = "@";
  if (type == NULL || w->data == NULL) {
    w->data = NULL;
    w->why_skip = "no type or data";
    return DC_OK;
  }
  w->data_len = strlen(w->data);
  unsigned qt = dci_dns_type_from_name(type);
  if (qt != DCI_T_A && qt != DCI_T_AAAA && qt != DCI_T_CNAME && qt != DCI_T_NS &&
      qt != DCI_T_MX && qt != DCI_T_TXT && qt != DCI_T_SRV && qt != DCI_T_CAA) {
    if (dci_streq_nocase(type, "REDIR301") || dci_streq_nocase(type, "REDIR302"))
      w->why_skip = "an HTTP redirect (its A/AAAA records are checked)";
    else
      w->why_skip = "type not checked over DNS";
    return DC_OK;
  }
  if (qt == DCI_T_TXT) {
    /* quoted presentation data ("a" "b") stands for its strings joined */
    if ((w->txt = dci_txt_logical(w->data)) == NULL) return DC_E_NOMEM;
    w->raw = w->data;
    w->data = w->txt;
    w->data_len = strlen(w->txt);
  }
  char rel_buf[DC_MAX_NAME_LEN + 2];
  const char *rel = w->rel;
  if (qt == DCI_T_SRV) {
    /* the RRs live at _service._proto.name */
    const char *svc = dc_zone_service(z, i), *proto = dc_zone_protocol(z, i);
    char s1[DC_MAX_NAME_LEN + 2], p1[DC_MAX_LABEL_LEN + 2];
    if (svc == NULL || proto == NULL || !underscore_label(svc, s1, sizeof s1) ||
        !underscore_label(proto, p1, sizeof p1)) {
      w->why_skip = "SRV without service or protocol";
      return DC_OK;
    }
    for (char *p = p1; *p; p++) *p = (char)dci_lower((unsigned char)*p);
    int k;
    if (strcmp(rel, "@") == 0 || rel[0] == '\0') k = snprintf(rel_buf, sizeof rel_buf, "%s.%s", s1, p1);
    else k = snprintf(rel_buf, sizeof rel_buf, "%s.%s.%s", s1, p1, rel);
    if (k < 0 || (size_t)k >= sizeof rel_buf) {
      w->why_skip = "name too long";
      return DC_OK;
    }
    rel = rel_buf;
  }
  if (!owner_of(rel, domain, w->owner, sizeof w->owner) || !dci_dns_name_ok(w->owner)) {
    w->why_skip = "name cannot be asked for over DNS";
    w->owner[0] = '\0';
    return DC_OK;
  }
  if ((qt == DCI_T_MX || qt == DCI_T_SRV) && w->priority < 0) {
    w->why_skip = "no priority";
    return DC_OK;
  }
  if (qt == DCI_T_SRV && (w->weight < 0 || w->port < 0)) {
    w->why_skip = "no weight or port";
    return DC_OK;
  }
  w->qtype = qt;
  return DC_OK;
}

/* The zone apex exactly as the engine uses it: dc_template_apply normalises
 * the options' domain with dc_domain_normalize (called after a successful
 * apply, so the domain is known to be valid). */
static dc_status engine_domain(dc_client *c, const dc_apply_opts *o, char *out, size_t n)
{
  char *d = NULL;
  dc_status status = dc_domain_normalize(c, dci_apply_opts_domain(o), &d);
  if (status != DC_OK) return status;
  if (strlen(d) >= n || !dci_dns_name_ok(d))
    status = dci_fail(c, DC_E_INVALID_ARG, "verify: the options have no usable domain");
  else
    snprintf(out, n, "%s", d);
  dc_free(d);
  return status;
}

/* ---- matching */

static bool addr_match(const char *want, const char *got)
{
  dci_addr a, b;
  if (dci_addr_parse(want, &a) && dci_addr_parse(got, &b)) return dci_addr_equal(&a, &b);
  return dci_streq_nocase(want, got);
}

static bool is_spf(const char *s, size_t len)
{
  static const char pfx[] = "v=spf1";
  if (len < 6) return false;
  for (size_t i = 0; i < 6; i++)
    if (dci_lower((unsigned char)s[i]) != (unsigned char)pfx[i]) return false;
  return len == 6 || is_space((unsigned char)s[6]);
}

/* The next whitespace-separated term of s[*i..len). */
static bool next_term(const char *s, size_t len, size_t *i, const char **t, size_t *tl)
{
  while (*i < len && is_space((unsigned char)s[*i])) (*i)++;
  if (*i >= len) return false;
  size_t b = *i;
  while (*i < len && !is_space((unsigned char)s[*i])) (*i)++;
  *t = s + b;
  *tl = *i - b;
  return true;
}

/* "all", "~all", "-all", "?all", "+all" */
static bool is_all(const char *t, size_t tl)
{
  if (tl == 4 && (t[0] == '~' || t[0] == '-' || t[0] == '?' || t[0] == '+')) {
    t++;
    tl--;
  }
  return tl == 3 && dci_lower((unsigned char)t[0]) == 'a' &&
         dci_lower((unsigned char)t[1]) == 'l' && dci_lower((unsigned char)t[2]) == 'l';
}

/* Every term of the expected SPF record (but "all") is in `got`. */
static bool spf_covers(const char *want, size_t wl, const char *got, size_t gl)
{
  if (!is_spf(got, gl)) return false;
  size_t i = 6;
  const char *t;
  size_t tl;
  while (next_term(want, wl, &i, &t, &tl)) {
    if (is_all(t, tl)) continue;
    bool found = false;
    size_t k = 6;
    const char *u;
    size_t ul;
    while (!found && next_term(got, gl, &k, &u, &ul))
      found = ul == tl && name_eq(t, tl, u, ul);
    if (!found) return false;
  }
  return true;
}

/* Parses the expected CAA data "flags tag value" (value quoted with \" \\
 * \DDD escapes, or bare). false when it is not in that form. */
static bool caa_parse(const char *s, unsigned *flags, const char **tag, size_t *tl,
                      char *val, size_t valsz, size_t *vl)
{
  size_t i = 0, len = strlen(s);
  unsigned f = 0;
  if (i >= len || !dci_is_digit((unsigned char)s[i])) return false;
  while (i < len && dci_is_digit((unsigned char)s[i])) {
    f = f * 10 + (unsigned)(s[i++] - '0');
    if (f > 255) return false;
  }
  if (!next_term(s, len, &i, tag, tl)) return false;
  while (i < len && is_space((unsigned char)s[i])) i++;
  size_t o = 0;
  if (i < len && s[i] == '"') {
    i++;
    for (;;) {
      if (i >= len || o >= valsz) return false;
      unsigned char ch = (unsigned char)s[i++];
      if (ch == '"') break;
      if (ch == '\\') {
        if (i >= len) return false;
        if (i + 2 < len && dci_is_digit((unsigned char)s[i]) &&
            dci_is_digit((unsigned char)s[i + 1]) && dci_is_digit((unsigned char)s[i + 2])) {
          unsigned v = (unsigned)(s[i] - '0') * 100 + (unsigned)(s[i + 1] - '0') * 10 +
                       (unsigned)(s[i + 2] - '0');
          if (v > 255) return false;
          val[o++] = (char)v;
          i += 3;
          continue;
        }
        ch = (unsigned char)s[i++];
      }
      val[o++] = (char)ch;
    }
    while (i < len && is_space((unsigned char)s[i])) i++;
    if (i != len) return false;
  } else {
    size_t end = len;
    while (end > i && is_space((unsigned char)s[end - 1])) end--;
    if (end - i > valsz) return false;
    memcpy(val, s + i, end - i);
    o = end - i;
  }
  *flags = f;
  *vl = o;
  return true;
}

static bool rr_match(const struct want *w, const dci_rr *rr)
{
  const char *d = w->data;
  size_t dl = w->data_len;
  switch (w->qtype) {
  case DCI_T_A:
  case DCI_T_AAAA: return addr_match(d, rr->data);
  case DCI_T_CNAME:
  case DCI_T_NS: return name_eq(d, dl, rr->data, rr->len);
  case DCI_T_MX:
    return (long)rr->priority == w->priority && name_eq(d, dl, rr->data, rr->len);
  case DCI_T_SRV:
    return (long)rr->priority == w->priority && (long)rr->weight == w->weight &&
           (long)rr->port == w->port && name_eq(d, dl, rr->data, rr->len);
  case DCI_T_TXT:
    if (is_spf(d, dl)) return spf_covers(d, dl, rr->data, rr->len);
    if (rr->len == dl && memcmp(rr->data, d, dl) == 0) return true;
    /* a provider that publishes quoted data as it is */
    return w->raw != NULL && rr->len == strlen(w->raw) &&
           memcmp(rr->data, w->raw, rr->len) == 0;
  case DCI_T_CAA: {
    unsigned flags;
    const char *tag;
    size_t tl, vl;
    char val[1024];
    if (!caa_parse(d, &flags, &tag, &tl, val, sizeof val, &vl)) return false;
    return rr->priority == flags && rr->tag != NULL && strlen(rr->tag) == tl &&
           name_eq(tag, tl, rr->tag, tl) && rr->value_len == vl &&
           memcmp(rr->value, val, vl) == 0;
  }
  default: return false;
  }
}

static const dci_rrset *answer_of(const struct want *w)
{
  return w->same ? &w->same->found : &w->found;
}

static dc_status status_of(const struct want *w)
{
  return w->same ? w->same->st : w->st;
}

static bool present(const struct want *w)
{
  const dci_rrset *s = answer_of(w);
  if (status_of(w) != DC_OK) return false;
  if (w->qtype == DCI_T_CNAME) return s->n == 1 && rr_match(w, &s->rrs[0]);
  for (size_t i = 0; i < s->n; i++)
    if (rr_match(w, &s->rrs[i])) return true;
  return false;
}

/* ---- details */

/* "TYPE name (owner) data" of an expected record, sanitised. */
static void describe(const struct want *w, char *buf, size_t n)
{
  char data[160], rel[96];
  dci_sanitize(data, sizeof data, w->data ? w->data : "", w->data ? w->data_len : 0, 120);
  dci_sanitize(rel, sizeof rel, w->rel, strlen(w->rel), 80);
  char pre[48] = "";
  if (w->qtype == DCI_T_MX) snprintf(pre, sizeof pre, "%ld ", w->priority);
  if (w->qtype == DCI_T_SRV)
    snprintf(pre, sizeof pre, "%ld %ld %ld ", w->priority, w->weight, w->port);
  int k; /* cut to the detail's size on purpose */
  if (w->owner[0] != '\0')
    k = snprintf(buf, n, "%s %s (%s) %s\"%s\"", w->type_name, rel, w->owner, pre, data);
  else
    k = snprintf(buf, n, "%s %s %s\"%s\"", w->type_name, rel, pre, data);
  if (k < 0) buf[0] = '\0';
}

/* What DNS had instead, for the detail. */
static void found_text(const struct want *w, char *buf, size_t n)
{
  const dci_rrset *s = answer_of(w);
  if (status_of(w) != DC_OK) {
    char tn[16];
    if ((w->same ? w->same->res : w->res) == DCI_DNS_NXDOMAIN)
      snprintf(buf, n, "NXDOMAIN: no such name");
    else
      snprintf(buf, n, "no %s record at the name",
               dci_dns_type_name(w->qtype, tn, sizeof tn));
    return;
  }
  size_t o = 0;
  int k = snprintf(buf, n, "DNS has ");
  if (k > 0) o = (size_t)k;
  for (size_t i = 0; i < s->n && o + 8 < n; i++) {
    char one[120], pre[48] = "";
    dci_sanitize(one, sizeof one, s->rrs[i].data, s->rrs[i].len, 80);
    if (w->qtype == DCI_T_MX) snprintf(pre, sizeof pre, "%u ", s->rrs[i].priority);
    if (w->qtype == DCI_T_SRV)
      snprintf(pre, sizeof pre, "%u %u %u ", s->rrs[i].priority, s->rrs[i].weight, s->rrs[i].port);
    k = snprintf(buf + o, n - o, "%s%s\"%s\"", i ? ", " : "", pre, one);
    if (k < 0) break;
    o += (size_t)k;
    if (o >= n) {
      o = n - 1;
      break;
    }
  }
}

/* Appends the records that are not checked to `note`. */
static void skipped_note(const struct want *ws, size_t n, char *note, size_t sz)
{
  size_t o = 0, count = 0;
  note[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (ws[i].qtype != 0) continue;
    count++;
    char rel[80];
    dci_sanitize(rel, sizeof rel, ws[i].rel, strlen(ws[i].rel), 60);
    int k = snprintf(note + o, sz - o, "%s%s %s (%s)", count > 1 ? "; " : "",
                     ws[i].type_name, rel, ws[i].why_skip);
    if (k < 0 || (size_t)k >= sz - o) {
      o = sz - 1;
      break;
    }
    o += (size_t)k;
  }
}

static void sleep_ms(long ms)
{
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* ---- the call */

DC_API dc_status dc_dns_check_applied(dc_client *c, const dc_template *t,
                                      const dc_apply_opts *o, int attempts,
                                      long interval_ms)
{
  dc_status status = DC_OK;
  dc_zone *empty = NULL;
  dc_apply_result *res = NULL;
  struct want *ws = NULL;
  size_t n = 0;
  dci_clear(c);
  if (c == NULL || t == NULL || o == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "verify: no client, template or options");
  if (attempts < 1 || attempts > VERIFY_MAX_ATTEMPTS || interval_ms < 0 ||
      interval_ms > DC_MAX_TIMEOUT_MS)
    return dci_fail(c, DC_E_INVALID_ARG,
                    "verify: attempts must be 1..%d and interval_ms 0..%ld",
                    VERIFY_MAX_ATTEMPTS, DC_MAX_TIMEOUT_MS);
  /* The records the template produces: its "new" records on an empty zone. */
  DCI_TRY(dc_zone_new(&empty));
  DCI_TRY(dc_template_apply(c, t, empty, o, &res));
  char domain[DC_MAX_NAME_LEN + 2];
  DCI_TRY(engine_domain(c, o, domain, sizeof domain));
  const dc_zone *z = dc_apply_result_added(res);
  n = dc_zone_count(z);
  if (n == 0) DCI_TRY(dci_fail(c, DC_E_TEMPLATE, "verify: the template produces no records"));
  ws = calloc(n, sizeof *ws);
  if (ws == NULL) DCI_TRY(dci_fail(c, DC_E_NOMEM, "out of memory"));
  size_t checkable = 0;
  for (size_t i = 0; i < n; i++) {
    if (want_from_zone(&ws[i], z, i, domain) != DC_OK)
      DCI_TRY(dci_fail(c, DC_E_NOMEM, "out of memory"));
    if (ws[i].qtype == 0) continue;
    checkable++;
    for (size_t k = 0; k < i; k++) {
      if (ws[k].qtype == ws[i].qtype && ws[k].same == NULL &&
          dci_streq_nocase(ws[k].owner, ws[i].owner)) {
        ws[i].same = &ws[k];
        break;
      }
    }
  }
  char note[NOTE_MAX];
  skipped_note(ws, n, note, sizeof note);
  if (checkable == 0)
    DCI_TRY(dci_fail(c, DC_E_NOT_VERIFIED,
                     "verify: none of the template's records can be checked over DNS: %s",
                     note));

  struct want *missing = NULL;
  for (int attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1 && interval_ms > 0) sleep_ms(interval_ms);
    missing = NULL;
    for (size_t i = 0; i < n; i++) {
      dci_rrset_free(&ws[i].found);
      ws[i].st = DC_E_NO_RECORD;
    }
    for (size_t i = 0; i < n && missing == NULL; i++) {
      struct want *w = &ws[i];
      if (w->qtype == 0) continue;
      if (w->same == NULL) {
        w->st = dci_dns_rrset(c, w->owner, w->qtype, &w->found, &w->res);
        if (w->st != DC_OK && w->st != DC_E_NO_RECORD) {
          status = w->st; /* the resolver's detail stays on c */
          goto done;
        }
      }
      if (!present(w)) missing = w;
    }
    if (missing == NULL) break;
  }
  if (missing != NULL) {
    char want_s[320], found_s[320];
    describe(missing, want_s, sizeof want_s);
    found_text(missing, found_s, sizeof found_s);
    status = dci_fail(c, DC_E_NOT_VERIFIED, "%s not in DNS after %d attempt%s (%s)%s%s",
                      want_s, attempts, attempts == 1 ? "" : "s", found_s,
                      note[0] ? "; not checked: " : "", note);
    goto done;
  }
  status = DC_OK;
  if (note[0] != '\0')
    dci_fail(c, DC_OK, "verified %zu record%s; not checked: %s", checkable,
             checkable == 1 ? "" : "s", note);
  else
    dci_clear(c);
done:
  if (ws != NULL) {
    for (size_t i = 0; i < n; i++) {
      dci_rrset_free(&ws[i].found);
      free(ws[i].txt);
    }
    free(ws);
  }
  dc_apply_result_free(res);
  dc_zone_free(empty);
  return status;
}
