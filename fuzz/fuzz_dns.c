/* Fuzz target: the raw DNS response parsers of src/dns (parse.c). The same
 * bytes go to the header parser, the TXT, A, AAAA and SOA parsers, the
 * RRset parser (for the question's own type and a fixed list) and the
 * question check; every accepted TXT answer and RRset is walked completely
 * and its invariants checked (RR and byte caps, NUL-terminated strings). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/resolver.h"

static void check_txt(const dci_txt_answer *a, dc_status st)
{
  if (st != DC_OK) {
    if (a->n != 0 || a->rrs != NULL) abort();
    return;
  }
  if (a->n == 0 || a->n > DC_MAX_DNS_TXT_RRS || a->rrs == NULL) abort();
  size_t bytes = 0;
  for (size_t i = 0; i < a->n; i++) {
    const dc_txt_rr *rr = &a->rrs[i];
    for (size_t k = 0; k < rr->count; k++) {
      if (rr->lens[k] > 255 || rr->strings[k][rr->lens[k]] != '\0') abort();
      bytes += rr->lens[k];
    }
  }
  if (bytes > DC_MAX_DNS_TXT_BYTES) abort();
}

static void check_rrset(const dci_rrset *s, dc_status st, dci_dns_result r,
                        unsigned qtype)
{
  if (dci_dns_result_status(r) != st) abort();
  if (st != DC_OK) {
    if (s->n != 0 || s->rrs != NULL) abort();
    return;
  }
  size_t cap = qtype == 1 || qtype == 28 ? DCI_MAX_ADDRS
               : qtype == 16           ? DC_MAX_DNS_TXT_RRS
                                       : DCI_MAX_RRSET_RRS;
  if (s->n == 0 || s->n > cap || s->rrs == NULL) abort();
  size_t bytes = 0;
  for (size_t i = 0; i < s->n; i++) {
    const dci_rr *rr = &s->rrs[i];
    if (rr->type != qtype || rr->data == NULL || rr->data[rr->len] != '\0') abort();
    if (qtype != 16 && strlen(rr->data) != rr->len) abort(); /* only TXT holds NULs */
    if ((qtype == 257) != (rr->tag != NULL)) abort();
    if (rr->tag != NULL && (rr->value == NULL || rr->value[rr->value_len] != '\0')) abort();
    if (qtype == 16) bytes += rr->len;
  }
  if (bytes > DC_MAX_DNS_TXT_BYTES) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  dci_dns_header h;
  (void)dci_dns_parse_header(data, size, &h);

  dci_txt_answer txt;
  dci_dns_result r;
  dci_dns_info info;
  dc_status st = dci_dns_parse_txt(data, size, &txt, &r, &info);
  check_txt(&txt, st);
  if (dci_dns_result_status(r) != st) abort();
  if (info.cname_target[0] != '\0' && !dci_dns_name_ok(info.cname_target)) abort();
  dci_txt_answer_free(&txt);

  dci_addr_list l;
  l.n = 0;
  st = dci_dns_parse_addrs(data, size, 1, &l, &r, NULL);
  if (l.n > DCI_MAX_ADDRS) abort();
  st = dci_dns_parse_addrs(data, size, 28, &l, &r, &info); /* appends */
  if (l.n > DCI_MAX_ADDRS || (st == DC_OK && l.n == 0)) abort();

  bool has = false;
  st = dci_dns_parse_soa(data, size, &has, &r, NULL);
  if (has && st != DC_OK) abort();

  /* RRsets: the question's own type (when the message has one) and a fixed
   * list covering every formatter. */
  static const unsigned types[] = {0, 1, 2, 5, 15, 16, 28, 33, 257, 65280};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
    unsigned qtype = types[i];
    if (qtype == 0) {
      /* the type after the first question name (uncompressed walk) */
      size_t p = 12;
      while (p < size && data[p] != 0 && data[p] < 64) p += 1u + data[p];
      if (size < 12 || p + 3 > size) continue;
      qtype = ((unsigned)data[p + 1] << 8) | data[p + 2];
    }
    dci_rrset set;
    dci_dns_info ri;
    st = dci_dns_parse_rrset(data, size, qtype, &set, &r, &ri);
    if (st == DC_E_INVALID_ARG) {
      if (set.n != 0) abort();
      continue;
    }
    check_rrset(&set, st, r, qtype);
    if (ri.cname_target[0] != '\0' && !dci_dns_name_ok(ri.cname_target)) abort();
    dci_rrset_free(&set);
  }

  (void)dci_dns_question_matches(data, size, "example.test", 16);
  (void)dci_dns_question_matches(data, size, "_domainconnect.example.test.", 16);
  return 0;
}
