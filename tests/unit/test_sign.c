/* Signing, public-key TXT records and verification (src/sign/sign.c).
 *
 * Uses the published Domain Connect demo key (tests/data/vectors)
 * and keys generated here at run time; no private key is committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core/internal.h"
#include "sign/sign_internal.h"
#include "testutil.h"

#define PASS "correct horse battery"

/* The demo key's records exactly as the spec example publishes them. */
static const char *const k_spec_records[] = {
  "p=1,a=RS256,d=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA18SgvpmeasN4BHkkv0SBjAzIc4grYLjiAXRtNiBUiGUDMeTzQrKTsWvy9NuxU1dIHCZy9o1CrKNg5EzLIZLNyMfI6qiXnM+HMd4byp97zs/3D39Q8iR5poubQcRaGozWx8yQpG0OcVdmEVcTfy",
  "p=2,a=RS256,d=R/XSEWC5u16EBNvRnNAOAvZYUdWqVyQvXsjnxQot8KcK0QP8iHpoL/1dbdRy2opRPQ2FdZpovUgknybq/6FkeDtW7uCQ6Mvu4QxcUa3+WP9nYHKtgWip/eFxpeb+qLvcLHf1h0JXtxLVdyy6OLk3f2JRYUX2ZZVDvG3biTpeJz6iRzjGg6MfGxXZHjI8",
  "p=3,a=RS256,d=weDjXrJwIDAQAB",
};

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

/* Concatenates NULL-terminated arguments into a new string. */
static char *cat(const char *first, ...)
{
  dci_buf b;
  dci_buf_init(&b, 1 << 20);
  va_list ap;
  va_start(ap, first);
  for (const char *s = first; s != NULL; s = va_arg(ap, const char *))
    if (dci_buf_append_str(&b, s) != DC_OK) fail_msg("cat: buffer");
  va_end(ap);
  char *out = dci_buf_take(&b);
  assert_non_null(out);
  return out;
}

static char *pct(const char *s, bool space_plus)
{
  dci_buf b;
  dci_buf_init(&b, 1 << 20);
  assert_int_equal(dci_pct_encode(&b, s, strlen(s), space_plus), DC_OK);
  return dci_buf_take(&b);
}

static char *utoa_dup(long v)
{
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "%ld", v);
  assert_true(n > 0 && (size_t)n < sizeof tmp);
  return cat(tmp, NULL);
}

/* A list of TXT record strings owned by the test. */
typedef struct recset {
  char *v[128];
  size_t n;
} recset;

static void recs_add(recset *r, char *owned)
{
  assert_true(r->n < sizeof r->v / sizeof r->v[0]);
  r->v[r->n++] = owned;
}

static void recs_free(recset *r)
{
  for (size_t i = 0; i < r->n; i++) free(r->v[i]);
  r->n = 0;
}

static const char *const *recs_c(const recset *r)
{
  return (const char *const *)r->v;
}

/* Base64 body of a PEM (lines between BEGIN and END joined). */
static char *pem_body(const char *pem)
{
  const char *p = strstr(pem, "-----\n");
  assert_non_null(p);
  p += 6;
  const char *end = strstr(p, "-----END");
  assert_non_null(end);
  dci_buf b;
  dci_buf_init(&b, 1 << 20);
  for (; p < end; p++)
    if (*p != '\n' && *p != '\r') assert_int_equal(dci_buf_append_char(&b, *p), DC_OK);
  return dci_buf_take(&b);
}

/* Splits a base64 key into records of `chunk` characters, p from first_p. */
static void recs_from_b64(recset *r, const char *b64, size_t chunk, long first_p)
{
  size_t len = strlen(b64);
  long p = first_p;
  for (size_t pos = 0; pos < len; pos += chunk, p++) {
    size_t n = len - pos < chunk ? len - pos : chunk;
    char *frag = dci_strndup(b64 + pos, n);
    char *num = utoa_dup(p);
    recs_add(r, cat("p=", num, ",a=RS256,d=", frag, NULL));
    free(frag);
    free(num);
  }
}

static void recs_from_strv(recset *r, char **strv)
{
  for (char **p = strv; *p != NULL; p++) recs_add(r, cat(*p, NULL));
}

static char *bio_str(BIO *m)
{
  char *p = NULL;
  long n = BIO_get_mem_data(m, &p);
  assert_true(n > 0);
  char *s = dci_strndup(p, (size_t)n);
  assert_non_null(s);
  return s;
}

static char *pem_private(EVP_PKEY *k)
{
  BIO *m = BIO_new(BIO_s_mem());
  assert_non_null(m);
  assert_int_equal(PEM_write_bio_PrivateKey(m, k, NULL, NULL, 0, NULL, NULL), 1);
  char *s = bio_str(m);
  BIO_free(m);
  return s;
}

static char *spki_b64(EVP_PKEY *k)
{
  unsigned char *der = NULL;
  int n = i2d_PUBKEY(k, &der);
  assert_true(n > 0);
  char *out = malloc((size_t)(n + 2) / 3 * 4 + 1);
  assert_non_null(out);
  EVP_EncodeBlock((unsigned char *)out, der, n);
  OPENSSL_free(der);
  return out;
}

/* ------------------------------------------------------------------ */
/* fixture                                                             */

