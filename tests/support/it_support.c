/* Shared helpers of the integration cmocka suites: see it_support.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "it_support.h"

#include "domainconnect/net.h"

/* ---- environment */

const char *it_env(const char *name)
{
  const char *v = getenv(name);
  if (v == NULL || v[0] == '\0') fail_msg("%s is not set: run under harness.py", name);
  return v;
}

/* ---- clients */

dc_client *it_client_dns(const char *dns, long timeout_ms)
{
  dc_client *c = NULL;
  assert_status(dc_client_new(&c), DC_OK);
  if (dns) assert_status(dc_client_add_dns_server(c, dns), DC_OK);
  if (timeout_ms > 0) assert_status(dc_client_set_timeout_ms(c, DC_TIMEOUT_DNS, timeout_ms), DC_OK);
  return c;
}

dc_client *it_client_tls(const char *dns, it_allow allow)
{
  dc_client *c = it_client_dns(dns, 0);
  assert_status(dc_client_set_ca_file(c, it_env("DC_TEST_CA")), DC_OK);
  if (allow != IT_ALLOW_NONE)
    assert_status(dc_client_test_only_allow_address(c, "127.0.0.2"), DC_OK);
  if (allow == IT_ALLOW_BOTH)
    assert_status(dc_client_test_only_allow_address(c, "127.0.0.3"), DC_OK);
  return c;
}

dc_client *it_client(bool allow)
{
  return it_client_tls(it_env("DC_TEST_DNS"), allow ? IT_ALLOW_BOTH : IT_ALLOW_NONE);
}

dc_client *it_knot(void)
{
  return it_client_dns(it_env("DC_TEST_DNS"), 5000);
}

/* ---- request log */

size_t it_log_lines(void)
{
  size_t len = 0, n = 0;
  char *log = tu_read_file(it_env("DC_TEST_HTTPS_LOG"), &len);
  for (size_t i = 0; i < len; i++)
    if (log[i] == '\n') n++;
  free(log);
  return n;
}

char *it_log_line(long idx)
{
  size_t len = 0;
  char *log = tu_read_file(it_env("DC_TEST_HTTPS_LOG"), &len);
  size_t start, end;
  if (idx >= 0) {
    start = 0;
    for (long i = 0; i < idx && start < len; i++) {
      char *nl = memchr(log + start, '\n', len - start);
      start = nl ? (size_t)(nl - log) + 1 : len;
    }
    if (start >= len) {
      free(log);
      return NULL;
    }
    char *nl = memchr(log + start, '\n', len - start);
    end = nl ? (size_t)(nl - log) : len;
  } else {
    /* trailing newlines end the last line, they do not start another */
    end = len;
    while (end > 0 && log[end - 1] == '\n') end--;
    if (end == 0) {
      free(log);
      return NULL;
    }
    for (long i = -1;; i--) {
      start = end;
      while (start > 0 && log[start - 1] != '\n') start--;
      if (i == idx) break;
      if (start == 0) {
        free(log);
        return NULL;
      }
      end = start - 1; /* the newline before this line */
    }
  }
  char *line = malloc(end - start + 1);
  if (line == NULL) fail_msg("out of memory");
  memcpy(line, log + start, end - start);
  line[end - start] = '\0';
  free(log);
  return line;
}

const char *it_log_last_line(void)
{
  static char line[8192];
  char *l = it_log_line(-1);
  snprintf(line, sizeof line, "%s", l ? l : "");
  free(l);
  return line;
}

json_t *it_log_json(long idx)
{
  char *line = it_log_line(idx);
  if (line == NULL) fail_msg("request log has no line %ld", idx);
  json_error_t err;
  json_t *j = json_loads(line, 0, &err);
  free(line);
  if (j == NULL) fail_msg("log line %ld is not JSON: %s", idx, err.text);
  return j;
}

/* ---- time */

double it_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- memory */

/* VmHWM and VmRSS from one read of /proc/self/status (-1 if missing). */
static void status_pair(long *hwm, long *rss)
{
  char l[256];
  *hwm = *rss = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return;
  while (fgets(l, sizeof l, f)) {
    if (strncmp(l, "VmHWM:", 6) == 0) *hwm = atol(l + 6);
    else if (strncmp(l, "VmRSS:", 6) == 0) *rss = atol(l + 6);
  }
  fclose(f);
}

long it_status_kib(const char *field)
{
  char l[256];
  size_t n = strlen(field);
  long kib = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  while (fgets(l, sizeof l, f))
    if (strncmp(l, field, n) == 0 && l[n] == ':') kib = atol(l + n + 1);
  fclose(f);
  return kib;
}

void it_peak_reset(it_peak *p)
{
  p->hwm = false;
  p->max_kib = -1;
  /* DC_TEST_NO_CLEAR_REFS=1 takes the fallback, to test it here */
  const char *no = getenv("DC_TEST_NO_CLEAR_REFS");
  FILE *f = no != NULL && no[0] == '1' ? NULL : fopen("/proc/self/clear_refs", "w");
  bool wrote = false;
  if (f != NULL) {
    wrote = fputs("5", f) >= 0;
    wrote = fclose(f) == 0 && wrote; /* the kernel's verdict comes with the flush */
  }
  long hwm, rss;
  status_pair(&hwm, &rss);
  /* Reset, the peak equals the current RSS (the kernel reports
   * max(peak, current)); a little slack for pages touched in between. */
  p->hwm = wrote && hwm >= 0 && rss >= 0 && hwm <= rss + 256;
  if (!p->hwm) it_peak_sample(p);
}

void it_peak_sample(it_peak *p)
{
  if (p->hwm) return;
  long rss = it_status_kib("VmRSS");
  if (rss > p->max_kib) p->max_kib = rss;
}

long it_peak_kib(it_peak *p)
{
  if (p->hwm) return it_status_kib("VmHWM");
  it_peak_sample(p);
  return p->max_kib;
}

const char *it_peak_method(const it_peak *p)
{
  return p->hwm ? "VmHWM, reset by /proc/self/clear_refs" : "largest VmRSS sample";
}

bool it_peak_growth_below(long before_kib, long after_kib, long limit_kib)
{
  return before_kib >= 0 && after_kib >= 0 && after_kib - before_kib <= limit_kib;
}

void assert_peak_growth_below(long before_kib, long after_kib, long limit_kib)
{
  if (before_kib < 0 || after_kib < 0)
    fail_msg("peak RSS unreadable (%ld, %ld KiB)", before_kib, after_kib);
  if (!it_peak_growth_below(before_kib, after_kib, limit_kib))
    fail_msg("peak RSS grew by %ld KiB (%ld -> %ld KiB), limit %ld KiB",
             after_kib - before_kib, before_kib, after_kib, limit_kib);
}
