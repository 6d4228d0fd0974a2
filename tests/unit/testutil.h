/* Shared helpers for the cmocka suites. */
#ifndef DC_TESTUTIL_H
#define DC_TESTUTIL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domainconnect/dc.h"

/* Reads a whole file into a NUL-terminated buffer (free()); fails the test
 * if it cannot. *len may be NULL. */
char *tu_read_file(const char *path, size_t *len);
/* Path under tests/data: static buffer. */
const char *tu_data(const char *rel);
/* A new client; fails the test if it cannot be made. */
dc_client *tu_client(void);

/* Table-driven tests: calls check(c, &rows[i]) for every row of the array
 * `rows` (its length known to sizeof) with one client c (tu_client), and
 * prints "row: NAME" (the row's `name` member) before each, so a failing
 * assertion is read next to the row it came from. */
#define TU_TABLE(rows, check)                                                  \
  do {                                                                         \
    dc_client *tu_c_ = tu_client();                                            \
    for (size_t tu_i_ = 0; tu_i_ < sizeof(rows) / sizeof((rows)[0]); tu_i_++) { \
      print_message("row: %s\n", (rows)[tu_i_].name);                          \
      check(tu_c_, &(rows)[tu_i_]);                                            \
    }                                                                          \
    dc_client_free(tu_c_);                                                     \
  } while (0)

/* Asserts that cf holds the records of the specification's 409 example
 * (code "409", message "Conflicting records", CNAME www @, A @ random ip),
 * which the unit suite parses and the test provider answers. */
void tu_expect_spec_conflicts(const dc_conflicts *cf);

/* What a settings document should hold: each field that is not NULL (not
 * 0 for width) is checked. */
struct tu_settings_want {
  const char *zone, *host, *provider_id, *provider_name, *display_name;
  const char *sync_ux, *async_ux, *api, *control_panel;
  long width;
};
void tu_expect_settings(const dc_settings *s, const struct tu_settings_want *w);

/* ---- the URL suites (test_sync_url, test_consent) */

/* A settings document with urlSyncUX, urlAsyncUX and urlAPI (IONOS's), and
 * one without urlAsyncUX and one without urlSyncUX. */
extern const char tu_ionos_settings[];
extern const char tu_ionos_settings_noasync[];
extern const char tu_ionos_settings_nosync[];
/* dc_settings_parse (no zone); fails the test if it does not parse. */
dc_settings *tu_settings(dc_client *c, const char *json);

/* Bad request input: which setter a row feeds, the value, and the status a
 * URL builder gives for it. */
enum tu_field {
  TU_DOMAIN, TU_HOST, TU_ADD_HOST, TU_PROVIDER, TU_SERVICE, TU_ADD_SERVICE, TU_REDIRECT,
  TU_STATE, TU_GROUP, TU_INSTANCE, TU_CLIENT, TU_PNAME, TU_SNAME, TU_VAR_NAME, TU_VAR_VALUE,
};
/* Which URL builders refuse a row: dc_sync_apply_url, dc_consent_url. */
enum { TU_SYNC = 1, TU_CONSENT = 2, TU_BOTH = 3 };
struct tu_bad_row {
  enum tu_field f;
  const char *value;
  dc_status want;
  unsigned in;  /* TU_SYNC, TU_CONSENT or TU_BOTH */
};
/* One row per rule: each reserved name (docs/security.md §4.5) as a
 * variable, variable names and values we do not send, display names, ids,
 * the domain and hosts, redirect_uri, state and client_id. tu_bad_n rows. */
extern const struct tu_bad_row tu_bad[];
extern const size_t tu_bad_n;
/* Feeds row b to its setter of r, which must accept it (the URL builder
 * judges). */
void tu_apply_bad(dc_request *r, const struct tu_bad_row *b);
/* check(fixture, row) for every row of tu_bad for the builder `in`. */
void tu_each_bad(void *fixture, unsigned in,
                 void (*check)(void *fixture, const struct tu_bad_row *b));
/* A request for example.com, provider exampleservice.domainconnect.org,
 * service template1 (the URL suites add the rest). */
dc_request *tu_request(void);
/* Adds n template variables v0, v1, ... (value "x") to r. */
void tu_add_vars(dc_request *r, int n);
/* Checks what a URL builder gave for row b: status b->want, no URL, a
 * detail on c that names a reserved variable and never carries a state. */
void tu_expect_refused(dc_client *c, const struct tu_bad_row *b, dc_status st,
                       const char *url);

/* Asserts that `text` contains each string of the NULL-terminated `parts`,
 * naming the first one it lacks. TU_PARTS("a", "b") writes such a list. */
void tu_expect_has(const char *text, const char *const *parts);
#define TU_PARTS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Asserts a status equals the expected one, printing both names. */
#define assert_status(got, want)                                               \
  do {                                                                         \
    dc_status g_ = (got), w_ = (want);                                         \
    if (g_ != w_) fail_msg("status %s, expected %s", dc_status_name(g_),       \
                           dc_status_name(w_));                                \
  } while (0)
#endif