static struct {
  json_t *vectors;
  char *demo_pem;      /* PKCS#1 demo private key (published test key) */
  size_t demo_pem_len;
  char *demo_pub_pem;
  EVP_PKEY *demo;      /* parsed here with OpenSSL, for re-encoding */
  EVP_PKEY *fresh;     /* RSA-3072 generated at test time */
  EVP_PKEY *small;     /* RSA-1024 generated at test time */
  EVP_PKEY *ec;        /* P-256 generated at test time */
  dc_signer *demo_signer;
  dc_signer *fresh_signer;
  dc_client *c;
} g;

static int group_setup(void **state)
{
  (void)state;
  json_error_t err;
  g.vectors = json_load_file(tu_data("vectors/signature_vectors.json"),
                             0, &err);
  if (g.vectors == NULL || !json_is_array(g.vectors)) return -1;
  g.demo_pem = tu_read_file(
      tu_data("vectors/dck1_exampleservice_priv_pkcs1.pem"),
      &g.demo_pem_len);
  g.demo_pub_pem =
      tu_read_file(tu_data("vectors/dck1_exampleservice_pub.pem"), NULL);
  BIO *b = BIO_new_mem_buf(g.demo_pem, (int)g.demo_pem_len);
  g.demo = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
  BIO_free(b);
  g.fresh = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
  g.small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
  g.ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
  if (!g.demo || !g.fresh || !g.small || !g.ec) return -1;
  if (dc_client_new(&g.c) != DC_OK) return -1;
  if (dc_signer_new(g.c, g.demo_pem, g.demo_pem_len, NULL, "_dck1", &g.demo_signer) !=
      DC_OK)
    return -1;
  char *fresh_pem = pem_private(g.fresh);
  dc_status st = dc_signer_new(g.c, fresh_pem, strlen(fresh_pem), NULL, "_dck2",
                               &g.fresh_signer);
  dci_free_secret(fresh_pem);
  return st == DC_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
  (void)state;
  json_decref(g.vectors);
  free(g.demo_pem);
  free(g.demo_pub_pem);
  EVP_PKEY_free(g.demo);
  EVP_PKEY_free(g.fresh);
  EVP_PKEY_free(g.small);
  EVP_PKEY_free(g.ec);
  dc_signer_free(g.demo_signer);
  dc_signer_free(g.fresh_signer);
  dc_client_free(g.c);
  return 0;
}

static const char *vstr(json_t *v, const char *key)
{
  const char *s = json_string_value(json_object_get(v, key));
  assert_non_null(s);
  return s;
}

static bool vbool(json_t *v, const char *key)
{
  json_t *b = json_object_get(v, key);
  assert_true(json_is_boolean(b));
  return json_is_true(b);
}

static void demo_records_signer(recset *r)
{
  char **strv = NULL;
  assert_status(dc_pubkey_txt_records(g.c, g.demo_signer, &strv), DC_OK);
  recs_from_strv(r, strv);
  dc_strv_free(strv);
}

static void demo_records_pem(recset *r, size_t chunk, long first_p)
{
  char *body = pem_body(g.demo_pub_pem);
  recs_from_b64(r, body, chunk, first_p);
  free(body);
}

/* ------------------------------------------------------------------ */
/* (1) the vectors                                                     */

static void vectors_verify(void **state)
{
  (void)state;
  recset from_signer = {0}, from_pem = {0};
  demo_records_signer(&from_signer);
  demo_records_pem(&from_pem, 100, 1);
  size_t i, nvalid = 0, ninvalid = 0;
  json_t *v;
  assert_true(json_array_size(g.vectors) >= 7);
  json_array_foreach(g.vectors, i, v) {
    const char *data = vstr(v, "signed_string");
    const char *sig = vstr(v, "sig_base64");
    assert_string_equal(vstr(v, "public_key_file"), "dck1_exampleservice_pub.pem");
    dc_status want = vbool(v, "expect_valid") ? DC_OK : DC_E_SIG_INVALID;
    assert_int_equal(vbool(v, "verify_ok"), want == DC_OK);
    if (want == DC_OK) nvalid++;
    else ninvalid++;
    assert_status(dc_verify_signature(g.c, data, strlen(data), sig,
                                      recs_c(&from_signer), from_signer.n), want);
    assert_status(dc_verify_signature(g.c, data, strlen(data), sig, recs_c(&from_pem),
                                      from_pem.n), want);
    assert_status(dc_verify_signature(g.c, data, strlen(data), sig, k_spec_records, 3),
                  want);
    if (want != DC_OK) assert_true(dc_client_error(g.c)[0] != '\0');
    /* Also as a received query with the signature appended. */
    char *esc = pct(sig, false);
    char *q = cat(data, "&sig=", esc, "&key=_dck1", NULL);
    assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", recs_c(&from_signer),
                                  from_signer.n), want);
    free(q);
    free(esc);
  }
  assert_int_equal(nvalid, 5);
  assert_int_equal(ninvalid, 2);
  recs_free(&from_signer);
  recs_free(&from_pem);
}

/* The records the signer publishes reassemble to the published PEM body. */
static void vectors_records_match_pem(void **state)
{
  (void)state;
  char **strv = NULL;
  assert_status(dc_pubkey_txt_records(g.c, g.demo_signer, &strv), DC_OK);
  char *body = pem_body(g.demo_pub_pem);
  dci_buf joined;
  dci_buf_init(&joined, 1 << 16);
  size_t n = 0;
  for (; strv[n] != NULL; n++) {
    char *num = utoa_dup((long)n + 1);
    char *prefix = cat("p=", num, ",a=RS256,d=", NULL);
    assert_true(strlen(strv[n]) <= 255);
    assert_int_equal(strncmp(strv[n], prefix, strlen(prefix)), 0);
    assert_int_equal(dci_buf_append_str(&joined, strv[n] + strlen(prefix)), DC_OK);
    free(prefix);
    free(num);
  }
  assert_int_equal(n, 2); /* 392 characters: 241 + 151 */
  assert_string_equal(joined.data, body);
  dci_buf_free(&joined);
  free(body);
  dc_strv_free(strv);
}

