/* Client configuration of H3 (docs/security.md §2.9, §7.6; docs/limits.md):
 * dc_client_set_proxy's URL rules, dc_client_set_deadline_ms's range, the
 * capped PSL load that refuses what is not a regular file, and the atomic
 * writer that replaces only regular files. No network. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/internal.h"
#include "testutil.h"
#include "x/file.h"

struct proxy_row {
  const char *name;
  const char *url;
  dc_status want;
  const char *url_kept;   /* cfg->proxy_url after DC_OK (NULL: none) */
  const char *user, *pass;
  const char *detail;     /* substring of the detail on failure */
};

static const struct proxy_row k_proxy[] = {
  {"ipv4", "http://127.0.0.1:3128", DC_OK, "http://127.0.0.1:3128", NULL, NULL, NULL},
  {"scheme case, trailing slash", "HTTP://10.1.2.3:8080/", DC_OK, "http://10.1.2.3:8080", NULL, NULL, NULL},
  {"ipv6", "http://[::1]:3128", DC_OK, "http://[::1]:3128", NULL, NULL, NULL},
  {"userinfo", "http://al%40ice:p%3Ass@192.0.2.1:3128", DC_OK, "http://192.0.2.1:3128",
   "al@ice", "p:ss", NULL},
  {"user only", "http://bob@192.0.2.1:1", DC_OK, "http://192.0.2.1:1", "bob", NULL, NULL},
  {"empty clears", "", DC_OK, NULL, NULL, NULL, NULL},
  {"socks5", "socks5://127.0.0.1:1080", DC_E_INVALID_ARG, NULL, NULL, NULL, "only http://"},
  {"socks4", "socks4://127.0.0.1:1080", DC_E_INVALID_ARG, NULL, NULL, NULL, "only http://"},
  {"https", "https://127.0.0.1:3128", DC_E_INVALID_ARG, NULL, NULL, NULL, "only http://"},
  {"no scheme", "127.0.0.1:3128", DC_E_INVALID_ARG, NULL, NULL, NULL, "must start with http://"},
  {"host name", "http://proxy.example:3128", DC_E_INVALID_ARG, NULL, NULL, NULL, "IP address"},
  {"no port", "http://127.0.0.1", DC_E_INVALID_ARG, NULL, NULL, NULL, "no port"},
  {"port 0", "http://127.0.0.1:0", DC_E_INVALID_ARG, NULL, NULL, NULL, "IP address"},
  {"path", "http://127.0.0.1:3128/x", DC_E_INVALID_ARG, NULL, NULL, NULL, "path"},
  {"query", "http://127.0.0.1:3128?a", DC_E_INVALID_ARG, NULL, NULL, NULL, "path"},
  {"ipv6 unbracketed (all address)", "http://::1:3128", DC_E_INVALID_ARG, NULL, NULL, NULL,
   "no port"},
  {"password without user", "http://:pw@127.0.0.1:3128", DC_E_INVALID_ARG, NULL, NULL, NULL,
   "without a user"},
  {"control byte in password", "http://u:a%0Ab@127.0.0.1:3128", DC_E_INVALID_ARG, NULL, NULL,
   NULL, "control"},
  {"bad escape in password", "http://u:%zz@127.0.0.1:3128", DC_E_INVALID_ARG, NULL, NULL, NULL,
   "percent-encoding"},
};

static void check_proxy(dc_client *c, const struct proxy_row *r)
{
  assert_status(dc_client_set_proxy(c, "http://198.51.100.1:9"), DC_OK);
  dc_status st = dc_client_set_proxy(c, r->url);
  assert_status(st, r->want);
  const struct dci_config *cfg = c->cfg;
  if (st == DC_OK) {
    if (r->url_kept == NULL) {
      assert_null(cfg->proxy_url);
    } else {
      assert_non_null(cfg->proxy_url);
      assert_string_equal(cfg->proxy_url, r->url_kept);
    }
    if (r->user) assert_string_equal(cfg->proxy_user, r->user);
    else assert_null(cfg->proxy_user);
    if (r->pass) assert_string_equal(cfg->proxy_pass, r->pass);
    else assert_null(cfg->proxy_pass);
  } else {
    /* the previous proxy stays; the detail never quotes the URL */
    assert_string_equal(cfg->proxy_url, "http://198.51.100.1:9");
    assert_non_null(strstr(dc_client_error(c), r->detail));
    assert_null(strstr(dc_client_error(c), "127.0.0.1"));
    assert_null(strstr(dc_client_error(c), "a%0Ab"));
  }
}

