/* Shared helpers of the integration cmocka suites (tests/integration/test_*.c),
 * which run under tests/integration/harness.py: its environment (DC_TEST_*),
 * clients configured for its servers, its HTTPS request log, a monotonic
 * clock, and an honest peak-RSS meter for memory-growth checks.
 *
 * Kept apart from tests/unit/testutil.c (which every unit, integration and
 * conformance program links, and which this builds on) because all of this
 * needs the harness: a unit test must never depend on DC_TEST_* or a log. */
#ifndef DC_IT_SUPPORT_H
#define DC_IT_SUPPORT_H
#include <stdbool.h>

#include <jansson.h>

#include "testutil.h"

/* ---- environment */

/* The value of harness variable `name` (DC_TEST_DNS, DC_TEST_CA, ...); fails
 * the test if it is unset or empty (the suite was not run under harness.py). */
const char *it_env(const char *name);

/* ---- clients */

/* Which harness HTTPS servers go on the TEST-ONLY allow list. */
typedef enum {
  IT_ALLOW_NONE, /* none: the twin that must be refused */
  IT_ALLOW_API,  /* 127.0.0.2 (api.provider.test, ok.transport.test) */
  IT_ALLOW_BOTH  /* 127.0.0.2 and 127.0.0.3 (api2.provider.test) */
} it_allow;

/* A client using DNS server `dns` ("IP:PORT"; none added if NULL) with the
 * DNS timeout set to timeout_ms (left at the default if <= 0). */
dc_client *it_client_dns(const char *dns, long timeout_ms);
/* A client for the HTTPS servers: DNS server `dns`, the harness's test CA
 * (DC_TEST_CA) and the allow list `allow`. */
dc_client *it_client_tls(const char *dns, it_allow allow);
/* it_client_tls(DC_TEST_DNS, allow ? IT_ALLOW_BOTH : IT_ALLOW_NONE): the
 * client of the provider suites (discovery, oauth, batch). */
dc_client *it_client(bool allow);
/* it_client_dns(DC_TEST_DNS, 5000): Knot only, no HTTPS. */
dc_client *it_knot(void);

/* ---- the HTTPS servers' request log (DC_TEST_HTTPS_LOG, one JSON object
 * a line, see tests/integration/httpsd.py) */

/* Number of lines (requests) in the log. */
size_t it_log_lines(void);
/* Line `idx` without its newline (0 the first; negative from the end, -1
 * the last), malloc'ed (free()); NULL if the log has no such line. */
char *it_log_line(long idx);
/* The last line (static buffer of 8 KiB, truncated; "" if the log is empty). */
const char *it_log_last_line(void);
/* Line `idx` (as it_log_line) parsed as JSON (json_decref it); fails the
 * test if there is no such line or it is not JSON. */
json_t *it_log_json(long idx);

/* ---- time */

/* CLOCK_MONOTONIC in milliseconds. */
double it_now_ms(void);

/* ---- memory of the process under test
 *
 * Not getrusage(RUSAGE_SELF).ru_maxrss: Linux carries that over from the
 * parent across fork and execve (the forked image's peak is kept in the
 * signal struct), so a suite started by the Python harness reports at least
 * the harness's peak RSS, a floor under every reading that hides growth
 * (measured here: a child of a Python process that had touched 200 MiB and
 * freed it reads ru_maxrss 218676 KiB, VmHWM 1252 KiB). VmHWM of
 * /proc/self/status belongs to this process image only, and writing "5" to
 * /proc/self/clear_refs (Linux 4.0+) resets it to the current RSS, so a
 * phase's peak is not hidden by an earlier, larger one either. Where that
 * reset is refused, the meter samples VmRSS instead (it_peak_sample). */
typedef struct it_peak {
  bool hwm;     /* VmHWM was reset: it is the peak since it_peak_reset */
  long max_kib; /* largest VmRSS sample (the fallback) */
} it_peak;

/* A /proc/self/status field in KiB ("VmHWM", "VmRSS"); -1 if unreadable. */
long it_status_kib(const char *field);
/* Starts a measurement: the peak is reset to the current RSS
 * (DC_TEST_NO_CLEAR_REFS=1 in the environment forces the fallback). */
void it_peak_reset(it_peak *p);
/* Fallback mode only: records VmRSS now (call it often during a phase). */
void it_peak_sample(it_peak *p);
/* Peak RSS in KiB since it_peak_reset. */
long it_peak_kib(it_peak *p);
/* How the peak is measured, for messages. */
const char *it_peak_method(const it_peak *p);
/* The memory check: true if the peak grew by at most limit_kib. */
bool it_peak_growth_below(long before_kib, long after_kib, long limit_kib);
/* Fails the test, with the figures, unless it_peak_growth_below. */
void assert_peak_growth_below(long before_kib, long after_kib, long limit_kib);

#endif
