/* What both resolvers report the same way: see dns/outcome.h. */
#include "dns/outcome.h"

#include <stdio.h>
#include <string.h>

#include "core/internal.h"

static bool is_failure(dci_dns_result r)
{
  return r != DCI_DNS_OK && r != DCI_DNS_NXDOMAIN && r != DCI_DNS_NODATA;
}

dci_dns_result dci_dns_merge_addrs(dci_dns_half a, dci_dns_half aaaa, dci_addr_list *all,
                                   const char **why)
{
  size_t na = a.addrs ? a.addrs->n : 0, nb = aaaa.addrs ? aaaa.addrs->n : 0;
  *why = a.why;
  all->n = 0;
  if (a.res == DCI_DNS_LIMIT || aaaa.res == DCI_DNS_LIMIT || na + nb > DCI_MAX_ADDRS) {
    *why = "more addresses than DCI_MAX_ADDRS";
    return DCI_DNS_LIMIT;
  }
  if (a.res == DCI_DNS_NOMEM || aaaa.res == DCI_DNS_NOMEM) return DCI_DNS_NOMEM;
  if (na + nb > 0) {
    if (na > 0) memcpy(all->a, a.addrs->a, na * sizeof all->a[0]);
    if (nb > 0) memcpy(all->a + na, aaaa.addrs->a, nb * sizeof all->a[0]);
    all->n = na + nb;
    *why = NULL;
    return DCI_DNS_OK;
  }
  if (is_failure(a.res)) return a.res;
  *why = aaaa.why;
  if (is_failure(aaaa.res)) return aaaa.res;
  *why = NULL;
  if (a.res == DCI_DNS_NXDOMAIN && aaaa.res == DCI_DNS_NXDOMAIN) return DCI_DNS_NXDOMAIN;
  return DCI_DNS_NODATA;
}

void dci_dns_outcome_init(dci_dns_outcome *o, dci_dns_kind kind, const char *name,
                          dci_dns_result res, dci_txt_answer *txt)
{
  memset(o, 0, sizeof *o);
  o->kind = kind;
  o->name = name;
  o->result = res;
  o->status = dci_dns_result_status(res);
  if (kind == DCI_DNS_KIND_SOA && (res == DCI_DNS_NXDOMAIN || res == DCI_DNS_NODATA))
    o->status = DC_OK;
  o->detail = "";
  if (kind == DCI_DNS_KIND_TXT) {
    if (res != DCI_DNS_OK) dci_txt_answer_free(txt);
    o->txt = txt;
  }
}

const char *dci_dns_kind_name(dci_dns_kind k)
{
  switch (k) {
  case DCI_DNS_KIND_TXT: return "TXT";
  case DCI_DNS_KIND_ADDRS: return "A/AAAA";
  case DCI_DNS_KIND_SOA: return "SOA";
  case DCI_DNS_KIND_RRSET: break;
  }
  return "RRset";
}

void dci_dns_failure_detail(const char *type, const char *nodata_type, const char *name,
                            dci_dns_result res, const char *why, long timeout_ms,
                            const char *servfail_by, char *buf, size_t n)
{
  char what[128];
  switch (res) {
  case DCI_DNS_NXDOMAIN: snprintf(what, sizeof what, "NXDOMAIN (no such name)"); break;
  case DCI_DNS_NODATA: snprintf(what, sizeof what, "no %s record", nodata_type); break;
  case DCI_DNS_SERVFAIL: snprintf(what, sizeof what, "SERVFAIL from %s", servfail_by); break;
  case DCI_DNS_REFUSED: snprintf(what, sizeof what, "REFUSED by the DNS server"); break;
  case DCI_DNS_TIMEOUT: snprintf(what, sizeof what, "no answer within %ld ms", timeout_ms); break;
  case DCI_DNS_NOMEM: snprintf(what, sizeof what, "out of memory"); break;
  case DCI_DNS_LIMIT:
    snprintf(what, sizeof what, "answer too large: %s", why ? why : "over a limit");
    break;
  case DCI_DNS_BADRESP:
  case DCI_DNS_OK:
  default:
    snprintf(what, sizeof what, "bad answer: %s", why ? why : "malformed response");
    break;
  }
  char safe[DC_MAX_NAME_LEN + 8];
  dci_sanitize(safe, sizeof safe, name, strlen(name), DC_MAX_NAME_LEN);
  snprintf(buf, n, "DNS %s lookup of %s: %s", type, safe, what);
}