/* (2) PKCS#1 v1.5 is deterministic: re-signing reproduces each signature. */
static void vectors_resign_identical(void **state)
{
  (void)state;
  size_t i, n = 0;
  json_t *v;
  json_array_foreach(g.vectors, i, v) {
    if (!vbool(v, "resign_identical")) continue;
    const char *data = vstr(v, "signed_string");
    char *sig = NULL;
    assert_status(dc_sign(g.c, g.demo_signer, data, strlen(data), &sig), DC_OK);
    assert_string_equal(sig, vstr(v, "sig_base64"));
    assert_int_equal(strlen(sig), 344);
    assert_null(strchr(sig, '\n'));
    dc_free(sig);
    n++;
  }
  assert_int_equal(n, 5);
}

static void vectors_python_encoding(void **state)
{
  (void)state;
  size_t i, nparams = 0, nurls = 0;
  json_t *v;
  json_array_foreach(g.vectors, i, v) {
    const char *sig = vstr(v, "sig_base64");
    const char *data = vstr(v, "signed_string");
    json_t *sp = json_object_get(v, "expected_sigparams");
    if (sp != NULL) {
      char *esc = pct(sig, true);
      char *params = cat("&sig=", esc, "&key=_dck1", NULL);
      assert_string_equal(params, json_string_value(sp));
      free(params);
      free(esc);
      nparams++;
    }
    json_t *url = json_object_get(v, "expected_url");
    if (url != NULL) {
      const char *q = strchr(json_string_value(url), '?');
      assert_non_null(q);
      q++;
      char *esc = pct(sig, true);
      char *want = cat(data, "&sig=", esc, "&key=_dck1", NULL);
      assert_string_equal(q, want);
      assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", k_spec_records, 3),
                    DC_OK);
      free(want);
      free(esc);
      nurls++;
    }
  }
  assert_int_equal(nparams, 1);
  assert_int_equal(nurls, 1);
}

/* ------------------------------------------------------------------ */
/* (3) keys                                                            */

static void expect_demo_signature(dc_signer *s)
{
  json_t *v0 = json_array_get(g.vectors, 0);
  const char *data = vstr(v0, "signed_string");
  char *sig = NULL;
  assert_status(dc_sign(g.c, s, data, strlen(data), &sig), DC_OK);
  assert_string_equal(sig, vstr(v0, "sig_base64"));
  dc_free(sig);
}

static void load_expect(const char *pem, const char *pass, dc_status want)
{
  dc_signer *s = (dc_signer *)&s; /* must be reset to NULL on failure */
  dc_status st = dc_signer_new(g.c, pem, strlen(pem), pass, "_dck1", &s);
  assert_status(st, want);
  if (want == DC_OK) {
    assert_non_null(s);
    assert_string_equal(dc_client_error(g.c), "");
    expect_demo_signature(s);
    dc_signer_free(s);
  } else {
    assert_null(s);
    const char *detail = dc_client_error(g.c);
    assert_true(detail[0] != '\0');
    /* never echo a passphrase or key material */
    assert_null(strstr(detail, PASS));
    assert_null(strstr(detail, "wrong-pass"));
    assert_null(strstr(detail, "MII"));
    assert_int_equal(ERR_peek_error(), 0); /* no errors left on the queue */
  }
}

/* An encrypted PEM (its header has `marker`) loads with PASS only. */
static void expect_encrypted(BIO *m, const char *marker)
{
  char *pem = bio_str(m);
  BIO_free(m);
  assert_non_null(strstr(pem, marker));
  load_expect(pem, PASS, DC_OK);
  load_expect(pem, "wrong-pass", DC_E_KEY_PASSPHRASE);
  load_expect(pem, NULL, DC_E_KEY_PASSPHRASE);
  load_expect(pem, "", DC_E_KEY_PASSPHRASE);
  free(pem);
}

static void keys_formats(void **state)
{
  (void)state;
  /* PKCS#1 "RSA PRIVATE KEY" (the published demo file) */
  assert_non_null(strstr(g.demo_pem, "BEGIN RSA PRIVATE KEY"));
  load_expect(g.demo_pem, NULL, DC_OK);
  load_expect(g.demo_pem, "ignored", DC_OK);
  /* PKCS#8 "PRIVATE KEY" */
  char *p8 = pem_private(g.demo);
  assert_non_null(strstr(p8, "BEGIN PRIVATE KEY"));
  load_expect(p8, NULL, DC_OK);
  dci_free_secret(p8);
  /* encrypted PKCS#8 */
  BIO *m = BIO_new(BIO_s_mem());
  assert_int_equal(PEM_write_bio_PKCS8PrivateKey(m, g.demo, EVP_aes_256_cbc(), PASS,
                                                 (int)strlen(PASS), NULL, NULL),
                   1);
  expect_encrypted(m, "BEGIN ENCRYPTED PRIVATE KEY");
  /* legacy encrypted PEM (Proc-Type: 4,ENCRYPTED) */
  m = BIO_new(BIO_s_mem());
  assert_int_equal(PEM_write_bio_PrivateKey_traditional(
                       m, g.demo, EVP_aes_256_cbc(), (unsigned char *)PASS,
                       (int)strlen(PASS), NULL, NULL),
                   1);
  expect_encrypted(m, "Proc-Type: 4,ENCRYPTED");
  /* a freshly generated RSA-3072 key in PKCS#8 loads and signs */
  char **strv = NULL;
  assert_status(dc_pubkey_txt_records(g.c, g.fresh_signer, &strv), DC_OK);
  assert_string_equal(dc_signer_key_id(g.fresh_signer), "_dck2");
  dc_strv_free(strv);
}

