/* Raw DNS response parsing (RFC 1035 section 4): header, question, every
 * resource record checked against the message bounds, names with
 * compression, the CNAME chain from the question name, and the TXT / A /
 * AAAA / SOA records owned by its end, and any RRset in presentation form
 * (dci_dns_parse_rrset). Pure functions: bytes in, struct out.
 *
 * Compression pointers must point strictly before the place the current
 * part of the name was read from, so every jump goes backwards and a name
 * can never loop; label type bytes 0x40..0xBF (a "length" over 63) are
 * refused; a name is at most 255 octets in wire form. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/resolver.h"

#define HDR_LEN 12
#define WIRE_NAME_MAX 255

dc_status dci_dns_result_status(dci_dns_result r)
{
  switch (r) {
  case DCI_DNS_OK: return DC_OK;
  case DCI_DNS_NXDOMAIN:
  case DCI_DNS_NODATA: return DC_E_NO_RECORD;
  case DCI_DNS_SERVFAIL:
  case DCI_DNS_REFUSED:
  case DCI_DNS_BADRESP: return DC_E_DNS;
  case DCI_DNS_TIMEOUT: return DC_E_DNS_TIMEOUT;
  case DCI_DNS_NOMEM: return DC_E_NOMEM;
  case DCI_DNS_LIMIT: return DC_E_LIMIT;
  }
  return DC_E_DNS;
}

const char *dci_dns_result_name(dci_dns_result r)
{
  switch (r) {
  case DCI_DNS_OK: return "OK";
  case DCI_DNS_NXDOMAIN: return "NXDOMAIN";
  case DCI_DNS_NODATA: return "NODATA";
  case DCI_DNS_SERVFAIL: return "SERVFAIL";
  case DCI_DNS_REFUSED: return "REFUSED";
  case DCI_DNS_TIMEOUT: return "timed out";
  case DCI_DNS_BADRESP: return "malformed response";
  case DCI_DNS_NOMEM: return "out of memory";
  case DCI_DNS_LIMIT: return "answer too large";
  }
  return "unknown";
}

static unsigned get16(const unsigned char *p)
{
  return ((unsigned)p[0] << 8) | p[1];
}

static uint32_t get32(const unsigned char *p)
{
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
         ((uint32_t)p[2] << 8) | p[3];
}

dc_status dci_dns_parse_header(const unsigned char *buf, size_t len,
                               dci_dns_header *h)
{
  if (h == NULL || (buf == NULL && len > 0)) return DC_E_INVALID_ARG;
  memset(h, 0, sizeof *h);
  if (buf == NULL || len < HDR_LEN) return DC_E_DNS;
  h->id = get16(buf);
  h->qr = (buf[2] & 0x80) != 0;
  h->opcode = (buf[2] >> 3) & 0x0Fu;
  h->aa = (buf[2] & 0x04) != 0;
  h->tc = (buf[2] & 0x02) != 0;
  h->rd = (buf[2] & 0x01) != 0;
  h->ra = (buf[3] & 0x80) != 0;
  h->rcode = buf[3] & 0x0Fu;
  h->qdcount = get16(buf + 4);
  h->ancount = get16(buf + 6);
  h->nscount = get16(buf + 8);
  h->arcount = get16(buf + 10);
  return DC_OK;
}

/* ---- names */

typedef struct wname {
  unsigned char b[WIRE_NAME_MAX];
  size_t len;
} wname;

/* Reads the name at *off into uncompressed, lower-cased wire form; *off
 * moves past the name as stored there. false on any malformation. */
static bool read_name(const unsigned char *m, size_t len, size_t *off, wname *out)
{
  size_t pos = *off, after = 0, limit = *off, o = 0;
  bool jumped = false;
  for (;;) {
    if (pos >= len) return false;
    unsigned ch = m[pos];
    if ((ch & 0xC0u) == 0xC0u) {
      if (pos + 1 >= len) return false;
      size_t target = ((size_t)(ch & 0x3Fu) << 8) | m[pos + 1];
      if (target >= limit) return false; /* forward, self or loop */
      if (!jumped) after = pos + 2;
      jumped = true;
      limit = target;
      pos = target;
      continue;
    }
    if ((ch & 0xC0u) != 0) return false; /* 0x40/0x80 label types */
    if (ch == 0) {
      out->b[o++] = 0;
      pos++;
      break;
    }
    if (pos + 1 + ch > len) return false;
    if (o + 1 + ch + 1 > WIRE_NAME_MAX) return false;
    out->b[o++] = (unsigned char)ch;
    for (size_t i = 0; i < ch; i++) out->b[o++] = dci_lower(m[pos + 1 + i]);
    pos += 1 + ch;
  }
  out->len = o;
  *off = jumped ? after : pos;
  return true;
}

