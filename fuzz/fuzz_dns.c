/* Fuzz target: the raw DNS response parsers of src/dns (parse.c). The same
 * bytes go to the header parser, the TXT, A, AAAA and SOA parsers and the
 * question check; every accepted TXT answer is walked completely and its
 * invariants checked (RR and byte caps, NUL-terminated strings). */
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

  (void)dci_dns_question_matches(data, size, "example.test", 16);
  (void)dci_dns_question_matches(data, size, "_domainconnect.example.test.", 16);
  return 0;
}