static void keys_rejected(void **state)
{
  (void)state;
  char *ec = pem_private(g.ec);
  load_expect(ec, NULL, DC_E_KEY);
  assert_non_null(strstr(dc_client_error(g.c), "not RSA"));
  free(ec);
  char *small = pem_private(g.small);
  load_expect(small, NULL, DC_E_KEY);
  assert_non_null(strstr(dc_client_error(g.c), "1024"));
  free(small);
  load_expect("this is not a key\n", NULL, DC_E_KEY);
  load_expect("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
              NULL, DC_E_KEY);
  load_expect(g.demo_pub_pem, NULL, DC_E_KEY);
  load_expect("", NULL, DC_E_KEY);
  /* oversize */
  size_t big = DC_MAX_PEM_LEN + 1;
  char *huge = malloc(big + 1);
  assert_non_null(huge);
  memset(huge, 'A', big);
  huge[big] = '\0';
  dc_signer *s = NULL;
  assert_status(dc_signer_new(g.c, huge, big, NULL, "_dck1", &s), DC_E_LIMIT);
  assert_null(s);
  free(huge);
  /* arguments */
  assert_status(dc_signer_new(g.c, NULL, 0, NULL, "_dck1", &s), DC_E_INVALID_ARG);
  assert_status(dc_signer_new(g.c, g.demo_pem, g.demo_pem_len, NULL, NULL, &s),
                DC_E_INVALID_ARG);
  assert_status(dc_signer_new(g.c, g.demo_pem, g.demo_pem_len, NULL, "_dck1", NULL),
                DC_E_INVALID_ARG);
  assert_status(dc_signer_new(NULL, "x", 1, NULL, "_dck1", &s), DC_E_KEY);
  dc_signer_free(NULL);
  assert_string_equal(dc_signer_key_id(NULL), "");
}

static void keys_ids(void **state)
{
  (void)state;
  static const char *const bad[] = {
    "", "a.b", "x y", "_dck1.", "k\xc3\xa9y",
    "0123456789012345678901234567890123456789012345678901234567890123", /* 64 */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    dc_signer *s = NULL;
    assert_status(dc_signer_new(g.c, g.demo_pem, g.demo_pem_len, NULL, bad[i], &s),
                  DC_E_KEY_ID);
    assert_null(s);
    assert_true(dc_client_error(g.c)[0] != '\0');
  }
  static const char *const good[] = {
    "_dck1", "_dcpubkeyv1", "key-2",
    "012345678901234567890123456789012345678901234567890123456789012", /* 63 */
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    dc_signer *s = NULL;
    assert_status(dc_signer_new(g.c, g.demo_pem, g.demo_pem_len, NULL, good[i], &s),
                  DC_OK);
    assert_string_equal(dc_signer_key_id(s), good[i]);
    dc_signer_free(s);
  }
}

static char *write_temp(const char *content, size_t len)
{
  char tmpl[] = "/tmp/dc_test_sign_XXXXXX";
  int fd = mkstemp(tmpl);
  assert_true(fd >= 0);
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fd, content + off, len - off);
    assert_true(w > 0);
    off += (size_t)w;
  }
  close(fd);
  return cat(tmpl, NULL);
}

static void keys_files(void **state)
{
  (void)state;
  dc_signer *s = NULL;
  assert_status(dc_signer_new_from_file(
                    g.c, tu_data("vectors/dck1_exampleservice_priv_pkcs1.pem"),
                    NULL, "_dck1", &s),
                DC_OK);
  expect_demo_signature(s);
  dc_signer_free(s);
  s = NULL;
  assert_status(dc_signer_new_from_file(g.c, "/nonexistent/dir/key.pem", NULL, "_dck1", &s),
                DC_E_IO);
  assert_null(s);
  assert_non_null(strstr(dc_client_error(g.c), "/nonexistent/dir/key.pem"));
  assert_status(dc_signer_new_from_file(g.c, "/tmp", NULL, "_dck1", &s), DC_E_IO);
  /* encrypted key from a file */
  BIO *m = BIO_new(BIO_s_mem());
  assert_int_equal(PEM_write_bio_PKCS8PrivateKey(m, g.demo, EVP_aes_256_cbc(), PASS,
                                                 (int)strlen(PASS), NULL, NULL),
                   1);
  char *enc = bio_str(m);
  BIO_free(m);
  char *path = write_temp(enc, strlen(enc));
  assert_status(dc_signer_new_from_file(g.c, path, PASS, "_dck1", &s), DC_OK);
  expect_demo_signature(s);
  dc_signer_free(s);
  s = NULL;
  assert_status(dc_signer_new_from_file(g.c, path, NULL, "_dck1", &s),
                DC_E_KEY_PASSPHRASE);
  assert_status(dc_signer_new_from_file(g.c, path, PASS, "bad id", &s), DC_E_KEY_ID);
  unlink(path);
  free(path);
  free(enc);
  /* oversize file: the demo PEM padded past the limit */
  size_t big = DC_MAX_PEM_LEN + 10;
  char *huge = malloc(big);
  assert_non_null(huge);
  memset(huge, '\n', big);
  memcpy(huge, g.demo_pem, g.demo_pem_len);
  path = write_temp(huge, big);
  assert_status(dc_signer_new_from_file(g.c, path, NULL, "_dck1", &s), DC_E_LIMIT);
  assert_null(s);
  /* exactly at the limit is fine */
  unlink(path);
  free(path);
  path = write_temp(huge, DC_MAX_PEM_LEN);
  assert_status(dc_signer_new_from_file(g.c, path, NULL, "_dck1", &s), DC_OK);
  dc_signer_free(s);
  unlink(path);
  free(path);
  free(huge);
  assert_status(dc_signer_new_from_file(g.c, NULL, NULL, "_dck1", &s), DC_E_INVALID_ARG);
}