static bool name_eq(const wname *a, const wname *b)
{
  return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

static bool label_char_ok(unsigned char ch)
{
  return dci_is_alnum(ch) || ch == '-' || ch == '_';
}

/* Wire name -> text without trailing dot, if every label is made of
 * [A-Za-z0-9_-] (so it can be asked for); false otherwise or for the root. */
static bool name_to_text(const wname *n, char *out, size_t outsz)
{
  size_t i = 0, o = 0;
  while (i < n->len && n->b[i] != 0) {
    size_t l = n->b[i];
    if (o > 0) {
      if (o + 1 >= outsz) return false;
      out[o++] = '.';
    }
    for (size_t k = 0; k < l; k++) {
      unsigned char ch = n->b[i + 1 + k];
      if (!label_char_ok(ch) || o + 1 >= outsz) return false;
      out[o++] = (char)ch;
    }
    i += 1 + l;
  }
  if (o == 0) return false;
  out[o] = '\0';
  return true;
}

bool dci_dns_name_ok(const char *name)
{
  if (name == NULL) return false;
  size_t len = strlen(name);
  if (len > 0 && name[len - 1] == '.') len--;
  if (len == 0 || len > DC_MAX_NAME_LEN) return false;
  size_t lab = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)name[i];
    if (ch == '.') {
      if (lab == 0) return false;
      lab = 0;
      continue;
    }
    if (!label_char_ok(ch) || ++lab > DC_MAX_LABEL_LEN) return false;
  }
  return lab > 0;
}

/* Text name (validated by dci_dns_name_ok) -> lower-cased wire form. */
static bool text_to_wire(const char *name, wname *out)
{
  if (!dci_dns_name_ok(name)) return false;
  size_t len = strlen(name), o = 0, start = 0;
  if (name[len - 1] == '.') len--;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && name[i] != '.') continue;
    size_t l = i - start;
    out->b[o++] = (unsigned char)l;
    for (size_t k = 0; k < l; k++) out->b[o++] = dci_lower((unsigned char)name[start + k]);
    start = i + 1;
  }
  out->b[o++] = 0;
  out->len = o;
  return true;
}

bool dci_dns_question_matches(const unsigned char *buf, size_t len,
                              const char *name, unsigned qtype)
{
  dci_dns_header h;
  wname want, got;
  if (dci_dns_parse_header(buf, len, &h) != DC_OK) return false;
  if (h.qdcount == 0) return h.rcode != 0; /* a bare error answer */
  if (h.qdcount != 1 || !text_to_wire(name, &want)) return false;
  size_t off = HDR_LEN;
  if (!read_name(buf, len, &off, &got) || len - off < 4) return false;
  return name_eq(&want, &got) && get16(buf + off) == qtype &&
         get16(buf + off + 2) == DCI_C_IN;
}

/* ---- messages */

typedef struct rr {
  wname owner;
  unsigned type, cls;
  uint32_t ttl;
  size_t rdata, rdlen;
} rr;

typedef struct msg {
  const unsigned char *b;
  size_t len;
  dci_dns_header h;
  wname qname;
  size_t an_off; /* first answer RR */
} msg;

static dci_dns_result bad(dci_dns_info *info, const char *why)
{
  if (info) info->why = why;
  return DCI_DNS_BADRESP;
}

/* One RR at *off (owner, fixed part, RDATA in bounds). */
static bool read_rr(const msg *m, size_t *off, rr *out)
{
  if (!read_name(m->b, m->len, off, &out->owner)) return false;
  size_t p = *off;
  if (m->len - p < 10) return false;
  out->type = get16(m->b + p);
  out->cls = get16(m->b + p + 2);
  out->ttl = get32(m->b + p + 4);
  out->rdlen = get16(m->b + p + 8);
  out->rdata = p + 10;
  if (m->len - out->rdata < out->rdlen) return false;
  *off = out->rdata + out->rdlen;
  return true;
}

