/* The one masking rule of src/core/mask.c (docs/security.md §7.3): exact
 * outputs for each part of the rule, and its out-of-memory path (masks
 * everything). The executable is linked with -Wl,--wrap=malloc,--wrap=calloc
 * (tests/CMakeLists.txt) so that a chosen allocation of the library fails. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/internal.h"
#include "core/mask.h"

/* ---- allocation failure on demand */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);

static unsigned long g_fail_at;  /* 0: none fails; else the n-th from arming */
static unsigned long g_count;    /* allocations since arming */

static bool fail_now(void)
{
  if (g_fail_at == 0) return false;
  return ++g_count == g_fail_at;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return fail_now() ? NULL : __real_calloc(n, m); }

static void arm(unsigned long fail_at)
{
  g_count = 0;
  g_fail_at = fail_at;
}

static unsigned long disarm(void)
{
  g_fail_at = 0;
  return g_count;
}

/* ---- helpers */

#define SECRET "s3cr3tValue-XYZ99" /* 17 bytes */

static struct dci_secrets one_secret(const char *s)
{
  struct dci_secrets set = {.n = 0};
  dci_secrets_add(&set, s);
  assert_int_equal(set.n, 1);
  return set;
}

/* Masks one text (a copy of `in`, `len` bytes) and compares it with `want`
 * (same length) and the return value with `any`. */
static void expect_mask(const struct dci_secrets *set, const char *in, size_t len,
                        const char *want, bool any)
{
  char *buf = malloc(len + 1);
  assert_non_null(buf);
  memcpy(buf, in, len + 1);
  size_t l = len;
  assert_int_equal(dci_mask_texts(set, &buf, &l, 1), any);
  assert_memory_equal(buf, want, len);
  free(buf);
}

#define EXPECT_MASK(set, in, want, any) \
  expect_mask((set), (in), sizeof(in) - 1, (want), (any))

/* ---- the rule, part by part */

static void test_case_insensitive(void **state)
{
  (void)state;
  struct dci_secrets set = one_secret(SECRET);
  EXPECT_MASK(&set, "error: S3CR3TVALUE-xyz99 end", "error: ***************** end", true);
  EXPECT_MASK(&set, "error: " SECRET " end", "error: ***************** end", true);
}

static void test_control_bytes_removed(void **state)
{
  (void)state;
  struct dci_secrets set = one_secret(SECRET);
  /* the control bytes inside are masked with the secret around them */
  EXPECT_MASK(&set, "x s3cr3t\x01Value-\x7fXYZ99 y", "x ******************* y", true);
  EXPECT_MASK(&set, "x s3c\r\nr3tValue-XYZ99 y", "x ******************* y", true);
}

static void test_percent_decoded(void **state)
{
  (void)state;
  struct dci_secrets set = one_secret(SECRET);
  /* %56 = 'V', %2d = '-', %0a (a control byte once decoded) is dropped */
  EXPECT_MASK(&set, "x s3cr3t%56alue%2dXYZ99 y", "x ********************* y", true);
  EXPECT_MASK(&set, "x s3cr3t%0aValue-XYZ99 y", "x ******************** y", true);
  /* not an escape: '%' stays a byte of the text, the secret is broken */
  EXPECT_MASK(&set, "x s3cr%zz3tValue-XYZ99 y", "x s3cr%zz************* y", true);
}

static void test_split_across_fields(void **state)
{
  (void)state;
  struct dci_secrets set = one_secret(SECRET);
  /* each part alone is under 8 bytes of the secret: nothing */
  char a[] = "bad s3cr3t", b[] = "Value-", c[] = "XYZ99 here";
  char *one[] = {a};
  size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
  assert_false(dci_mask_texts(&set, one, &la, 1));
  one[0] = b;
  assert_false(dci_mask_texts(&set, one, &lb, 1));
  one[0] = c;
  assert_false(dci_mask_texts(&set, one, &lc, 1));
  assert_string_equal(a, "bad s3cr3t");
  /* compared as one joined text: all of it goes */
  char *three[] = {a, b, c};
  size_t lens[] = {la, lb, lc};
  assert_true(dci_mask_texts(&set, three, lens, 3));
  assert_string_equal(a, "bad ******");
  assert_string_equal(b, "******");
  assert_string_equal(c, "***** here");
}

