/* The transfer context of src/http (internal to it): shared by
 * transport.c (preparing and finishing a transfer) and braces.c (the
 * guard's checks inside libcurl's callbacks). docs/security.md §2. */
#ifndef DC_HTTP_XFER_H
#define DC_HTTP_XFER_H

#include <curl/curl.h>

#include "dns/resolver.h"
#include "domainconnect/net.h" /* dc_guard_reason */
#include "http/transport.h"

struct dci_http_xfer {
  dc_client *c;
  const dci_http_req *req;
  dci_http_resp *resp;
  CURL *easy;
  CURLU *url;
  struct curl_slist *resolve;
  struct curl_slist *connect_to; /* through a proxy: host:port -> checked address */
  struct curl_slist *headers;   /* may hold the bearer: wiped on free */
  char host[DC_MAX_NAME_LEN + 1];
  unsigned port;                /* DCI_HTTPS_PORT, or an allowed test port */
  dci_addr_list checked;        /* what the guard approved */
  bool skip_socket_check;       /* TEST ONLY (dci_http_set_test_hooks) */
  bool proxied;                 /* through the client's proxy (docs/security.md §2.9) */
  size_t header_bytes;
  bool body_over;               /* write callback hit the cap */
  bool headers_over;            /* header callback hit the cap */
  bool nomem;
  bool blocked;                 /* a brace refused; why[] says how */
  dc_guard_reason reason;       /* the first refusal's reason (docs/security.md §2.11) */
  bool resolve_attempted;       /* libcurl tried to resolve despite the pin */
  char why[320];
  char errbuf[CURL_ERROR_SIZE];
};

/* The callbacks that hold the guard inside libcurl (clientp is the
 * transfer): brace 1 before the TCP SYN (docs/security.md §2.6), brace 2
 * after TLS and before the first request byte (§2.7), and the resolver-start
 * refusal (§2.5). A refusal is recorded in the transfer (blocked, why[],
 * reason) and its reason noted on the caller's record (dci_guard_note):
 * the first refusal's, also when a later one differs. */
curl_socket_t dci_xfer_on_open_socket(void *clientp, curlsocktype purpose,
                                      struct curl_sockaddr *sa);
int dci_xfer_on_prereq(void *clientp, char *primary_ip, char *local_ip,
                       int primary_port, int local_port);
int dci_xfer_on_resolver_start(void *resolver_state, void *reserved, void *clientp);

#endif