static void sign_args(void **state)
{
  (void)state;
  char *sig = (char *)&sig;
  assert_status(dc_sign(g.c, NULL, "a", 1, &sig), DC_E_INVALID_ARG);
  assert_null(sig);
  assert_status(dc_sign(g.c, g.demo_signer, NULL, 1, &sig), DC_E_INVALID_ARG);
  assert_status(dc_sign(g.c, g.demo_signer, "a", 1, NULL), DC_E_INVALID_ARG);
  /* the empty string is signable */
  assert_status(dc_sign(g.c, g.demo_signer, NULL, 0, &sig), DC_OK);
  recset r = {0};
  demo_records_signer(&r);
  assert_status(dc_verify_signature(g.c, "", 0, sig, recs_c(&r), r.n), DC_OK);
  assert_status(dc_verify_signature(g.c, NULL, 0, sig, recs_c(&r), r.n), DC_OK);
  assert_status(dc_verify_signature(g.c, "x", 1, sig, recs_c(&r), r.n), DC_E_SIG_INVALID);
  dc_free(sig);
  /* bytes after a NUL are signed too */
  assert_status(dc_sign(g.c, g.demo_signer, "a\0b", 3, &sig), DC_OK);
  assert_status(dc_verify_signature(g.c, "a\0b", 3, sig, recs_c(&r), r.n), DC_OK);
  assert_status(dc_verify_signature(g.c, "a\0c", 3, sig, recs_c(&r), r.n),
                DC_E_SIG_INVALID);
  dc_free(sig);
  recs_free(&r);
  char **strv = (char **)&strv;
  assert_status(dc_pubkey_txt_records(g.c, NULL, &strv), DC_E_INVALID_ARG);
  assert_null(strv);
  assert_status(dc_pubkey_txt_records(g.c, g.demo_signer, NULL), DC_E_INVALID_ARG);
}

/* ------------------------------------------------------------------ */
/* (4) records and query verification                                  */

/* Signs "a=1&b=2" with the fresh key; returns the base64 signature. */
static char *fresh_sig(const char *data)
{
  char *sig = NULL;
  assert_status(dc_sign(g.c, g.fresh_signer, data, strlen(data), &sig), DC_OK);
  assert_int_equal(strlen(sig), 512); /* 384 bytes */
  return sig;
}

static void fresh_records(recset *r)
{
  char **strv = NULL;
  assert_status(dc_pubkey_txt_records(g.c, g.fresh_signer, &strv), DC_OK);
  recs_from_strv(r, strv);
  dc_strv_free(strv);
}

static dc_status vq(const char *q, const char *expect_key, const recset *r)
{
  return dc_verify_query(g.c, q, strlen(q), expect_key, recs_c(r), r->n);
}