static void test_proxy_url(void **state)
{
  (void)state;
  TU_TABLE(k_proxy, check_proxy);
  dc_client *c = tu_client();
  assert_status(dc_client_set_proxy(c, NULL), DC_OK);
  assert_null(c->cfg->proxy_url);
  assert_status(dc_client_set_proxy(NULL, "http://127.0.0.1:1"), DC_E_INVALID_ARG);
  /* a password never reaches the detail, even in a refused URL */
  assert_status(dc_client_set_proxy(c, "http://u:Sekr1t-pw@proxy.example:1"), DC_E_INVALID_ARG);
  assert_null(strstr(dc_client_error(c), "Sekr1t"));
  char longurl[DC_MAX_PROXY_URL + 40];
  memset(longurl, 'a', sizeof longurl - 1);
  longurl[sizeof longurl - 1] = '\0';
  memcpy(longurl, "http://", 7);
  assert_status(dc_client_set_proxy(c, longurl), DC_E_INVALID_ARG);
  assert_non_null(strstr(dc_client_error(c), "too long"));
  dc_client_free(c);
}

static void test_deadline_setter(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  assert_int_equal(dci_deadline_ms(c), DC_DEFAULT_DISCOVERY_DEADLINE_MS);
  assert_int_equal(DC_DEFAULT_DISCOVERY_DEADLINE_MS, 30000);
  assert_status(dc_client_set_deadline_ms(c, 0), DC_E_INVALID_ARG);
  assert_status(dc_client_set_deadline_ms(c, -5), DC_E_INVALID_ARG);
  assert_status(dc_client_set_deadline_ms(c, DC_MAX_TIMEOUT_MS + 1), DC_E_INVALID_ARG);
  assert_non_null(strstr(dc_client_error(c), "outside 1..600000"));
  assert_status(dc_client_set_deadline_ms(c, 1234), DC_OK);
  assert_int_equal(dci_deadline_ms(c), 1234);
  /* no deadline running: steps keep their own timeout */
  assert_true(dci_deadline_left_ms(c) == LONG_MAX);
  assert_int_equal(dci_deadline_cap(c, 3000), 3000);
  /* a running deadline cuts a step to the time left, never below 1 ms */
  dci_call_of(c)->deadline_us = dci_now_us() + 200000;
  long cap = dci_deadline_cap(c, 3000);
  assert_true(cap > 100 && cap <= 200);
  assert_int_equal(dci_deadline_cap(c, 50), 50);
  struct dci_config tmp;
  dc_client ctx;
  dc_client *d = dci_deadline_dns(c, &tmp, &ctx);
  assert_ptr_equal(d, &ctx);
  assert_true(d->cfg->timeout_dns_ms > 100 && d->cfg->timeout_dns_ms <= 200);
  assert_int_equal(c->cfg->timeout_dns_ms, DC_DEFAULT_DNS_TIMEOUT_MS); /* unchanged */
  dci_call_of(c)->deadline_us = dci_now_us() - 1000;
  assert_true(dci_deadline_left_ms(c) <= 0);
  assert_int_equal(dci_deadline_cap(c, 3000), 1);
  dci_call_of(c)->deadline_us = 0;
  assert_ptr_equal(dci_deadline_dns(c, &tmp, &ctx), c);
  dc_client_free(c);
}

/* --psl-file /dev/zero never returned: now refused at once. */
static void test_psl_not_regular_or_too_big(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_status(dc_client_set_psl_file(c, "/dev/zero"), DC_E_PSL_FILE);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  assert_true(t1.tv_sec - t0.tv_sec < 2);
  assert_non_null(strstr(dc_client_error(c), "not a regular file"));
  assert_status(dc_client_set_psl_file(c, "/"), DC_E_PSL_FILE);
  assert_non_null(strstr(dc_client_error(c), "not a regular file"));
  char dir[] = "/tmp/dc-netconf-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char fifo[64], big[64];
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  snprintf(big, sizeof big, "%s/big.dat", dir);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  /* a FIFO without a writer neither blocks nor loads */
  assert_status(dc_client_set_psl_file(c, fifo), DC_E_PSL_FILE);
  assert_non_null(strstr(dc_client_error(c), "not a regular file"));
  FILE *f = fopen(big, "w");
  assert_non_null(f);
  for (size_t i = 0; i <= DC_MAX_PSL_FILE / 16; i++) fputs("// padding line\n", f);
  fclose(f);
  assert_status(dc_client_set_psl_file(c, big), DC_E_PSL_FILE);
  assert_non_null(strstr(dc_client_error(c), "larger than"));
  /* the built-in list is still in use */
  char *zone = NULL, *host = NULL;
  assert_status(dc_zone_split(c, "www.example.co.uk", &zone, &host), DC_OK);
  assert_string_equal(zone, "example.co.uk");
  dc_free(zone);
  dc_free(host);
  unlink(fifo);
  unlink(big);
  rmdir(dir);
  dc_client_free(c);
}