static void test_eight_byte_runs(void **state)
{
  (void)state;
  struct dci_secrets set = one_secret(SECRET);
  /* 7 bytes of the secret in a row survive, 8 do not */
  EXPECT_MASK(&set, "ab s3cr3tV cd", "ab s3cr3tV cd", false);
  EXPECT_MASK(&set, "ab s3cr3tVa cd", "ab ******** cd", true);
  EXPECT_MASK(&set, "lue-XYZ9", "********", true);
  EXPECT_MASK(&set, "Value-XYZ99xx", "***********xx", true);
  /* two 7-byte pieces that are not adjacent in the secret */
  EXPECT_MASK(&set, "s3cr3tV-XYZ99", "s3cr3tV-XYZ99", false);
}

static void test_short_secrets(void **state)
{
  (void)state;
  struct dci_secrets set = {.n = 0};
  dci_secrets_add(&set, "abc"); /* under DC_SECRET_MIN_LEN: ignored */
  dci_secrets_add(NULL, "k3y9");
  dci_secrets_add(&set, NULL);
  assert_int_equal(set.n, 0);
  dci_secrets_add(&set, "k3y9");
  assert_int_equal(set.n, 1);
  /* a short secret is masked where it occurs whole, in any letter case */
  EXPECT_MASK(&set, "a K3Y9 b k3y abc", "a **** b k3y abc", true);
  EXPECT_MASK(&set, "k3%799", "******", true);
  /* several secrets: each is looked for */
  dci_secrets_add(&set, SECRET);
  EXPECT_MASK(&set, "k3y9/s3cr3tValue", "****/***********", true);
  /* a full set ignores further ones */
  for (int i = 0; i < DC_MAX_CALL_SECRETS + 2; i++) dci_secrets_add(&set, "zzzzzzzz");
  assert_int_equal(set.n, DC_MAX_CALL_SECRETS);
}

static void test_nothing_to_do(void **state)
{
  (void)state;
  struct dci_secrets empty = {.n = 0}, set = one_secret(SECRET);
  EXPECT_MASK(NULL, SECRET, SECRET, false);
  EXPECT_MASK(&empty, SECRET, SECRET, false);
  char t[] = "";
  char *texts[] = {t};
  size_t zero = 0;
  assert_false(dci_mask_texts(&set, texts, &zero, 1));
  assert_false(dci_mask_texts(&set, texts, &zero, 0));
}

/* Masking happens before the cut: a secret cut at the limit is masked too;
 * the twin without the call's secrets prints the partial secret. */
static void test_cut_at_truncation(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  static const char in[] = "prefix " SECRET " tail";
  char out[64];
  dci_sanitize_server(c, out, sizeof out, in, sizeof in - 1, 12);
  assert_string_equal(out, "prefix s3cr3...");
  struct dci_secrets set = one_secret(SECRET);
  const struct dci_secrets *prev = dci_secrets_begin(c, &set);
  assert_null(prev);
  assert_ptr_equal(dci_secrets_current(c), &set);
  dci_sanitize_server(c, out, sizeof out, in, sizeof in - 1, 12);
  assert_string_equal(out, "prefix *****...");
  dci_sanitize_server(c, out, sizeof out, in, sizeof in - 1, 160);
  assert_string_equal(out, "prefix ***************** tail");
  /* control bytes are still replaced by the sanitiser */
  static const char ctl[] = "a\x01" "b s3cr3t\x02Value-XYZ99";
  dci_sanitize_server(c, out, sizeof out, ctl, sizeof ctl - 1, 160);
  assert_string_equal(out, "a?b ******************");
  dci_secrets_end(c, prev);
  assert_null(dci_secrets_current(c));
  assert_null(dci_secrets_begin(NULL, &set));
  assert_null(dci_secrets_current(NULL));
  dc_client_free(c);
}