/* RDATA of the types we read, checked to fill RDLENGTH exactly. */
static bool rdata_ok(const msg *m, const rr *r)
{
  if (r->cls != DCI_C_IN) return true;
  size_t p = r->rdata, end = r->rdata + r->rdlen;
  wname n;
  switch (r->type) {
  case DCI_T_A: return r->rdlen == 4;
  case DCI_T_AAAA: return r->rdlen == 16;
  case DCI_T_CNAME:
  case DCI_T_NS:
    return read_name(m->b, end, &p, &n) && p == end;
  case DCI_T_MX:
    if (r->rdlen < 3) return false;
    p += 2;
    return read_name(m->b, end, &p, &n) && p == end;
  case DCI_T_SRV:
    if (r->rdlen < 7) return false;
    p += 6;
    return read_name(m->b, end, &p, &n) && p == end;
  case DCI_T_CAA:
    /* flags, tag length (1..), tag, value (the rest, may be empty) */
    return r->rdlen >= 2 && m->b[p + 1] >= 1 && (size_t)m->b[p + 1] + 2 <= r->rdlen;
  case DCI_T_SOA:
    if (!read_name(m->b, end, &p, &n) || !read_name(m->b, end, &p, &n))
      return false;
    return end - p == 20;
  case DCI_T_TXT:
    while (p < end) {
      size_t l = m->b[p];
      if (end - p - 1 < l) return false;
      p += 1 + l;
    }
    return true;
  default: return true;
  }
}

/* Header, rcode, question and the structure of every section. Returns
 * DCI_DNS_OK (rcode NOERROR and all well-formed), or the outcome. */
static dci_dns_result msg_open(msg *m, const unsigned char *buf, size_t len,
                               unsigned qtype, dci_dns_info *info)
{
  memset(m, 0, sizeof *m);
  m->b = buf;
  m->len = len;
  if (info) {
    memset(info, 0, sizeof *info);
  }
  if (dci_dns_parse_header(buf, len, &m->h) != DC_OK)
    return bad(info, "shorter than a DNS header");
  if (info) info->rcode = m->h.rcode;
  if (!m->h.qr) return bad(info, "not a response (QR bit clear)");
  if (m->h.opcode != 0) return bad(info, "opcode is not QUERY");
  switch (m->h.rcode) {
  case 0: break;
  case 1: return bad(info, "FORMERR from the server");
  case 2: return DCI_DNS_SERVFAIL;
  case 3: return DCI_DNS_NXDOMAIN;
  case 4: return bad(info, "NOTIMP from the server");
  case 5: return DCI_DNS_REFUSED;
  default: return bad(info, "unexpected rcode");
  }
  if (m->h.tc) return bad(info, "truncated (TC bit set)");
  if (m->h.qdcount != 1) return bad(info, "question count is not 1");
  size_t off = HDR_LEN;
  if (!read_name(buf, len, &off, &m->qname)) return bad(info, "bad question name");
  if (len - off < 4) return bad(info, "question cut short");
  if (get16(buf + off) != qtype || get16(buf + off + 2) != DCI_C_IN)
    return bad(info, "question type or class differs");
  off += 4;
  m->an_off = off;
  size_t total = (size_t)m->h.ancount + m->h.nscount + m->h.arcount;
  for (size_t i = 0; i < total; i++) {
    rr r;
    if (!read_rr(m, &off, &r)) return bad(info, "record runs past the message");
    if (i < m->h.ancount && !rdata_ok(m, &r)) return bad(info, "malformed record data");
    /* EDNS (RFC 6891): the upper 8 bits of the rcode are in the OPT TTL. */
    if (i >= (size_t)m->h.ancount + m->h.nscount && r.type == DCI_T_OPT &&
        (r.ttl >> 24) != 0)
      return bad(info, "extended rcode set");
  }
  return DCI_DNS_OK;
}

/* Follows CNAMEs in the answer section from the question name; *end gets the
 * last name. */
static dci_dns_result follow_chain(const msg *m, wname *end, unsigned *hops,
                                   dci_dns_info *info)
{
  *end = m->qname;
  *hops = 0;
  for (;;) {
    size_t off = m->an_off;
    bool found = false;
    for (unsigned i = 0; i < m->h.ancount; i++) {
      rr r;
      if (!read_rr(m, &off, &r)) return bad(info, "record runs past the message");
      if (r.type != DCI_T_CNAME || r.cls != DCI_C_IN || !name_eq(&r.owner, end)) continue;
      size_t p = r.rdata;
      if (!read_name(m->b, m->len, &p, end)) return bad(info, "bad CNAME target");
      found = true;
      break;
    }
    if (!found) break;
    if (++*hops > DC_MAX_CNAME_CHAIN) return bad(info, "CNAME chain too long (or a loop)");
  }
  if (info) info->cname_hops = *hops;
  return DCI_DNS_OK;
}