static void records_shape_and_query(void **state)
{
  (void)state;
  recset r = {0};
  fresh_records(&r);
  assert_int_equal(r.n, 3); /* 3072-bit SPKI: 564 base64 characters */
  char *body = spki_b64(g.fresh);
  dci_buf joined;
  dci_buf_init(&joined, 1 << 16);
  for (size_t i = 0; i < r.n; i++) {
    assert_true(strlen(r.v[i]) <= 255);
    char *num = utoa_dup((long)i + 1);
    char *prefix = cat("p=", num, ",a=RS256,d=", NULL);
    assert_int_equal(strncmp(r.v[i], prefix, strlen(prefix)), 0);
    assert_int_equal(dci_buf_append_str(&joined, r.v[i] + strlen(prefix)), DC_OK);
    free(prefix);
    free(num);
  }
  assert_string_equal(joined.data, body);
  dci_buf_free(&joined);
  free(body);

  char *sig = fresh_sig("a=1&b=2");
  char *esc = pct(sig, false);
  char *q = cat("a=1&sig=", esc, "&b=2&key=_dck2", NULL);
  assert_status(vq(q, "_dck2", &r), DC_OK);
  assert_string_equal(dc_client_error(g.c), "");
  assert_status(vq(q, NULL, &r), DC_OK);
  assert_status(vq(q, "_dck1", &r), DC_E_KEY_ID);
  assert_true(dc_client_error(g.c)[0] != '\0');
  /* the demo key does not verify the fresh key's signature */
  assert_status(dc_verify_query(g.c, q, strlen(q), NULL, k_spec_records, 3),
                DC_E_SIG_INVALID);
  free(q);
  free(esc);
  free(sig);

  /* queries around the signature of DATA: BEFORE, the signature (escaped),
   * AFTER */
  static const struct {
    const char *data, *before, *after;
    dc_status want;
  } rows[] = {
    /* key before sig (the default profile's order) */
    {"a=1&b=2", "a=1&b=2&key=_dck2&sig=", "", DC_OK},
    /* reordering the other pairs breaks it: the order is signed */
    {"a=1&b=2", "b=2&sig=", "&a=1&key=_dck2", DC_E_SIG_INVALID},
    /* tampered value */
    {"a=1&b=2", "a=2&sig=", "&b=2&key=_dck2", DC_E_SIG_INVALID},
    /* an extra pair */
    {"a=1&b=2", "a=1&sig=", "&b=2&key=_dck2&c=3", DC_E_SIG_INVALID},
    /* a pair merely starting with "sig" or "key" is signed data */
    {"a=1&b=2", "a=1&sig=", "&b=2&key=_dck2&sigx=1&keys=2", DC_E_SIG_INVALID},
    {"a=1&b=2&sigx=1&keys=2", "a=1&sig=", "&b=2&key=_dck2&sigx=1&keys=2", DC_OK},
    /* the raw bytes are signed, not a decoded form */
    {"x=a%20b&y=%2F", "x=a%20b&sig=", "&y=%2F&key=_dck2", DC_OK},
    {"x=a%20b&y=%2F", "x=a+b&sig=", "&y=%2F&key=_dck2", DC_E_SIG_INVALID},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    sig = fresh_sig(rows[i].data);
    esc = pct(sig, false);
    q = cat(rows[i].before, esc, rows[i].after, NULL);
    if (vq(q, "_dck2", &r) != rows[i].want) fail_msg("row %zu: %s", i, q);
    free(q);
    free(esc);
    free(sig);
  }
  recs_free(&r);
}

static void records_reassembly(void **state)
{
  (void)state;
  json_t *v0 = json_array_get(g.vectors, 0);
  const char *data = vstr(v0, "signed_string");
  const char *sig = vstr(v0, "sig_base64");
  size_t dlen = strlen(data);
  recset r = {0};

  /* shuffled: reversed and rotated */
  demo_records_pem(&r, 50, 1);
  assert_true(r.n >= 8);
  for (size_t i = 0; i < r.n / 2; i++) {
    char *t = r.v[i];
    r.v[i] = r.v[r.n - 1 - i];
    r.v[r.n - 1 - i] = t;
  }
  assert_status(dc_verify_signature(g.c, data, dlen, sig, recs_c(&r), r.n), DC_OK);
  recs_free(&r);
  const char *shuffled[] = {k_spec_records[2], k_spec_records[0], k_spec_records[1]};
  assert_status(dc_verify_signature(g.c, data, dlen, sig, shuffled, 3), DC_OK);

  /* p from 0, and numeric (not textual) ordering: p=9 before p=10 */
  demo_records_pem(&r, 100, 0);
  assert_status(dc_verify_signature(g.c, data, dlen, sig, recs_c(&r), r.n), DC_OK);
  recs_free(&r);
  demo_records_pem(&r, 30, 5);
  assert_true(r.n > 8);
  assert_status(dc_verify_signature(g.c, data, dlen, sig, recs_c(&r), r.n), DC_OK);
  recs_free(&r);

  /* whitespace around items, items in another order, no a=, t=x509,
   * unrelated TXT records mixed in */
  char *body = pem_body(g.demo_pub_pem);
  char *f1 = dci_strndup(body, 200);
  char *r1 = cat(" d=", f1, " , p=1 ,t=x509,a=RS256\n", NULL);
  char *r2 = cat("p=2,\td=", body + 200, NULL);
  const char *mixed[] = {"v=spf1 -all", r2, "google-site-verification=xyz", r1, ""};
  assert_status(dc_verify_signature(g.c, data, dlen, sig, mixed, 5), DC_OK);
  free(r1);
  free(r2);

  /* a '+' that arrived as ' ' */
  char *spaced = cat(sig, NULL);
  size_t nplus = 0;
  for (char *p = spaced; *p; p++)
    if (*p == '+') { *p = ' '; nplus++; }
  assert_true(nplus > 0);
  assert_status(dc_verify_signature(g.c, data, dlen, spaced, k_spec_records, 3), DC_OK);
  char *esc = pct(spaced, false); /* spaces as %20 */
  char *q = cat(data, "&sig=", esc, "&key=_dck1", NULL);
  assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", k_spec_records, 3), DC_OK);
  free(q);
  free(esc);
  free(spaced);
  /* an unencoded '+' in the raw query stays '+' */
  q = cat(data, "&sig=", sig, "&key=_dck1", NULL);
  assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", k_spec_records, 3), DC_OK);
  free(q);
  /* the key parameter is compared after percent-decoding */
  esc = pct(sig, false);
  q = cat(data, "&sig=", esc, "&key=%5Fdck1", NULL);
  assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", k_spec_records, 3), DC_OK);
  free(q);
  free(esc);
  free(f1);
  free(body);
}