/* ---- out of memory: when in doubt, the whole text goes */

static void test_out_of_memory_masks_everything(void **state)
{
  (void)state;
  struct dci_secrets set = one_secret(SECRET);
  static const char in1[] = "no secret here, ", in2[] = "a S3CR3TVALUE-XYZ99";
  /* the allocations one call makes: piece table, marks, normalised text
   * and its two maps */
  char a[sizeof in1], b[sizeof in2];
  memcpy(a, in1, sizeof a);
  memcpy(b, in2, sizeof b);
  char *texts[] = {a, b};
  size_t lens[] = {sizeof in1 - 1, sizeof in2 - 1};
  arm(~0ul);
  assert_true(dci_mask_texts(&set, texts, lens, 2));
  unsigned long allocations = disarm();
  assert_int_equal(allocations, 5);
  assert_string_equal(a, in1);
  assert_string_equal(b, "a *****************");
  for (unsigned long k = 1; k <= allocations; k++) {
    print_message("allocation %lu fails\n", k);
    memcpy(a, in1, sizeof a);
    memcpy(b, in2, sizeof b);
    arm(k);
    assert_true(dci_mask_texts(&set, texts, lens, 2));
    assert_int_equal(disarm(), allocations);
    assert_string_equal(a, "****************");
    assert_string_equal(b, "*******************");
  }
  /* without 8-byte secrets there is no piece table: four allocations */
  struct dci_secrets shortset = one_secret("k3y9");
  char s[] = "k3y9 and more";
  size_t ls = strlen(s);
  char *one[] = {s};
  for (unsigned long k = 1; k <= 4; k++) {
    memcpy(s, "k3y9 and more", sizeof s);
    arm(k);
    assert_true(dci_mask_texts(&shortset, one, &ls, 1));
    assert_int_equal(disarm(), 4);
    assert_string_equal(s, "*************");
  }
}

/* dci_sanitize_server out of memory: the copy (its first allocation)
 * withholds the text; any later one masks all of it. */
static void test_sanitize_server_out_of_memory(void **state)
{
  (void)state;
  dc_client *c = tu_client();
  struct dci_secrets set = one_secret(SECRET);
  const struct dci_secrets *prev = dci_secrets_begin(c, &set);
  static const char in[] = "prefix " SECRET " tail";
  char out[64];
  arm(~0ul);
  dci_sanitize_server(c, out, sizeof out, in, sizeof in - 1, 160);
  unsigned long allocations = disarm();
  assert_int_equal(allocations, 6);
  assert_string_equal(out, "prefix ***************** tail");
  arm(1);
  dci_sanitize_server(c, out, sizeof out, in, sizeof in - 1, 160);
  disarm();
  assert_string_equal(out, "(withheld)");
  for (unsigned long k = 2; k <= allocations; k++) {
    arm(k);
    dci_sanitize_server(c, out, sizeof out, in, sizeof in - 1, 12);
    disarm();
    assert_string_equal(out, "************...");
  }
  dci_secrets_end(c, prev);
  dc_client_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_case_insensitive),
    cmocka_unit_test(test_control_bytes_removed),
    cmocka_unit_test(test_percent_decoded),
    cmocka_unit_test(test_split_across_fields),
    cmocka_unit_test(test_eight_byte_runs),
    cmocka_unit_test(test_short_secrets),
    cmocka_unit_test(test_nothing_to_do),
    cmocka_unit_test(test_cut_at_truncation),
    cmocka_unit_test(test_out_of_memory_masks_everything),
    cmocka_unit_test(test_sanitize_server_out_of_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