/* What the parsers write their outcome's details to: the caller's info, or
 * `local` when it passes none; cleared. */
static dci_dns_info *info_init(dci_dns_info *info, dci_dns_info *local)
{
  if (info == NULL) info = local;
  memset(info, 0, sizeof *info);
  return info;
}

/* msg_open, then follow_chain from the question name: how the TXT and the
 * address answers start. */
static dci_dns_result open_chain(msg *m, const unsigned char *buf, size_t len, unsigned qtype,
                                 wname *end, unsigned *hops, dci_dns_info *info)
{
  dci_dns_result r = msg_open(m, buf, len, qtype, info);
  return r != DCI_DNS_OK ? r : follow_chain(m, end, hops, info);
}

/* After a chain that found no record: NODATA, and when CNAMEs were followed,
 * the target to ask for next. */
static dci_dns_result no_record(const wname *end, unsigned hops, dci_dns_info *info)
{
  if (info && hops > 0 &&
      !name_to_text(end, info->cname_target, sizeof info->cname_target))
    info->cname_target[0] = '\0';
  return DCI_DNS_NODATA;
}

static dc_status finish(dci_dns_result r, dci_dns_result *result)
{
  if (result) *result = r;
  return dci_dns_result_status(r);
}

/* ---- TXT */

void dci_txt_answer_free(dci_txt_answer *a)
{
  if (a == NULL) return;
  free(a->storage);
  memset(a, 0, sizeof *a);
}

static size_t align_up(size_t n)
{
  size_t a = sizeof(void *) > sizeof(size_t) ? sizeof(void *) : sizeof(size_t);
  return (n + a - 1) / a * a;
}

dc_status dci_dns_parse_txt(const unsigned char *buf, size_t len,
                            dci_txt_answer *out, dci_dns_result *result,
                            dci_dns_info *info)
{
  dci_dns_info local;
  info = info_init(info, &local);
  if (out == NULL) return DC_E_INVALID_ARG;
  memset(out, 0, sizeof *out);
  msg m;
  wname end;
  unsigned hops;
  dci_dns_result r = open_chain(&m, buf, len, DCI_T_TXT, &end, &hops, info);
  if (r != DCI_DNS_OK) return finish(r, result);

  /* Pass 1: count RRs, strings and bytes. */
  size_t n_rrs = 0, n_str = 0, n_bytes = 0, off = m.an_off;
  for (unsigned i = 0; i < m.h.ancount; i++) {
    rr x;
    if (!read_rr(&m, &off, &x)) return finish(bad(info, "record runs past the message"), result);
    if (x.type != DCI_T_TXT || x.cls != DCI_C_IN || !name_eq(&x.owner, &end)) continue;
    if (++n_rrs > DC_MAX_DNS_TXT_RRS) {
      info->why = "more TXT records than DC_MAX_DNS_TXT_RRS";
      return finish(DCI_DNS_LIMIT, result);
    }
    for (size_t p = x.rdata; p < x.rdata + x.rdlen; p += 1u + m.b[p]) {
      n_str++;
      n_bytes += m.b[p];
    }
    if (n_bytes > DC_MAX_DNS_TXT_BYTES) {
      info->why = "TXT records larger than DC_MAX_DNS_TXT_BYTES";
      return finish(DCI_DNS_LIMIT, result);
    }
  }
  if (n_rrs == 0) return finish(no_record(&end, hops, info), result);

  /* One block: rrs[n_rrs] | ptrs[n_str] | lens[n_str] | bytes + NULs. */
  size_t o_ptrs = align_up(n_rrs * sizeof(dc_txt_rr));
  size_t o_lens = align_up(o_ptrs + n_str * sizeof(char *));
  size_t o_bytes = o_lens + n_str * sizeof(size_t);
  unsigned char *block = malloc(o_bytes + n_bytes + n_str + 1);
  if (block == NULL) {
    info->why = NULL;
    return finish(DCI_DNS_NOMEM, result);
  }
  dc_txt_rr *rrs = (dc_txt_rr *)(void *)block;
  const char **ptrs = (const char **)(void *)(block + o_ptrs);
  size_t *lens = (size_t *)(void *)(block + o_lens);
  char *bytes = (char *)(block + o_bytes);

  /* Pass 2: fill. */
  size_t ri = 0, si = 0, bi = 0;
  off = m.an_off;
  for (unsigned i = 0; i < m.h.ancount; i++) {
    rr x;
    if (!read_rr(&m, &off, &x)) break; /* cannot happen: pass 1 read it */
    if (x.type != DCI_T_TXT || x.cls != DCI_C_IN || !name_eq(&x.owner, &end)) continue;
    if (ri >= n_rrs) break;
    rrs[ri].strings = ptrs + si;
    rrs[ri].lens = lens + si;
    rrs[ri].count = 0;
    for (size_t p = x.rdata; p < x.rdata + x.rdlen && si < n_str; p += 1u + m.b[p]) {
      size_t l = m.b[p];
      memcpy(bytes + bi, m.b + p + 1, l);
      bytes[bi + l] = '\0';
      ptrs[si] = bytes + bi;
      lens[si] = l;
      bi += l + 1;
      si++;
      rrs[ri].count++;
    }
    ri++;
  }
  out->rrs = rrs;
  out->n = ri;
  out->storage = block;
  return finish(DCI_DNS_OK, result);
}