static void expect_record_error(const char *const *txt, size_t n)
{
  json_t *v0 = json_array_get(g.vectors, 0);
  const char *data = vstr(v0, "signed_string");
  const char *sig = vstr(v0, "sig_base64");
  assert_status(dc_verify_signature(g.c, data, strlen(data), sig, txt, n),
                DC_E_PUBKEY_RECORD);
  assert_true(dc_client_error(g.c)[0] != '\0');
  assert_int_equal(ERR_peek_error(), 0);
  char *esc = pct(sig, false);
  char *q = cat(data, "&sig=", esc, "&key=_dck1", NULL);
  assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", txt, n), DC_E_PUBKEY_RECORD);
  free(q);
  free(esc);
}

static void records_bad(void **state)
{
  (void)state;
  const char *const *sr = k_spec_records;
  /* duplicate p */
  const char *dup[] = {sr[0], sr[1], sr[2], "p=2,a=RS256,d=AAAA"};
  expect_record_error(dup, 4);
  const char *dup_same[] = {sr[0], sr[1], sr[2], sr[2]};
  expect_record_error(dup_same, 4);
  /* bad base64 */
  const char *bad64[] = {sr[0], sr[1], "p=3,a=RS256,d=weDjXrJw!DAQAB"};
  expect_record_error(bad64, 3);
  const char *bad64b[] = {sr[0], sr[1], "p=3,a=RS256,d=weDjXr JwIDAQAB"};
  expect_record_error(bad64b, 3);
  const char *unpadded[] = {sr[0], sr[1], "p=3,a=RS256,d=weDjXrJwIDAQA"};
  expect_record_error(unpadded, 3);
  /* missing fragment: DER does not parse */
  const char *missing[] = {sr[0], sr[2]};
  expect_record_error(missing, 2);
  /* algorithm and type */
  const char *rs512[] = {sr[0], sr[1], "p=3,a=RS512,d=weDjXrJwIDAQAB"};
  expect_record_error(rs512, 3);
  const char *tfoo[] = {sr[0], sr[1], "p=3,t=foo,a=RS256,d=weDjXrJwIDAQAB"};
  expect_record_error(tfoo, 3);
  /* p not a number, item repeated */
  const char *pnan[] = {sr[0], sr[1], "p=x3,d=weDjXrJwIDAQAB"};
  expect_record_error(pnan, 3);
  const char *pneg[] = {sr[0], sr[1], "p=-3,d=weDjXrJwIDAQAB"};
  expect_record_error(pneg, 3);
  const char *prep[] = {sr[0], sr[1], "p=3,d=weDjXrJwIDAQAB,d=AAAA"};
  expect_record_error(prep, 3);
  /* no records, no usable records */
  expect_record_error(NULL, 0);
  expect_record_error(sr, 0);
  const char *unusable[] = {"v=spf1 -all", "p=1,a=RS256", "d=AAAA"};
  expect_record_error(unusable, 3);
  /* a non-RSA key, a too-small RSA key */
  char *ec = spki_b64(g.ec);
  char *rec = cat("p=1,a=RS256,d=", ec, NULL);
  const char *ecr[] = {rec};
  expect_record_error(ecr, 1);
  free(rec);
  free(ec);
  char *sm = spki_b64(g.small);
  rec = cat("p=1,a=RS256,d=", sm, NULL);
  const char *smr[] = {rec};
  expect_record_error(smr, 1);
  free(rec);
  free(sm);
  /* too many fragments */
  recset many = {0};
  demo_records_pem(&many, 4, 1);
  assert_true(many.n > DC_MAX_PUBKEY_FRAGMENTS);
  expect_record_error(recs_c(&many), many.n);
  recs_free(&many);
  /* arguments */
  json_t *v0 = json_array_get(g.vectors, 0);
  const char *data = vstr(v0, "signed_string");
  const char *sig = vstr(v0, "sig_base64");
  assert_status(dc_verify_signature(g.c, data, strlen(data), sig, NULL, 3),
                DC_E_INVALID_ARG);
  const char *withnull[] = {sr[0], NULL, sr[2]};
  assert_status(dc_verify_signature(g.c, data, strlen(data), sig, withnull, 3),
                DC_E_INVALID_ARG);
  assert_status(dc_verify_signature(g.c, data, strlen(data), NULL, sr, 3),
                DC_E_INVALID_ARG);
  assert_status(dc_verify_signature(g.c, NULL, 5, sig, sr, 3), DC_E_INVALID_ARG);
}

