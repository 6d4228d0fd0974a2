/* domainconnect-sandbox: the HTTPS server (libmicrohttpd over GnuTLS). */
#ifndef SBX_HTTP_H
#define SBX_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "app.h"

struct sbx_http;

/* Listens on `addr` (a struct sockaddr_in or _in6) with the PEM key and
 * certificate chain; one thread per connection. */
struct sbx_http *sbx_http_start(struct sbx_app *app, const struct sockaddr *addr,
                                const char *key_pem, const char *cert_pem, char *err,
                                size_t errsz);
/* Stops listening and waits for the connection threads. */
void sbx_http_stop(struct sbx_http *h);

#endif