/* ---- A / AAAA */

dc_status dci_dns_parse_addrs(const unsigned char *buf, size_t len,
                              unsigned qtype, dci_addr_list *out,
                              dci_dns_result *result, dci_dns_info *info)
{
  dci_dns_info local;
  info = info_init(info, &local);
  if (out == NULL || (qtype != DCI_T_A && qtype != DCI_T_AAAA)) return DC_E_INVALID_ARG;
  msg m;
  wname end;
  unsigned hops;
  dci_dns_result r = open_chain(&m, buf, len, qtype, &end, &hops, info);
  if (r != DCI_DNS_OK) return finish(r, result);
  size_t found = 0, off = m.an_off;
  for (unsigned i = 0; i < m.h.ancount; i++) {
    rr x;
    if (!read_rr(&m, &off, &x)) return finish(bad(info, "record runs past the message"), result);
    if (!info->has_ttl || x.ttl < info->min_ttl) info->min_ttl = x.ttl;
    info->has_ttl = true;
    if (x.type != qtype || x.cls != DCI_C_IN || !name_eq(&x.owner, &end)) continue;
    if (out->n >= DCI_MAX_ADDRS) {
      info->why = "more addresses than DCI_MAX_ADDRS";
      return finish(DCI_DNS_LIMIT, result);
    }
    dci_addr *a = &out->a[out->n++];
    memset(a, 0, sizeof *a);
    a->family = qtype == DCI_T_A ? AF_INET : AF_INET6;
    memcpy(a->b, m.b + x.rdata, x.rdlen); /* 4 or 16: rdata_ok checked */
    found++;
  }
  if (found == 0) return finish(no_record(&end, hops, info), result);
  return finish(DCI_DNS_OK, result);
}

/* ---- SOA */

dc_status dci_dns_parse_soa(const unsigned char *buf, size_t len, bool *has,
                            dci_dns_result *result, dci_dns_info *info)
{
  dci_dns_info local;
  info = info_init(info, &local);
  if (has == NULL) return DC_E_INVALID_ARG;
  *has = false;
  msg m;
  dci_dns_result r = msg_open(&m, buf, len, DCI_T_SOA, info);
  if (r == DCI_DNS_NXDOMAIN) {
    if (result) *result = r;
    return DC_OK;
  }
  if (r != DCI_DNS_OK) return finish(r, result);
  size_t off = m.an_off;
  for (unsigned i = 0; i < m.h.ancount; i++) {
    rr x;
    if (!read_rr(&m, &off, &x)) return finish(bad(info, "record runs past the message"), result);
    if (x.type == DCI_T_SOA && x.cls == DCI_C_IN && name_eq(&x.owner, &m.qname)) {
      *has = true;
      return finish(DCI_DNS_OK, result);
    }
  }
  if (result) *result = DCI_DNS_NODATA;
  return DC_OK;
}

/* ---- any RRset, in presentation form */