/* --out: only a regular file is ever replaced (docs/security.md §7.6). */
static void test_atomic_write_regular_only(void **state)
{
  (void)state;
  char dir[] = "/tmp/dc-netconf-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char fifo[64], file[64], link[64], sub[64];
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  snprintf(file, sizeof file, "%s/file", dir);
  snprintf(link, sizeof link, "%s/link", dir);
  snprintf(sub, sizeof sub, "%s/sub", dir);
  assert_int_equal(mkfifo(fifo, 0640), 0);
  assert_int_equal(mkdir(sub, 0700), 0);
  assert_int_equal(dcx_write_file_atomic(file, "one", 3, 0600), DCX_WRITE_OK);
  assert_int_equal(symlink(file, link), 0);
  struct stat st;

  assert_int_equal(dcx_write_file_atomic(fifo, "x", 1, 0600), DCX_WRITE_NOT_REGULAR);
  assert_int_equal(errno, EPERM);
  assert_int_equal(lstat(fifo, &st), 0);
  assert_true(S_ISFIFO(st.st_mode));
  assert_int_equal(st.st_mode & 0777, 0640);

  assert_int_equal(dcx_write_file_atomic("/dev/null", "x", 1, 0600), DCX_WRITE_NOT_REGULAR);
  assert_int_equal(lstat("/dev/null", &st), 0);
  assert_true(S_ISCHR(st.st_mode));

  assert_int_equal(dcx_write_file_atomic(sub, "x", 1, 0600), DCX_WRITE_NOT_REGULAR);
  assert_int_equal(errno, EISDIR);

  /* a symbolic link is refused, the link and its target left alone */
  assert_int_equal(dcx_write_file_atomic(link, "two", 3, 0600), DCX_WRITE_NOT_REGULAR);
  assert_int_equal(lstat(link, &st), 0);
  assert_true(S_ISLNK(st.st_mode));
  char *got = dcx_read_file(file, 16, false, NULL, NULL);
  assert_string_equal(got, "one");
  free(got);
  assert_non_null(strstr(dcx_write_err_text(DCX_WRITE_NOT_REGULAR, EPERM), "not a regular file"));

  /* a regular file is replaced; nothing is left beside it */
  assert_int_equal(dcx_write_file_atomic(file, "three", 5, 0600), DCX_WRITE_OK);
  got = dcx_read_file(file, 16, false, NULL, NULL);
  assert_string_equal(got, "three");
  free(got);
  unlink(link);
  unlink(file);
  unlink(fifo);
  rmdir(sub);
  assert_int_equal(rmdir(dir), 0); /* empty: no temporary file left */
}

static void test_open_regular(void **state)
{
  (void)state;
  bool not_regular = false;
  assert_int_equal(dcx_open_regular("/dev/zero", &not_regular), -1);
  assert_true(not_regular);
  assert_int_equal(errno, EINVAL);
  assert_int_equal(dcx_open_regular("/nonexistent/x", &not_regular), -1);
  assert_false(not_regular);
  assert_int_equal(errno, ENOENT);
  int fd = dcx_open_regular(tu_data("templates/example.json"), &not_regular);
  if (fd < 0) fd = dcx_open_regular("/etc/hostname", &not_regular);
  assert_true(fd >= 0);
  assert_false(not_regular);
  assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
  close(fd);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_proxy_url),
    cmocka_unit_test(test_deadline_setter),
    cmocka_unit_test(test_psl_not_regular_or_too_big),
    cmocka_unit_test(test_atomic_write_regular_only),
    cmocka_unit_test(test_open_regular),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