static void query_errors(void **state)
{
  (void)state;
  json_t *v0 = json_array_get(g.vectors, 0);
  const char *data = vstr(v0, "signed_string");
  const char *sig = vstr(v0, "sig_base64");
  const char *const *sr = k_spec_records;
  char *esc = pct(sig, false);
  static const char *const missing_fmt[][3] = {
    {"&key=_dck1", "", ""},                       /* no sig */
    {"&sig=", "@", ""},                           /* no key */
    {"&sig=", "@", "&sig=X&key=_dck1"},           /* sig twice */
    {"&sig=", "@", "&key=_dck1&key=_dck1"},       /* key twice */
    {"&sig=", "@", "&key="},                      /* empty key */
    {"&sig=", "", "&key=_dck1"},                  /* empty sig */
    {"&sig", "", "&key=_dck1"},                   /* sig without '=' */
  };
  for (size_t i = 0; i < sizeof missing_fmt / sizeof missing_fmt[0]; i++) {
    const char *mid = strcmp(missing_fmt[i][1], "@") == 0 ? esc : missing_fmt[i][1];
    char *q = cat(data, missing_fmt[i][0], mid, missing_fmt[i][2], NULL);
    assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", sr, 3), DC_E_SIG_MISSING);
    assert_true(dc_client_error(g.c)[0] != '\0');
    free(q);
  }
  assert_status(dc_verify_query(g.c, "", 0, NULL, sr, 3), DC_E_SIG_MISSING);
  /* a broken escape, junk, a truncated signature */
  char *q = cat(data, "&sig=%G1", esc, "&key=_dck1", NULL);
  assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", sr, 3), DC_E_SIG_INVALID);
  free(q);
  q = cat(data, "&sig=%00", esc, "&key=_dck1", NULL);
  assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", sr, 3), DC_E_SIG_INVALID);
  free(q);
  q = cat(data, "&sig=!!!!&key=_dck1", NULL);
  assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", sr, 3), DC_E_SIG_INVALID);
  free(q);
  q = cat(data, "&sig=AAAA&key=_dck1", NULL);
  assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", sr, 3), DC_E_SIG_INVALID);
  free(q);
  /* overlong sig parameter */
  char *longsig = malloc(5001);
  assert_non_null(longsig);
  memset(longsig, 'A', 5000);
  longsig[5000] = '\0';
  q = cat(data, "&sig=", longsig, "&key=_dck1", NULL);
  assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", sr, 3), DC_E_SIG_INVALID);
  assert_status(dc_verify_signature(g.c, data, strlen(data), longsig, sr, 3),
                DC_E_SIG_INVALID);
  free(q);
  free(longsig);
  /* key checks */
  q = cat(data, "&sig=", esc, "&key=_dck2", NULL);
  assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", sr, 3), DC_E_KEY_ID);
  assert_status(dc_verify_query(g.c, q, strlen(q), NULL, sr, 3), DC_OK);
  free(q);
  q = cat(data, "&sig=", esc, "&key=%ZZ", NULL);
  assert_status(dc_verify_query(g.c, q, strlen(q), "_dck1", sr, 3), DC_E_KEY_ID);
  free(q);
  /* a query longer than the limit */
  size_t big = DC_MAX_QUERY_LEN + 1;
  char *huge = malloc(big);
  assert_non_null(huge);
  memset(huge, 'a', big);
  assert_status(dc_verify_query(g.c, huge, big, NULL, sr, 3), DC_E_LIMIT);
  free(huge);
  assert_status(dc_verify_query(g.c, NULL, 0, NULL, sr, 3), DC_E_INVALID_ARG);
  /* a handle is optional */
  q = cat(data, "&sig=", esc, "&key=_dck1", NULL);
  assert_status(dc_verify_query(NULL, q, strlen(q), "_dck1", sr, 3), DC_OK);
  assert_status(dc_verify_query(NULL, q, strlen(q) - 1, "_dck1", sr, 3), DC_E_KEY_ID);
  /* the length is honoured: trailing bytes beyond len are ignored */
  char *longer = cat(q, "&extra=1", NULL);
  assert_status(dc_verify_query(g.c, longer, strlen(q), "_dck1", sr, 3), DC_OK);
  assert_status(dc_verify_query(g.c, longer, strlen(longer), "_dck1", sr, 3),
                DC_E_SIG_INVALID);
  free(longer);
  free(q);
  free(esc);
}

static void base64_strict(void **state)
{
  (void)state;
  static const struct { const char *in; const char *out; } ok[] = {
    {"QQ==", "A"}, {"QUI=", "AB"}, {"QUJD", "ABC"}, {"QUJDRA==", "ABCD"},
    {"+/+/", "\xfb\xff\xbf"},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    unsigned char *out = NULL;
    size_t n = 0;
    assert_int_equal(dci_b64_decode(ok[i].in, strlen(ok[i].in), &out, &n), DC_OK);
    assert_int_equal(n, strlen(ok[i].out));
    assert_memory_equal(out, ok[i].out, n);
    free(out);
  }
  static const char *const bad[] = {
    "", "Q", "QQ", "QQ=", "Q===", "====", "QQ=A", "QQ==QQ==", "QU J", "QUJ\n",
    "QUJ-", "QUJ_", "QU\xc3\xa9",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    unsigned char *out = (unsigned char *)&out;
    size_t n = 7;
    assert_int_equal(dci_b64_decode(bad[i], strlen(bad[i]), &out, &n),
                     DC_E_INVALID_PARAM);
    assert_null(out);
    assert_int_equal(n, 0);
  }
}

static void pubkey_from_txt_internal(void **state)
{
  (void)state;
  EVP_PKEY *k = NULL;
  assert_status(dci_pubkey_from_txt(g.c, k_spec_records, 3, &k), DC_OK);
  assert_non_null(k);
  assert_int_equal(EVP_PKEY_eq(k, g.demo), 1);
  EVP_PKEY_free(k);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(vectors_verify),
    cmocka_unit_test(vectors_records_match_pem),
    cmocka_unit_test(vectors_resign_identical),
    cmocka_unit_test(vectors_python_encoding),
    cmocka_unit_test(keys_formats),
    cmocka_unit_test(keys_rejected),
    cmocka_unit_test(keys_ids),
    cmocka_unit_test(keys_files),
    cmocka_unit_test(sign_args),
    cmocka_unit_test(records_shape_and_query),
    cmocka_unit_test(records_reassembly),
    cmocka_unit_test(records_bad),
    cmocka_unit_test(query_errors),
    cmocka_unit_test(base64_strict),
    cmocka_unit_test(pubkey_from_txt_internal),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