static const struct {
  unsigned type;
  const char *name;
} k_types[] = {
  {1, "A"}, {2, "NS"}, {5, "CNAME"}, {6, "SOA"}, {12, "PTR"}, {15, "MX"},
  {16, "TXT"}, {28, "AAAA"}, {33, "SRV"}, {35, "NAPTR"}, {43, "DS"},
  {44, "SSHFP"}, {48, "DNSKEY"}, {52, "TLSA"}, {64, "SVCB"}, {65, "HTTPS"},
  {99, "SPF"}, {257, "CAA"},
};

const char *dci_dns_type_name(unsigned type, char *buf, size_t n)
{
  if (buf == NULL || n == 0) return "";
  for (size_t i = 0; i < sizeof k_types / sizeof k_types[0]; i++) {
    if (k_types[i].type == type) {
      snprintf(buf, n, "%s", k_types[i].name);
      return buf;
    }
  }
  snprintf(buf, n, "TYPE%u", type);
  return buf;
}

unsigned dci_dns_type_from_name(const char *name)
{
  if (name == NULL) return 0;
  for (size_t i = 0; i < sizeof k_types / sizeof k_types[0]; i++)
    if (dci_streq_nocase(name, k_types[i].name)) return k_types[i].type;
  if ((name[0] | 0x20) == 't' && (name[1] | 0x20) == 'y' && (name[2] | 0x20) == 'p' &&
      (name[3] | 0x20) == 'e' && dci_is_digit((unsigned char)name[4])) {
    unsigned long v = 0;
    size_t i = 4;
    for (; dci_is_digit((unsigned char)name[i]) && i < 10; i++)
      v = v * 10 + (unsigned long)(name[i] - '0');
    if (name[i] != '\0' || name[4] == '0' || v == 0 || v > 65535) return 0;
    return (unsigned)v;
  }
  return 0;
}

void dci_rrset_free(dci_rrset *s)
{
  if (s == NULL) return;
  free(s->storage);
  memset(s, 0, sizeof *s);
}

/* Types that are not data: OPT, and the meta/query types (TKEY, TSIG,
 * IXFR, AXFR, MAILB, MAILA, ANY). */
static bool qtype_askable(unsigned qtype)
{
  return qtype >= 1 && qtype <= 65535 && qtype != DCI_T_OPT &&
         !(qtype >= 249 && qtype <= 255);
}

/* Writes into p (when not NULL) and counts, so one formatter both sizes
 * and fills. */
typedef struct sink {
  char *p;
  size_t n;
} sink;

static void put_c(sink *s, char ch)
{
  if (s->p) s->p[s->n] = ch;
  s->n++;
}

static void put_mem(sink *s, const void *b, size_t l)
{
  if (s->p && l > 0) memcpy(s->p + s->n, b, l);
  s->n += l;
}

static void put_str(sink *s, const char *str) { put_mem(s, str, strlen(str)); }

static void put_dec(sink *s, unsigned long v)
{
  char tmp[24];
  int k = snprintf(tmp, sizeof tmp, "%lu", v);
  put_mem(s, tmp, k > 0 ? (size_t)k : 0);
}

/* \DDD for a byte that cannot stand for itself. */
static void put_ddd(sink *s, unsigned char ch)
{
  put_c(s, '\\');
  put_c(s, (char)('0' + ch / 100));
  put_c(s, (char)('0' + ch / 10 % 10));
  put_c(s, (char)('0' + ch % 10));
}

/* A (lower-cased) wire name: labels joined with '.', no trailing dot, "."
 * for the root; [a-z0-9_*-] as they are, other printable bytes after a
 * backslash, the rest as \DDD. */
static void put_wname(sink *s, const wname *n)
{
  size_t i = 0;
  bool first = true;
  while (i < n->len && n->b[i] != 0) {
    size_t l = n->b[i];
    if (!first) put_c(s, '.');
    first = false;
    for (size_t k = 0; k < l; k++) {
      unsigned char ch = n->b[i + 1 + k];
      if (dci_is_alnum(ch) || ch == '-' || ch == '_' || ch == '*') {
        put_c(s, (char)ch);
      } else if (ch > 0x20 && ch < 0x7f) {
        put_c(s, '\\');
        put_c(s, (char)ch);
      } else {
        put_ddd(s, ch);
      }
    }
    i += 1 + l;
  }
  if (first) put_c(s, '.');
}

/* Where the parts of one formatted RR are, relative to its start. */
typedef struct rr_fmt {
  size_t data_len;
  size_t tag_off, value_off, value_len; /* CAA */
  unsigned priority, weight, port;
  bool caa;
} rr_fmt;

