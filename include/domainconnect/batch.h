/* Batch discovery: many domains discovered concurrently on one event loop
 * (c-ares for DNS, one curl multi handle for HTTPS), with the same result
 * for every domain as dc_discover() gives, errors included.
 *
 * A batch borrows a configured dc_client (DNS servers, CA, timeouts, zone
 * mode, PSL, TEST-ONLY allow list): the client must outlive the batch and
 * must not be changed or used for other calls while the batch has work.
 * Settings requests reuse connections per provider host through the
 * client's connection cache (settings GETs carry no secret); every request
 * still passes the whole SSRF guard (net.h).
 *
 * Domains come from a pull source (dc_batch_set_source), asked for one
 * domain at a time only when a slot is free, so memory is bounded by the
 * concurrency, not by the input size; dc_batch_add queues a few domains
 * (copied) ahead of the source. Each domain's result goes to the result
 * callback as soon as it is known, exactly once per domain taken, in
 * completion order.
 *
 * Driving it:
 *   - dc_batch_run(): a blocking poll() loop until every domain is done; or
 *   - from your own loop:
 *       for (;;) {
 *         size_t n = dc_batch_fds(b, fds, max);       // n may exceed max:
 *         if (n > max) { grow fds to n; continue; }   // grow and ask again
 *         long t = dc_batch_timeout_ms(b);            // -1: nothing pending
 *         if (t < 0 && n == 0) break;                 // (dc_batch_pending()==0)
 *         poll(fds, n, t);                            // or epoll, libuv...
 *         dc_batch_process(b, fds, n);                // revents read
 *       }
 *     The descriptors change between calls: ask for them again every time.
 *     dc_batch_process with n == 0 handles timeouts only.
 *
 * Threading: a batch belongs to one thread at a time. It reads its client's
 * configuration by reference (which must not change while the batch has
 * work); other threads may make calls on the client meanwhile. The
 * callbacks run from dc_batch_process / dc_batch_run, never from another
 * thread; they must not free the batch. They may call dc_batch_add. */
#ifndef DOMAINCONNECT_BATCH_H
#define DOMAINCONNECT_BATCH_H

#include <stddef.h>

#include "domainconnect/common.h"
#include "domainconnect/settings.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pollfd;
typedef struct dc_batch dc_batch;

/* The next domain, or NULL at the end of the input (not asked again after
 * NULL). The string is copied before the next call; it may be reused. */
typedef const char *(*dc_batch_next_fn)(void *arg);

/* One domain's result. `input` is the domain as the source gave it;
 * `status` what dc_discover would return for it; `settings` (borrowed:
 * valid only during the call; NULL on failure) carry the zone and host
 * (dc_settings_zone / dc_settings_host); `detail` is "" on success, else
 * the text dc_client_error() would give. */
typedef void (*dc_batch_result_fn)(void *arg, const char *input, dc_status status,
                                   const dc_settings *settings, const char *detail);

/* Default and highest concurrency (domains in flight at once). */
#define DC_BATCH_DEFAULT_CONCURRENCY 64
#define DC_BATCH_MAX_CONCURRENCY 4096

/* A batch over client `c` with at most `concurrency` domains in flight
 * (1..DC_BATCH_MAX_CONCURRENCY; 0 = the default). `on_result` must not be
 * NULL. Returns DC_OK, DC_E_INVALID_ARG, DC_E_NOMEM, DC_E_INTERNAL or
 * DC_E_DNS (c-ares or libcurl could not be set up); details on c. */
DC_API DC_WUR dc_status dc_batch_new(dc_client *c, size_t concurrency,
                                     dc_batch_result_fn on_result, void *arg,
                                     dc_batch **out);
/* Frees the batch; domains still in flight are dropped without results.
 * NULL is a no-op. Not from inside a callback. */
DC_API void dc_batch_free(dc_batch *b);
/* Sets the pull source (replacing any earlier one that has not ended). */
DC_API DC_WUR dc_status dc_batch_set_source(dc_batch *b, dc_batch_next_fn next, void *arg);
/* Queues one domain (copied); taken before the source's. DC_OK,
 * DC_E_INVALID_ARG, DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_batch_add(dc_batch *b, const char *domain);
/* Settings cache keyed by (API host with its path prefix, zone), i.e. by the
 * settings URL: a 2xx settings body fetched once is used for every domain
 * of the same zone at the same provider for `seconds` (0 = off, the
 * default; at most 86400). Results stay as without the cache (the cached
 * body is parsed again). At most DC_BATCH_CACHE_MAX entries; expired ones
 * are dropped first, and when it is full nothing new is cached. */
#define DC_BATCH_CACHE_MAX 65536
DC_API DC_WUR dc_status dc_batch_set_cache_ttl(dc_batch *b, long seconds);

/* Descriptors to watch now (c-ares and curl sockets): fills at most `max`
 * entries (fd, events = POLLIN/POLLOUT, revents = 0) and returns how many
 * there are (may be more than max: call again with room for them). */
DC_API size_t dc_batch_fds(dc_batch *b, struct pollfd *fds, size_t max);
/* Milliseconds until dc_batch_process must be called even when no
 * descriptor is ready: 0 = now, -1 = nothing pending (all done). */
DC_API long dc_batch_timeout_ms(dc_batch *b);
/* Handles the descriptors with revents set (n may be 0), timers, finished
 * lookups and transfers; delivers results and takes new domains. DC_OK, or
 * DC_E_INTERNAL / DC_E_NOMEM when the engine itself failed (then the
 * batch should be freed). */
DC_API DC_WUR dc_status dc_batch_process(dc_batch *b, const struct pollfd *fds, size_t n);
/* DNSSEC (net.h, dc_client_set_dnssec): the states of the result being
 * delivered, for a result callback to read (failed domains included):
 * overall, the TXT (with the SOA walk's answers), the provider host's
 * addresses. Outside a result callback every state is DC_DNSSEC_UNCHECKED.
 * Any pointer may be NULL. With a policy other than off the batch resolves
 * through libunbound on the same loop: dc_batch_fds includes its one
 * descriptor, and the settings cache (dc_batch_set_cache_ttl) is not used
 * (every domain's host is resolved and validated). */
DC_API void dc_batch_result_dnssec(const dc_batch *b, dc_dnssec_state *overall,
                                   dc_dnssec_state *txt, dc_dnssec_state *host);
/* Runs poll() and dc_batch_process until every domain has its result. */
DC_API DC_WUR dc_status dc_batch_run(dc_batch *b);
/* Domains taken but without a result yet, plus 1 while the source or the
 * queue may still give more (0 = all done). */
DC_API size_t dc_batch_pending(const dc_batch *b);

#ifdef __cplusplus
}
#endif
#endif
