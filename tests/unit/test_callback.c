/* dc_callback_parse: the OAuth callback query (docs/protocol.md §3.2, §2.5;
 * docs/security.md §6.2), and dc_sync_return_parse: the synchronous flow's
 * return (§2.5). Table-driven: every row names the exact status. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "testutil.h"

#define STATE "s3cr3t-State_123"
#define CODE "SplxlOBeZQQYbYS6WxSbIA"

struct row {
  const char *name;
  const char *query;
  const char *expected_state;
  dc_status want;
  /* checked when *out is expected (DC_OK and the three error outcomes);
   * NULL means the getter must return NULL */
  const char *code;
  const char *state;
  const char *error;
  const char *desc;
};

static const struct row k_rows[] = {
  /* success */
  {"code+state", "code=" CODE "&state=" STATE, STATE, DC_OK, CODE, STATE, NULL, NULL},
  {"state first", "state=" STATE "&code=" CODE, STATE, DC_OK, CODE, STATE, NULL, NULL},
  {"leading ?", "?code=" CODE "&state=" STATE, STATE, DC_OK, CODE, STATE, NULL, NULL},
  {"percent-encoded values", "code=a%2Fb%3Dc%20d&state=x%2By", "x+y", DC_OK,
   "a/b=c d", "x+y", NULL, NULL},
  {"plus is space", "code=a+b&state=st+ate", "st ate", DC_OK, "a b", "st ate", NULL, NULL},
  {"lower-case hex", "code=%7e%2f&state=" STATE, STATE, DC_OK, "~/", STATE, NULL, NULL},
  {"unknown params ignored", "foo=bar&code=" CODE "&x&state=" STATE "&Code=zz&=q",
   STATE, DC_OK, CODE, STATE, NULL, NULL},
  {"empty pairs ignored", "&&code=" CODE "&&state=" STATE "&", STATE, DC_OK, CODE,
   STATE, NULL, NULL},
  {"no expected state, none sent", "code=" CODE, NULL, DC_OK, CODE, NULL, NULL, NULL},
  {"no expected state, one sent (accepted)", "code=" CODE "&state=zzz", NULL, DC_OK,
   CODE, "zzz", NULL, NULL},
  {"description ignored on success", "code=" CODE "&state=" STATE "&error_description=x",
   STATE, DC_OK, CODE, STATE, NULL, NULL},
  {"value with '=' inside", "code=ab=cd&state=" STATE, STATE, DC_OK, "ab=cd", STATE,
   NULL, NULL},

  /* provider outcomes: *out is set */
  {"user cancel", "error=access_denied&error_description=user_cancel&state=" STATE,
   STATE, DC_E_USER_CANCEL, NULL, STATE, "access_denied", "user_cancel"},
  {"user cancel with suffix",
   "error=access_denied&error_description=user_cancel%3A+closed+the+window&state=" STATE,
   STATE, DC_E_USER_CANCEL, NULL, STATE, "access_denied", "user_cancel: closed the window"},
  {"access denied, no description", "error=access_denied&state=" STATE, STATE,
   DC_E_ACCESS_DENIED, NULL, STATE, "access_denied", NULL},
  {"access denied, other description",
   "error=access_denied&error_description=not+your+domain&state=" STATE, STATE,
   DC_E_ACCESS_DENIED, NULL, STATE, "access_denied", "not your domain"},
  {"user_cancel not at start",
   "error=access_denied&error_description=the+user_cancel&state=" STATE, STATE,
   DC_E_ACCESS_DENIED, NULL, STATE, "access_denied", "the user_cancel"},
  {"user_cancel needs access_denied",
   "error=server_error&error_description=user_cancel&state=" STATE, STATE,
   DC_E_PROVIDER_ERROR, NULL, STATE, "server_error", "user_cancel"},
  {"access_denied is case-sensitive", "error=Access_Denied&state=" STATE, STATE,
   DC_E_PROVIDER_ERROR, NULL, STATE, "Access_Denied", NULL},
  {"invalid_request", "error=invalid_request&error_description=bad+host&state=" STATE,
   STATE, DC_E_PROVIDER_ERROR, NULL, STATE, "invalid_request", "bad host"},
  {"temporarily_unavailable", "state=" STATE "&error=temporarily_unavailable", STATE,
   DC_E_PROVIDER_ERROR, NULL, STATE, "temporarily_unavailable", NULL},
  {"description CR LF and non-ASCII sanitised",
   "error=invalid_request&error_description=a%0D%0AInjected%3A+x%C3%A9%7F&state=" STATE,
   STATE, DC_E_PROVIDER_ERROR, NULL, STATE, "invalid_request", "a??Injected: x???"},

  /* malformed: DC_E_CALLBACK */
  {"duplicate code", "code=a&code=a&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"duplicate state", "code=a&state=" STATE "&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"duplicate state, no expected", "code=a&state=x&state=y", NULL, DC_E_CALLBACK, 0, 0, 0, 0},
  {"duplicate error", "error=access_denied&error=server_error&state=" STATE, STATE,
   DC_E_CALLBACK, 0, 0, 0, 0},
  {"duplicate description",
   "error=access_denied&error_description=a&error_description=b&state=" STATE, STATE,
   DC_E_CALLBACK, 0, 0, 0, 0},
  {"neither code nor error", "state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"empty query, no expected state", "", NULL, DC_E_CALLBACK, 0, 0, 0, 0},
  {"only a description", "error_description=x&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"code and error", "code=a&error=access_denied&state=" STATE, STATE, DC_E_CALLBACK,
   0, 0, 0, 0},
  {"empty code", "code=&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"code without '='", "code&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"code with control byte", "code=a%01b&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"code with non-ASCII", "code=a%C3%A9&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"bad escape %4", "code=ab%4&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"bad escape %zz", "code=%zz&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"encoded NUL %00", "code=a%00b&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"bad escape in state", "code=a&state=%G1", "x", DC_E_CALLBACK, 0, 0, 0, 0},
  {"bad escape in description",
   "error=access_denied&error_description=%&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"empty error", "error=&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"error with quote", "error=bad%22code&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"error with backslash", "error=bad%5Ccode&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"error with LF", "error=bad%0Acode&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},

  /* state */
  {"state mismatch", "code=a&state=other", STATE, DC_E_STATE_MISMATCH, 0, 0, 0, 0},
  {"missing state", "code=" CODE, STATE, DC_E_STATE_MISMATCH, 0, 0, 0, 0},
  {"state differs in last byte", "code=a&state=s3cr3t-State_124", STATE,
   DC_E_STATE_MISMATCH, 0, 0, 0, 0},
  {"state one byte shorter", "code=a&state=s3cr3t-State_12", STATE, DC_E_STATE_MISMATCH,
   0, 0, 0, 0},
  {"state one byte longer", "code=a&state=" STATE "4", STATE, DC_E_STATE_MISMATCH, 0, 0, 0, 0},
  {"state name is case-sensitive", "code=a&State=" STATE, STATE, DC_E_STATE_MISMATCH,
   0, 0, 0, 0},
  {"state checked before the error outcome", "error=access_denied&state=evil", STATE,
   DC_E_STATE_MISMATCH, 0, 0, 0, 0},
  {"state checked before duplicates", "code=a&code=b&state=evil", STATE,
   DC_E_STATE_MISMATCH, 0, 0, 0, 0},
  {"state checked before bad escapes", "code=%zz&state=evil", STATE,
   DC_E_STATE_MISMATCH, 0, 0, 0, 0},
  {"empty query, expected state", "", STATE, DC_E_STATE_MISMATCH, 0, 0, 0, 0},
};

static void check_getter(const char *what, const char *got, const char *want)
{
  if (want == NULL) {
    if (got != NULL) fail_msg("%s: expected NULL, got \"%s\"", what, got);
  } else {
    if (got == NULL) fail_msg("%s: expected \"%s\", got NULL", what, want);
    if (strcmp(got, want) != 0) fail_msg("%s: expected \"%s\", got \"%s\"", what, want, got);
  }
}

static bool sets_out(dc_status st)
{
  return st == DC_OK || st == DC_E_USER_CANCEL || st == DC_E_ACCESS_DENIED ||
         st == DC_E_PROVIDER_ERROR;
}

/* dc_callback_parse or dc_sync_return_parse: the two share a signature */
typedef dc_status (*parse_fn)(dc_client *c, const char *query, size_t len,
                              const char *expected_state, dc_callback **out);

/* Row r through parse: the exact status, a detail exactly on failure, *out
 * set exactly for DC_OK and the three provider outcomes, with each getter
 * as the row says. */
static void check_parsed(dc_client *c, const struct row *r, parse_fn parse)
{
  dc_callback *cb = (dc_callback *)1;
  dc_status st = parse(c, r->query, strlen(r->query), r->expected_state, &cb);
  assert_status(st, r->want);
  if (st != DC_OK) assert_true(dc_client_error(c)[0] != '\0');
  else assert_string_equal(dc_client_error(c), "");
  if (!sets_out(r->want)) {
    assert_null(cb);
    return;
  }
  assert_non_null(cb);
  check_getter("code", dc_callback_code(cb), r->code);
  check_getter("state", dc_callback_state(cb), r->state);
  check_getter("error", dc_callback_error(cb), r->error);
  check_getter("error_description", dc_callback_error_description(cb), r->desc);
  dc_callback_free(cb);
}

static void check_row(dc_client *c, const struct row *r)
{
  check_parsed(c, r, dc_callback_parse);
}

static void test_table(void **state)
{
  (void)state;
  TU_TABLE(k_rows, check_row);
}

/* The detail must never carry the code (or state) value, whatever the
 * outcome. */
static void test_detail_never_has_code(void **state)
{
  (void)state;
  static const char *const queries[] = {
    "code=" CODE "&code=" CODE "&state=" STATE,
    "code=" CODE "&error=access_denied&state=" STATE,
    "code=" CODE "%01&state=" STATE,
    "code=" CODE "%zz&state=" STATE,
    "code=" CODE "&state=wrong",
    ("code=" CODE),
  };
  dc_client *c = tu_client();
  for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
    dc_callback *cb = NULL;
    dc_status st = dc_callback_parse(c, queries[i], strlen(queries[i]), STATE, &cb);
    assert_true(st != DC_OK);
    assert_null(cb);
    const char *d = dc_client_error(c);
    assert_true(d[0] != '\0');
    assert_null(strstr(d, CODE));
    assert_null(strstr(d, STATE));
  }
  dc_client_free(c);
}

/* Provider errors: the detail carries the sanitised error and description. */
static void test_provider_error_detail(void **state)
{
  (void)state;
  const char *q = "error=invalid_scope&error_description=bad%0Ascope&state=" STATE;
  dc_client *c = tu_client();
  dc_callback *cb = NULL;
  assert_status(dc_callback_parse(c, q, strlen(q), STATE, &cb), DC_E_PROVIDER_ERROR);
  assert_non_null(cb);
  assert_non_null(strstr(dc_client_error(c), "invalid_scope"));
  assert_non_null(strstr(dc_client_error(c), "bad?scope"));
  assert_null(strchr(dc_client_error(c), '\n'));
  dc_callback_free(cb);
  dc_client_free(c);
}

/* A long description is cut to 256 bytes including the "..." marker. */
static void test_description_truncated(void **state)
{
  (void)state;
  char q[2048];
  size_t n = (size_t)snprintf(q, sizeof q, "state=%s&error=server_error&error_description=",
                              STATE);
  memset(q + n, 'x', 1000);
  q[n + 1000] = '\0';
  dc_callback *cb = NULL;
  assert_status(dc_callback_parse(NULL, q, strlen(q), STATE, &cb), DC_E_PROVIDER_ERROR);
  const char *d = dc_callback_error_description(cb);
  assert_int_equal(strlen(d), 256);
  assert_string_equal(d + 253, "...");
  dc_callback_free(cb);

  /* exactly 256 is kept whole */
  q[n + 256] = '\0';
  assert_status(dc_callback_parse(NULL, q, strlen(q), STATE, &cb), DC_E_PROVIDER_ERROR);
  d = dc_callback_error_description(cb);
  assert_int_equal(strlen(d), 256);
  assert_int_equal(d[255], 'x');
  dc_callback_free(cb);
}

static void test_limits(void **state)
{
  (void)state;
  size_t big = DC_MAX_CALLBACK_QUERY + 1;
  char *q = malloc(big + 2);
  assert_non_null(q);
  /* a well-formed query one byte too long */
  memset(q, 'a', big);
  memcpy(q, "state=" STATE "&code=", strlen("state=" STATE "&code="));
  q[big] = '\0';
  dc_client *c = tu_client();
  dc_callback *cb = (dc_callback *)1;
  assert_status(dc_callback_parse(c, q, big, STATE, &cb), DC_E_LIMIT);
  assert_null(cb);
  /* at the limit: parses, but the code is longer than DC_MAX_TOKEN_LEN */
  assert_status(dc_callback_parse(c, q, big - 1, STATE, &cb), DC_E_CALLBACK);
  assert_null(cb);
  /* a leading '?' is not counted */
  q[0] = '?';
  memset(q + 1, 'a', big - 1);
  memcpy(q + 1, "state=" STATE "&code=", strlen("state=" STATE "&code="));
  assert_status(dc_callback_parse(c, q, big, STATE, &cb), DC_E_CALLBACK);
  assert_null(cb);

  /* code of exactly DC_MAX_TOKEN_LEN is fine, one more is not */
  size_t pre = (size_t)snprintf(q, big, "state=%s&code=", STATE);
  memset(q + pre, 'k', DC_MAX_TOKEN_LEN + 1);
  q[pre + DC_MAX_TOKEN_LEN] = '\0';
  assert_status(dc_callback_parse(c, q, strlen(q), STATE, &cb), DC_OK);
  assert_int_equal(strlen(dc_callback_code(cb)), DC_MAX_TOKEN_LEN);
  dc_callback_free(cb);
  q[pre + DC_MAX_TOKEN_LEN] = 'k';
  q[pre + DC_MAX_TOKEN_LEN + 1] = '\0';
  assert_status(dc_callback_parse(c, q, strlen(q), STATE, &cb), DC_E_CALLBACK);
  assert_null(cb);
  free(q);
  dc_client_free(c);
}

static void test_embedded_nul_and_len(void **state)
{
  (void)state;
  dc_callback *cb = (dc_callback *)1;
  /* the length is honoured: bytes after len are not read */
  const char q[] = "code=abc&state=" STATE "&code=zzz";
  size_t len = strlen("code=abc&state=" STATE);
  assert_status(dc_callback_parse(NULL, q, len, STATE, &cb), DC_OK);
  assert_string_equal(dc_callback_code(cb), "abc");
  dc_callback_free(cb);
  /* a raw NUL inside the query */
  const char qn[] = "code=abc&x=\0y&state=" STATE;
  assert_status(dc_callback_parse(NULL, qn, sizeof qn - 1, STATE, &cb), DC_E_CALLBACK);
  assert_null(cb);
  /* a raw NUL in the state value: no state to compare, malformed */
  const char qs[] = "code=abc&state=" STATE "\0";
  assert_status(dc_callback_parse(NULL, qs, sizeof qs - 1, STATE, &cb), DC_E_CALLBACK);
  assert_null(cb);
}

static void test_args(void **state)
{
  (void)state;
  dc_callback *cb = (dc_callback *)1;
  assert_status(dc_callback_parse(NULL, NULL, 0, NULL, &cb), DC_E_INVALID_ARG);
  assert_null(cb);
  assert_status(dc_callback_parse(NULL, "code=a", 6, NULL, NULL), DC_E_INVALID_ARG);
  dc_callback_free(NULL);
  assert_null(dc_callback_code(NULL));
  assert_null(dc_callback_state(NULL));
  assert_null(dc_callback_error(NULL));
  assert_null(dc_callback_error_description(NULL));
}

/* A handle's old detail is cleared by a successful call. */
static void test_detail_cleared(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  dc_callback *cb = NULL;
  assert_status(dc_callback_parse(c, "x=1", 3, NULL, &cb), DC_E_CALLBACK);
  assert_true(dc_client_error(c)[0] != '\0');
  assert_status(dc_callback_parse(c, "code=1", 6, NULL, &cb), DC_OK);
  assert_string_equal(dc_client_error(c), "");
  dc_callback_free(cb);
  dc_client_free(c);
}

/* ---- dc_sync_return_parse: the synchronous flow's return */

static const struct row k_sync_rows[] = {
  /* success: state only (or nothing when the request carried none) */
  {"sync success", "state=" STATE, STATE, DC_OK, NULL, STATE, NULL, NULL},
  {"sync success, leading ?", "?state=" STATE, STATE, DC_OK, NULL, STATE, NULL, NULL},
  {"sync success behind the redirect_uri's own query",
   "step=done&x=1&state=" STATE, STATE, DC_OK, NULL, STATE, NULL, NULL},
  {"sync success, no state expected or sent", "", NULL, DC_OK, NULL, NULL, NULL, NULL},
  {"sync success, state encoded", "state=x%2By+z", "x+y z", DC_OK, NULL, "x+y z", NULL, NULL},
  {"sync code is ignored (not ours to read)", "code=zz&code=yy&state=" STATE, STATE, DC_OK,
   NULL, STATE, NULL, NULL},
  {"sync description without error ignored", "error_description=x&state=" STATE, STATE,
   DC_OK, NULL, STATE, NULL, NULL},
  /* the provider's error outcomes (docs/protocol.md §2.5) */
  {"sync user cancel", "state=" STATE "&error=access_denied&error_description=user_cancel",
   STATE, DC_E_USER_CANCEL, NULL, STATE, "access_denied", "user_cancel"},
  {"sync user cancel with text",
   "error=access_denied&error_description=user_cancel%3A+pressed+cancel&state=" STATE,
   STATE, DC_E_USER_CANCEL, NULL, STATE, "access_denied", "user_cancel: pressed cancel"},
  {"sync access denied", "error=access_denied&error_description=not+your+zone&state=" STATE,
   STATE, DC_E_ACCESS_DENIED, NULL, STATE, "access_denied", "not your zone"},
  {"sync provider error", "error=invalid_request&state=" STATE, STATE, DC_E_PROVIDER_ERROR,
   NULL, STATE, "invalid_request", NULL},
  {"sync server_error with code", "code=x&error=server_error&state=" STATE, STATE,
   DC_E_PROVIDER_ERROR, NULL, STATE, "server_error", NULL},
  /* state mismatch, before anything else */
  {"sync state mismatch", "state=other", STATE, DC_E_STATE_MISMATCH, 0, 0, 0, 0},
  {"sync state missing", "", STATE, DC_E_STATE_MISMATCH, 0, 0, 0, 0},
  {"sync state missing, error sent", "error=access_denied&error_description=user_cancel",
   STATE, DC_E_STATE_MISMATCH, 0, 0, 0, 0},
  {"sync state one byte longer", "state=" STATE "x", STATE, DC_E_STATE_MISMATCH, 0, 0, 0, 0},
  {"sync state checked before a bad error", "error=%zz&state=evil", STATE,
   DC_E_STATE_MISMATCH, 0, 0, 0, 0},
  /* malformed */
  {"sync duplicate state", "state=" STATE "&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"sync duplicate error", "error=a&error=b&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"sync empty error", "error=&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"sync error with quote", "error=a%22b&state=" STATE, STATE, DC_E_CALLBACK, 0, 0, 0, 0},
  {"sync bad escape in description", "error=x&error_description=%4&state=" STATE, STATE,
   DC_E_CALLBACK, 0, 0, 0, 0},
};

/* every row's code is NULL: the synchronous return never has one */
static void check_sync_row(dc_client *c, const struct row *r)
{
  check_parsed(c, r, dc_sync_return_parse);
}

static void test_sync_table(void **state)
{
  (void)state;
  TU_TABLE(k_sync_rows, check_sync_row);
}

static void test_sync_limits_and_args(void **state)
{
  (void)state;
  dc_callback *cb = (dc_callback *)1;
  assert_status(dc_sync_return_parse(NULL, NULL, 0, NULL, &cb), DC_E_INVALID_ARG);
  assert_null(cb);
  assert_status(dc_sync_return_parse(NULL, "state=a", 7, NULL, NULL), DC_E_INVALID_ARG);
  /* the cap of the callback query */
  size_t big = DC_MAX_CALLBACK_QUERY + 1;
  char *q = malloc(big + 1);
  assert_non_null(q);
  memset(q, 'a', big);
  memcpy(q, "state=" STATE "&x=", strlen("state=" STATE "&x="));
  q[big] = '\0';
  cb = (dc_callback *)1;
  assert_status(dc_sync_return_parse(NULL, q, big, STATE, &cb), DC_E_LIMIT);
  assert_null(cb);
  assert_status(dc_sync_return_parse(NULL, q, big - 1, STATE, &cb), DC_OK);
  dc_callback_free(cb);
  free(q);
  /* a raw NUL and the length honoured */
  const char qn[] = "state=" STATE "&x=\0";
  assert_status(dc_sync_return_parse(NULL, qn, sizeof qn - 1, STATE, &cb), DC_E_CALLBACK);
  assert_null(cb);
  const char ql[] = "state=" STATE "&state=zz";
  assert_status(dc_sync_return_parse(NULL, ql, strlen("state=" STATE), STATE, &cb), DC_OK);
  dc_callback_free(cb);
  /* the detail never quotes the state */
  dc_client *c = tu_client();
  assert_status(dc_sync_return_parse(c, "state=" STATE, strlen("state=" STATE), "other", &cb),
                DC_E_STATE_MISMATCH);
  assert_null(strstr(dc_client_error(c), STATE));
  /* the OAuth callback still insists on a code: the two differ only there */
  assert_status(dc_callback_parse(c, "state=" STATE, strlen("state=" STATE), STATE, &cb),
                DC_E_CALLBACK);
  dc_client_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_table),
    cmocka_unit_test(test_detail_never_has_code),
    cmocka_unit_test(test_provider_error_detail),
    cmocka_unit_test(test_description_truncated),
    cmocka_unit_test(test_limits),
    cmocka_unit_test(test_embedded_nul_and_len),
    cmocka_unit_test(test_args),
    cmocka_unit_test(test_detail_cleared),
    cmocka_unit_test(test_sync_table),
    cmocka_unit_test(test_sync_limits_and_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