/* Formats one RR (RDATA checked by rdata_ok for the types it knows):
 * data, NUL, and for CAA the tag, NUL, the value, NUL. */
static void format_rr(const msg *m, const rr *x, sink *s, rr_fmt *f)
{
  const unsigned char *d = m->b + x->rdata;
  size_t end = x->rdata + x->rdlen, p = x->rdata, start = s->n;
  wname n;
  memset(f, 0, sizeof *f);
  switch (x->type) {
  case DCI_T_A:
  case DCI_T_AAAA: {
    char tmp[64];
    if (inet_ntop(x->type == DCI_T_A ? AF_INET : AF_INET6, d, tmp, sizeof tmp) == NULL)
      tmp[0] = '\0';
    put_str(s, tmp);
    break;
  }
  case DCI_T_CNAME:
  case DCI_T_NS:
    if (read_name(m->b, end, &p, &n)) put_wname(s, &n);
    break;
  case DCI_T_MX:
    f->priority = get16(d);
    p += 2;
    if (read_name(m->b, end, &p, &n)) put_wname(s, &n);
    break;
  case DCI_T_SRV:
    f->priority = get16(d);
    f->weight = get16(d + 2);
    f->port = get16(d + 4);
    p += 6;
    if (read_name(m->b, end, &p, &n)) put_wname(s, &n);
    break;
  case DCI_T_TXT:
    for (size_t q = x->rdata; q < end; q += 1u + m->b[q]) put_mem(s, m->b + q + 1, m->b[q]);
    break;
  case DCI_T_CAA: {
    size_t tl = d[1], vl = x->rdlen - 2 - tl;
    const unsigned char *tag = d + 2, *val = d + 2 + tl;
    f->caa = true;
    f->priority = d[0];
    put_dec(s, d[0]);
    put_c(s, ' ');
    for (size_t k = 0; k < tl; k++) {
      unsigned char ch = dci_lower(tag[k]);
      if (dci_is_alnum(ch)) put_c(s, (char)ch);
      else put_ddd(s, ch);
    }
    put_str(s, " \"");
    for (size_t k = 0; k < vl; k++) {
      unsigned char ch = val[k];
      if (ch == '"' || ch == '\\') {
        put_c(s, '\\');
        put_c(s, (char)ch);
      } else if (ch >= 0x20 && ch < 0x7f) {
        put_c(s, (char)ch);
      } else {
        put_ddd(s, ch);
      }
    }
    put_c(s, '"');
    f->data_len = s->n - start;
    put_c(s, '\0');
    f->tag_off = s->n - start;
    for (size_t k = 0; k < tl; k++) put_c(s, (char)dci_lower(tag[k]));
    put_c(s, '\0');
    f->value_off = s->n - start;
    f->value_len = vl;
    put_mem(s, val, vl);
    put_c(s, '\0');
    return;
  }
  default: {
    static const char hex[] = "0123456789abcdef";
    put_str(s, "\\# ");
    put_dec(s, x->rdlen);
    if (x->rdlen > 0) put_c(s, ' ');
    for (size_t k = 0; k < x->rdlen; k++) {
      put_c(s, hex[d[k] >> 4]);
      put_c(s, hex[d[k] & 0x0Fu]);
    }
    break;
  }
  }
  f->data_len = s->n - start;
  put_c(s, '\0');
}

/* Is x one of the RRs asked for? In the answer: type, class IN, owned by
 * the end of the chain. */
static bool rr_wanted(const rr *x, unsigned qtype, const wname *end)
{
  return x->type == qtype && x->cls == DCI_C_IN && name_eq(&x->owner, end);
}

static size_t rrset_cap(unsigned qtype)
{
  if (qtype == DCI_T_A || qtype == DCI_T_AAAA) return DCI_MAX_ADDRS;
  if (qtype == DCI_T_TXT) return DC_MAX_DNS_TXT_RRS;
  return DCI_MAX_RRSET_RRS;
}

dc_status dci_dns_parse_rrset(const unsigned char *buf, size_t len,
                              unsigned qtype, dci_rrset *out,
                              dci_dns_result *result, dci_dns_info *info)
{
  dci_dns_info local;
  info = info_init(info, &local);
  if (out == NULL) return DC_E_INVALID_ARG;
  memset(out, 0, sizeof *out);
  if (result) *result = DCI_DNS_BADRESP;
  if (!qtype_askable(qtype)) return DC_E_INVALID_ARG;
  msg m;
  dci_dns_result r = msg_open(&m, buf, len, qtype, info);
  if (r != DCI_DNS_OK) return finish(r, result);
  wname end = m.qname;
  unsigned hops = 0;
  if (qtype != DCI_T_CNAME) { /* a CNAME question wants the CNAME itself */
    r = follow_chain(&m, &end, &hops, info);
    if (r != DCI_DNS_OK) return finish(r, result);
  }

  /* The section the RRs come from: the answer, or for an NS question that
   * has none there (a referral at a delegation point), the authority. */
  size_t first = m.an_off, count = m.h.ancount;
  size_t off = m.an_off, n_rrs = 0;
  for (unsigned i = 0; i < m.h.ancount; i++) {
    rr x;
    if (!read_rr(&m, &off, &x)) return finish(bad(info, "record runs past the message"), result);
    if (rr_wanted(&x, qtype, &end)) n_rrs++;
  }
  if (n_rrs == 0 && qtype == DCI_T_NS && hops == 0) {
    first = off;
    count = m.h.nscount;
    for (unsigned i = 0; i < m.h.nscount; i++) {
      rr x;
      if (!read_rr(&m, &off, &x)) return finish(bad(info, "record runs past the message"), result);
      /* the answer section's RDATA was checked by msg_open, this one not */
      if (rr_wanted(&x, qtype, &end)) {
        if (!rdata_ok(&m, &x)) return finish(bad(info, "malformed record data"), result);
        n_rrs++;
      }
    }
  }
  if (n_rrs == 0) return finish(no_record(&end, hops, info), result);
  if (n_rrs > rrset_cap(qtype)) {
    info->why = qtype == DCI_T_TXT ? "more TXT records than DC_MAX_DNS_TXT_RRS"
                : (qtype == DCI_T_A || qtype == DCI_T_AAAA)
                    ? "more addresses than DCI_MAX_ADDRS"
                    : "more records than DCI_MAX_RRSET_RRS";
    return finish(DCI_DNS_LIMIT, result);
  }

  /* Pass 1: sizes (and the TXT byte cap). */
  sink s = {NULL, 0};
  size_t txt_bytes = 0;
  off = first;
  for (size_t i = 0; i < count; i++) {
    rr x;
    rr_fmt f;
    if (!read_rr(&m, &off, &x)) return finish(bad(info, "record runs past the message"), result);
    if (!rr_wanted(&x, qtype, &end)) continue;
    format_rr(&m, &x, &s, &f);
    if (qtype == DCI_T_TXT) txt_bytes += f.data_len;
  }
  if (txt_bytes > DC_MAX_DNS_TXT_BYTES) {
    info->why = "TXT records larger than DC_MAX_DNS_TXT_BYTES";
    return finish(DCI_DNS_LIMIT, result);
  }

  /* One block: rrs[n_rrs] | text. */
  size_t o_text = align_up(n_rrs * sizeof(dci_rr));
  unsigned char *block = malloc(o_text + s.n + 1);
  if (block == NULL) {
    info->why = NULL;
    return finish(DCI_DNS_NOMEM, result);
  }
  dci_rr *rrs = (dci_rr *)(void *)block;
  char *text = (char *)(block + o_text);
  memset(rrs, 0, n_rrs * sizeof *rrs);

  /* Pass 2: fill. */
  sink w = {text, 0};
  size_t ri = 0;
  off = first;
  for (size_t i = 0; i < count && ri < n_rrs; i++) {
    rr x;
    rr_fmt f;
    if (!read_rr(&m, &off, &x)) break; /* cannot happen: pass 1 read it */
    if (!rr_wanted(&x, qtype, &end)) continue;
    size_t at = w.n;
    format_rr(&m, &x, &w, &f);
    dci_rr *o = &rrs[ri++];
    o->type = x.type;
    o->ttl = x.ttl;
    o->data = text + at;
    o->len = f.data_len;
    o->priority = f.priority;
    o->weight = f.weight;
    o->port = f.port;
    if (f.caa) {
      o->tag = text + at + f.tag_off;
      o->value = text + at + f.value_off;
      o->value_len = f.value_len;
    }
  }
  text[w.n] = '\0';
  out->rrs = rrs;
  out->n = ri;
  out->storage = block;
  return finish(DCI_DNS_OK, result);
}
