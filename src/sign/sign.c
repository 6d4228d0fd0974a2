/* RSA-SHA256 request signing (RS256), public-key TXT records, verification.
 *
 * OpenSSL 3 EVP interfaces only. Every function that calls into OpenSSL sets
 * an error-queue mark on entry and pops back to it on exit, so the library
 * never leaves its own failures on the caller's thread error queue. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/proverr.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/validate.h"
#include "domainconnect/sign.h"
#include "sign/sign_internal.h"
#include "x/file.h"

struct dc_signer {
  EVP_PKEY *pkey;
  char key_id[DC_MAX_LABEL_LEN + 1];
};

/* Derived bounds (no new limits): the longest RSA signature we can accept
 * (DC_MAX_RSA_BITS) in padded base64, and the longest concatenation of key
 * fragments that fits DC_MAX_PUBKEY_FRAGMENTS full DNS character-strings. */
#define SIG_MAX_BYTES (DC_MAX_RSA_BITS / 8)
#define SIG_B64_MAX ((size_t)((SIG_MAX_BYTES + 2) / 3) * 4)
#define PUBKEY_B64_MAX ((size_t)DC_MAX_PUBKEY_FRAGMENTS * DC_TXT_STRING_MAX)
/* Fixed part of a published record after "p=N". */
#define RECORD_MID ",a=RS256,d="

/* ------------------------------------------------------------------ */
/* base64                                                              */

static int b64_val(unsigned char ch)
{
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+') return 62;
  if (ch == '/') return 63;
  return -1;
}

dc_status dci_b64_decode(const char *in, size_t len, unsigned char **out,
                         size_t *out_len)
{
  *out = NULL;
  *out_len = 0;
  if (in == NULL || len == 0 || len % 4 != 0) return DC_E_INVALID_PARAM;
  size_t pad = 0;
  if (in[len - 1] == '=') pad = (in[len - 2] == '=') ? 2 : 1;
  size_t n = len / 4 * 3 - pad;
  unsigned char *buf = malloc(n + 1);
  if (buf == NULL) return DC_E_NOMEM;
  size_t o = 0;
  for (size_t i = 0; i < len; i += 4) {
    bool last = (i + 4 == len);
    uint32_t acc = 0;
    for (size_t k = 0; k < 4; k++) {
      unsigned char ch = (unsigned char)in[i + k];
      int v;
      if (ch == '=' && last && k >= 4 - pad) {
        v = 0;
      } else {
        v = b64_val(ch);
        if (v < 0) {
          free(buf);
          return DC_E_INVALID_PARAM;
        }
      }
      acc = (acc << 6) | (uint32_t)v;
    }
    size_t keep = last ? 3 - pad : 3;
    unsigned char tri[3] = {(unsigned char)(acc >> 16), (unsigned char)(acc >> 8),
                            (unsigned char)acc};
    for (size_t k = 0; k < keep; k++) buf[o++] = tri[k];
  }
  buf[o] = '\0';
  *out = buf;
  *out_len = o;
  return DC_OK;
}

/* Standard base64 with padding, no newlines; NULL on allocation failure. */
static char *b64_encode(const unsigned char *in, size_t len)
{
  if (len > (size_t)0x3fffffff) return NULL; /* EVP_EncodeBlock takes an int */
  char *out = malloc((len + 2) / 3 * 4 + 1);
  if (out == NULL) return NULL;
  EVP_EncodeBlock((unsigned char *)out, in, (int)len);
  return out;
}

/* ------------------------------------------------------------------ */
/* private key loading                                                 */

struct pass_ctx {
  const char *pass;
  bool asked; /* OpenSSL asked for a passphrase: the key is encrypted */
};

/* Never prompts: hands over the caller's passphrase or refuses. OpenSSL
 * copies it into its own buffer and cleanses that buffer itself. */
static int pem_pass_cb(char *buf, int size, int rwflag, void *u)
{
  (void)rwflag;
  struct pass_ctx *pc = u;
  pc->asked = true;
  if (pc->pass == NULL || size <= 0) return -1;
  size_t n = strlen(pc->pass);
  if (n > (size_t)size) return -1; /* never truncate: that is another passphrase */
  memcpy(buf, pc->pass, n);
  return (int)n;
}

static bool contains(const char *hay, size_t n, const char *needle)
{
  size_t m = strlen(needle);
  if (m > n) return false;
  for (size_t i = 0; i + m <= n; i++)
    if (memcmp(hay + i, needle, m) == 0) return true;
  return false;
}

static bool pem_says_encrypted(const char *pem, size_t len)
{
  return contains(pem, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
         contains(pem, len, "Proc-Type: 4,ENCRYPTED");
}

static bool err_is_bad_passphrase(unsigned long e)
{
  int lib = ERR_GET_LIB(e);
  int reason = ERR_GET_REASON(e);
  return (lib == ERR_LIB_PEM &&
          (reason == PEM_R_BAD_PASSWORD_READ || reason == PEM_R_BAD_DECRYPT)) ||
         (lib == ERR_LIB_EVP && reason == EVP_R_BAD_DECRYPT) ||
         (lib == ERR_LIB_PROV && reason == PROV_R_BAD_DECRYPT) ||
         (lib == ERR_LIB_PKCS12 && reason == PKCS12_R_PKCS12_CIPHERFINAL_ERROR);
}

static dc_status check_rsa_size(dc_client *c, EVP_PKEY *pkey, dc_status st,
                                const char *what)
{
  if (!EVP_PKEY_is_a(pkey, "RSA")) {
    const char *tn = EVP_PKEY_get0_type_name(pkey);
    char safe[40];
    dci_sanitize(safe, sizeof safe, tn ? tn : "?", tn ? strlen(tn) : 1, 32);
    return dci_fail(c, st, "%s is a %s key, not RSA", what, safe);
  }
  int bits = EVP_PKEY_get_bits(pkey);
  if (bits < DC_MIN_RSA_BITS || bits > DC_MAX_RSA_BITS)
    return dci_fail(c, st, "%s is a %d-bit RSA key; %d..%d bits are accepted",
                    what, bits, DC_MIN_RSA_BITS, DC_MAX_RSA_BITS);
  return DC_OK;
}

static dc_status load_private_key(dc_client *c, const char *pem, size_t len,
                                  const char *passphrase, EVP_PKEY **out)
{
  dc_status status = DC_OK;
  BIO *bio = NULL;
  EVP_PKEY *pkey = NULL;
  struct pass_ctx pc = {passphrase, false};
  *out = NULL;
  ERR_set_mark();
  bio = BIO_new_mem_buf(pem, (int)len); /* read-only view, no copy */
  if (bio == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory reading the private key");
    goto done;
  }
  pkey = PEM_read_bio_PrivateKey_ex(bio, NULL, pem_pass_cb, &pc, NULL, NULL);
  if (pkey == NULL) {
    unsigned long e = ERR_peek_last_error();
    if (pc.asked || pem_says_encrypted(pem, len) || err_is_bad_passphrase(e)) {
      status = dci_fail(c, DC_E_KEY_PASSPHRASE, "%s",
                        passphrase == NULL
                            ? "private key is encrypted and no passphrase was given"
                            : "private key could not be decrypted with the given passphrase");
    } else if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE) {
      status = dci_fail(c, DC_E_NOMEM, "out of memory reading the private key");
    } else {
      status = dci_fail(c, DC_E_KEY,
                        "no PEM private key found (expected \"RSA PRIVATE KEY\" "
                        "or \"PRIVATE KEY\")");
    }
    goto done;
  }
  DCI_TRY(check_rsa_size(c, pkey, DC_E_KEY, "private key"));
  *out = pkey;
  pkey = NULL;
done:
  EVP_PKEY_free(pkey); /* cleanses the key material */
  BIO_free(bio);
  ERR_pop_to_mark();
  return status;
}

DC_API dc_status dc_signer_new(dc_client *c, const char *pem, size_t pem_len,
                               const char *passphrase, const char *key_id,
                               dc_signer **out)
{
  dc_status status = DC_OK;
  dc_signer *s = NULL;
  dci_clear(c);
  if (out == NULL) return dci_fail(c, DC_E_INVALID_ARG, "dc_signer_new: out is NULL");
  *out = NULL;
  if (pem == NULL || key_id == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "dc_signer_new: pem and key_id are required");
  if (pem_len > DC_MAX_PEM_LEN)
    return dci_fail(c, DC_E_LIMIT, "PEM is %zu bytes, limit %d", pem_len,
                    DC_MAX_PEM_LEN);
  if (!dci_valid_key_label(key_id)) {
    char safe[80];
    dci_sanitize(safe, sizeof safe, key_id, strlen(key_id), DC_MAX_LABEL_LEN);
    return dci_fail(c, DC_E_KEY_ID,
                    "key id \"%s\" is not a 1..%d byte label of A-Za-z0-9-_",
                    safe, DC_MAX_LABEL_LEN);
  }
  s = calloc(1, sizeof *s);
  if (s == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  DCI_TRY(load_private_key(c, pem, pem_len, passphrase, &s->pkey));
  memcpy(s->key_id, key_id, strlen(key_id) + 1);
  *out = s;
  s = NULL;
done:
  dc_signer_free(s);
  return status;
}

DC_API dc_status dc_signer_new_from_file(dc_client *c, const char *path,
                                         const char *passphrase,
                                         const char *key_id, dc_signer **out)
{
  dc_status status = DC_OK;
  dci_clear(c);
  if (out == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "dc_signer_new_from_file: out is NULL");
  *out = NULL;
  if (path == NULL || key_id == NULL)
    return dci_fail(c, DC_E_INVALID_ARG,
                    "dc_signer_new_from_file: path and key_id are required");
  char safe[160];
  dci_sanitize(safe, sizeof safe, path, strlen(path), 128);
  /* read(2), no stdio buffer: the only copy of the PEM in our process is
   * `buf`, wiped with every intermediate one */
  size_t n = 0;
  enum dcx_read_err why = DCX_READ_OK;
  char *buf = dcx_read_file(path, DC_MAX_PEM_LEN, true, &n, &why);
  switch (why) {
  case DCX_READ_OK: status = dc_signer_new(c, buf, n, passphrase, key_id, out); break;
  case DCX_READ_OPEN: status = dci_fail(c, DC_E_IO, "cannot open key file %s", safe); break;
  case DCX_READ_IO: status = dci_fail(c, DC_E_IO, "cannot read key file %s", safe); break;
  case DCX_READ_NOMEM: status = dci_fail(c, DC_E_NOMEM, "out of memory"); break;
  case DCX_READ_TOO_BIG:
    status = dci_fail(c, DC_E_LIMIT, "key file %s is larger than %d bytes", safe,
                      DC_MAX_PEM_LEN);
    break;
  }
  if (buf != NULL) {
    dci_wipe(buf, n);
    free(buf);
  }
  return status;
}

DC_API void dc_signer_free(dc_signer *s)
{
  if (s == NULL) return;
  EVP_PKEY_free(s->pkey);
  dci_wipe(s, sizeof *s);
  free(s);
}

DC_API const char *dc_signer_key_id(const dc_signer *s)
{
  return s ? s->key_id : "";
}

/* ------------------------------------------------------------------ */
/* signing                                                             */

DC_API dc_status dc_sign(dc_client *c, const dc_signer *s, const char *data,
                         size_t len, char **sig_b64)
{
  dc_status status = DC_OK;
  EVP_MD_CTX *md = NULL;
  EVP_PKEY_CTX *pctx = NULL;
  unsigned char *sig = NULL;
  size_t siglen = 0;
  dci_clear(c);
  if (sig_b64 == NULL) return dci_fail(c, DC_E_INVALID_ARG, "dc_sign: sig_b64 is NULL");
  *sig_b64 = NULL;
  if (s == NULL || s->pkey == NULL || (data == NULL && len > 0))
    return dci_fail(c, DC_E_INVALID_ARG, "dc_sign: signer and data are required");
  if (data == NULL) data = "";
  ERR_set_mark();
  md = EVP_MD_CTX_new();
  if (md == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  if (EVP_DigestSignInit_ex(md, &pctx, "SHA256", NULL, NULL, s->pkey, NULL) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
    status = dci_fail(c, DC_E_SIGN, "cannot set up RSA-SHA256 signing");
    goto done;
  }
  if (EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)data, len) != 1 ||
      siglen == 0) {
    status = dci_fail(c, DC_E_SIGN, "cannot size the RSA-SHA256 signature");
    goto done;
  }
  sig = malloc(siglen);
  if (sig == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  if (EVP_DigestSign(md, sig, &siglen, (const unsigned char *)data, len) != 1) {
    status = dci_fail(c, DC_E_SIGN, "RSA-SHA256 signing failed");
    goto done;
  }
  *sig_b64 = b64_encode(sig, siglen);
  if (*sig_b64 == NULL) status = dci_fail(c, DC_E_NOMEM, "out of memory");
done:
  free(sig);
  EVP_MD_CTX_free(md);
  ERR_pop_to_mark();
  return status;
}

/* Decimal digits of v into buf (at least 21 bytes); returns the length. */
static size_t fmt_size(char *buf, size_t v)
{
  char tmp[24];
  size_t n = 0;
  do {
    tmp[n++] = (char)('0' + (v % 10));
    v /= 10;
  } while (v > 0);
  for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
  buf[n] = '\0';
  return n;
}

DC_API dc_status dc_pubkey_txt_records(dc_client *c, const dc_signer *s,
                                       char ***records)
{
  dc_status status = DC_OK;
  unsigned char *der = NULL;
  char *b64 = NULL;
  char **recs = NULL;
  dci_buf rec;
  dci_buf_init(&rec, DC_TXT_STRING_MAX);
  dci_clear(c);
  if (records == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "dc_pubkey_txt_records: records is NULL");
  *records = NULL;
  if (s == NULL || s->pkey == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "dc_pubkey_txt_records: signer is NULL");
  ERR_set_mark();
  int derlen = i2d_PUBKEY(s->pkey, &der);
  if (derlen <= 0) {
    status = dci_fail(c, DC_E_KEY, "cannot encode the public key as SubjectPublicKeyInfo");
    goto done;
  }
  b64 = b64_encode(der, (size_t)derlen);
  if (b64 == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  size_t b64len = strlen(b64);
  recs = calloc(DC_MAX_PUBKEY_FRAGMENTS + 1, sizeof *recs);
  if (recs == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  size_t pos = 0;
  for (size_t idx = 0; pos < b64len; idx++) {
    if (idx == DC_MAX_PUBKEY_FRAGMENTS) {
      status = dci_fail(c, DC_E_KEY, "public key needs more than %d TXT records",
                        DC_MAX_PUBKEY_FRAGMENTS);
      goto done;
    }
    char num[24];
    size_t numlen = fmt_size(num, idx + 1);
    size_t prefix = 2 + numlen + strlen(RECORD_MID);
    size_t chunk = DC_TXT_STRING_MAX - prefix;
    if (chunk > b64len - pos) chunk = b64len - pos;
    DCI_TRY(dci_buf_append(&rec, "p=", 2));
    DCI_TRY(dci_buf_append(&rec, num, numlen));
    DCI_TRY(dci_buf_append_str(&rec, RECORD_MID));
    DCI_TRY(dci_buf_append(&rec, b64 + pos, chunk));
    recs[idx] = dci_buf_take(&rec);
    if (recs[idx] == NULL) {
      status = DC_E_NOMEM;
      goto done;
    }
    pos += chunk;
  }
  *records = recs;
  recs = NULL;
done:
  if (status == DC_E_NOMEM) dci_fail(c, DC_E_NOMEM, "out of memory");
  else if (status == DC_E_LIMIT) status = dci_fail(c, DC_E_INTERNAL, "TXT record overflow");
  dci_buf_free(&rec);
  dc_strv_free(recs);
  free(b64);
  OPENSSL_free(der);
  ERR_pop_to_mark();
  return status;
}

/* ------------------------------------------------------------------ */
/* public-key records                                                  */

struct frag {
  unsigned long p;
  const char *d;
  size_t dlen;
  size_t rec; /* index of the TXT record, for details */
};

static bool is_trim(unsigned char ch)
{
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int frag_cmp(const void *a, const void *b)
{
  const struct frag *x = a, *y = b;
  return (x->p > y->p) - (x->p < y->p);
}

struct item {
  const char *v;
  size_t len;
  bool seen;
  bool dup;
};

static dc_status bad_value(dc_client *c, size_t idx, char k, const char *v,
                           size_t len, const char *why)
{
  char safe[48];
  dci_sanitize(safe, sizeof safe, v, len, 32);
  return dci_fail(c, DC_E_PUBKEY_RECORD, "TXT record %zu: %c=%s %s", idx + 1, k,
                  safe, why);
}

/* Reads one record. *keep is false when it lacks p= or d= (not ours). */
static dc_status parse_record(dc_client *c, size_t idx, const char *rec,
                              struct frag *f, bool *keep)
{
  struct item p = {0}, a = {0}, t = {0}, d = {0};
  size_t n = strlen(rec);
  size_t i = 0;
  *keep = false;
  for (;;) {
    size_t s = i;
    while (i < n && rec[i] != ',') i++;
    size_t e = i;
    while (s < e && is_trim((unsigned char)rec[s])) s++;
    while (e > s && is_trim((unsigned char)rec[e - 1])) e--;
    if (e - s >= 2 && rec[s + 1] == '=') {
      struct item *it = NULL;
      switch (rec[s]) {
      case 'p': it = &p; break;
      case 'a': it = &a; break;
      case 't': it = &t; break;
      case 'd': it = &d; break;
      default: break;
      }
      if (it != NULL) {
        size_t vs = s + 2;
        while (vs < e && is_trim((unsigned char)rec[vs])) vs++;
        if (it->seen) it->dup = true;
        it->seen = true;
        it->v = rec + vs;
        it->len = e - vs;
      }
    }
    if (i >= n) break;
    i++; /* the ',' */
  }
  if (!p.seen || !d.seen) return DC_OK;
  if (p.dup || a.dup || t.dup || d.dup)
    return dci_fail(c, DC_E_PUBKEY_RECORD, "TXT record %zu repeats an item", idx + 1);
  if (p.len == 0 || p.len > 9)
    return bad_value(c, idx, 'p', p.v, p.len, "is not a fragment number");
  unsigned long pv = 0;
  for (size_t k = 0; k < p.len; k++) {
    unsigned char ch = (unsigned char)p.v[k];
    if (!dci_is_digit(ch))
      return bad_value(c, idx, 'p', p.v, p.len, "is not a fragment number");
    pv = pv * 10 + (unsigned long)(ch - '0');
  }
  if (a.seen && !(a.len == 5 && memcmp(a.v, "RS256", 5) == 0))
    return bad_value(c, idx, 'a', a.v, a.len, "is not RS256");
  if (t.seen && !(t.len == 4 && memcmp(t.v, "x509", 4) == 0))
    return bad_value(c, idx, 't', t.v, t.len, "is not x509");
  f->p = pv;
  f->d = d.v;
  f->dlen = d.len;
  f->rec = idx;
  *keep = true;
  return DC_OK;
}

dc_status dci_pubkey_from_txt(dc_client *c, const char *const *txt,
                              size_t ntxt, EVP_PKEY **out)
{
  dc_status status = DC_OK;
  struct frag frags[DC_MAX_PUBKEY_FRAGMENTS];
  size_t nfrag = 0;
  unsigned char *der = NULL;
  size_t derlen = 0;
  EVP_PKEY *pkey = NULL;
  dci_buf joined;
  dci_buf_init(&joined, PUBKEY_B64_MAX);
  if (out == NULL) return dci_fail(c, DC_E_INVALID_ARG, "public key output is NULL");
  *out = NULL;
  if (txt == NULL && ntxt > 0)
    return dci_fail(c, DC_E_INVALID_ARG, "TXT record array is NULL");
  if (ntxt == 0)
    return dci_fail(c, DC_E_PUBKEY_RECORD, "no public-key TXT records");
  ERR_set_mark();
  for (size_t i = 0; i < ntxt; i++) {
    if (txt[i] == NULL) {
      status = dci_fail(c, DC_E_INVALID_ARG, "TXT record %zu is NULL", i + 1);
      goto done;
    }
    struct frag f;
    bool keep = false;
    DCI_TRY(parse_record(c, i, txt[i], &f, &keep));
    if (!keep) continue;
    if (nfrag == DC_MAX_PUBKEY_FRAGMENTS) {
      status = dci_fail(c, DC_E_PUBKEY_RECORD, "more than %d public-key fragments",
                        DC_MAX_PUBKEY_FRAGMENTS);
      goto done;
    }
    frags[nfrag++] = f;
  }
  if (nfrag == 0) {
    status = dci_fail(c, DC_E_PUBKEY_RECORD, "no TXT record has both p= and d=");
    goto done;
  }
  qsort(frags, nfrag, sizeof frags[0], frag_cmp);
  for (size_t i = 0; i < nfrag; i++) {
    if (i > 0 && frags[i].p == frags[i - 1].p) {
      status = dci_fail(c, DC_E_PUBKEY_RECORD, "two TXT records have p=%lu",
                        frags[i].p);
      goto done;
    }
    status = dci_buf_append(&joined, frags[i].d, frags[i].dlen);
    if (status == DC_E_LIMIT) {
      status = dci_fail(c, DC_E_PUBKEY_RECORD,
                        "public-key fragments exceed %zu base64 characters",
                        PUBKEY_B64_MAX);
      goto done;
    }
    if (status != DC_OK) {
      status = dci_fail(c, DC_E_NOMEM, "out of memory");
      goto done;
    }
  }
  status = dci_b64_decode(joined.data, joined.len, &der, &derlen);
  if (status == DC_E_NOMEM) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  if (status != DC_OK) {
    status = dci_fail(c, DC_E_PUBKEY_RECORD,
                      "public-key fragments are not valid base64");
    goto done;
  }
  const unsigned char *pp = der;
  pkey = d2i_PUBKEY(NULL, &pp, (long)derlen);
  if (pkey == NULL || pp != der + derlen) {
    status = dci_fail(c, DC_E_PUBKEY_RECORD,
                      "public key is not a DER SubjectPublicKeyInfo");
    goto done;
  }
  DCI_TRY(check_rsa_size(c, pkey, DC_E_PUBKEY_RECORD, "published key"));
  *out = pkey;
  pkey = NULL;
done:
  EVP_PKEY_free(pkey);
  free(der);
  dci_buf_free(&joined);
  ERR_pop_to_mark();
  return status;
}

/* ------------------------------------------------------------------ */
/* verification                                                        */

static dc_status verify_core(dc_client *c, const char *data, size_t len,
                             const char *sig_b64, size_t sig_len,
                             const char *const *txt, size_t ntxt)
{
  dc_status status = DC_OK;
  EVP_PKEY *pkey = NULL;
  EVP_MD_CTX *md = NULL;
  EVP_PKEY_CTX *pctx = NULL;
  char *copy = NULL;
  unsigned char *sig = NULL;
  size_t siglen = 0;
  ERR_set_mark();
  DCI_TRY(dci_pubkey_from_txt(c, txt, ntxt, &pkey));
  if (sig_len == 0) {
    status = dci_fail(c, DC_E_SIG_INVALID, "signature is empty");
    goto done;
  }
  if (sig_len > SIG_B64_MAX) {
    status = dci_fail(c, DC_E_SIG_INVALID,
                      "signature is %zu characters, longer than any accepted key's",
                      sig_len);
    goto done;
  }
  copy = dci_strndup(sig_b64, sig_len);
  if (copy == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  /* A form decoder may have turned the unencoded '+' into ' '. */
  for (size_t i = 0; i < sig_len; i++)
    if (copy[i] == ' ') copy[i] = '+';
  status = dci_b64_decode(copy, sig_len, &sig, &siglen);
  if (status == DC_E_NOMEM) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  if (status != DC_OK) {
    status = dci_fail(c, DC_E_SIG_INVALID, "signature is not valid base64");
    goto done;
  }
  int keysize = EVP_PKEY_get_size(pkey);
  if (keysize <= 0 || siglen != (size_t)keysize) {
    status = dci_fail(c, DC_E_SIG_INVALID,
                      "signature is %zu bytes; the published key makes %d", siglen,
                      keysize);
    goto done;
  }
  md = EVP_MD_CTX_new();
  if (md == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  if (EVP_DigestVerifyInit_ex(md, &pctx, "SHA256", NULL, NULL, pkey, NULL) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
    status = dci_fail(c, DC_E_INTERNAL, "cannot set up RSA-SHA256 verification");
    goto done;
  }
  if (EVP_DigestVerify(md, sig, siglen, (const unsigned char *)data, len) != 1) {
    status = dci_fail(c, DC_E_SIG_INVALID,
                      "signature does not verify with the published key");
    goto done;
  }
done:
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pkey);
  free(sig);
  free(copy);
  ERR_pop_to_mark();
  return status;
}

DC_API dc_status dc_verify_signature(dc_client *c, const char *data, size_t len,
                                     const char *sig_b64,
                                     const char *const *txt, size_t ntxt)
{
  dci_clear(c);
  if (sig_b64 == NULL || (data == NULL && len > 0))
    return dci_fail(c, DC_E_INVALID_ARG,
                    "dc_verify_signature: data and sig_b64 are required");
  return verify_core(c, data ? data : "", len, sig_b64, strlen(sig_b64), txt, ntxt);
}

DC_API dc_status dc_verify_query(dc_client *c, const char *query, size_t len,
                                 const char *expected_key_id,
                                 const char *const *txt, size_t ntxt)
{
  dc_status status = DC_OK;
  dci_buf signed_part;
  char *sig = NULL;
  char *key = NULL;
  const char *sig_raw = NULL, *key_raw = NULL;
  size_t sig_rlen = 0, key_rlen = 0;
  int nsig = 0, nkey = 0;
  bool first = true;
  dci_buf_init(&signed_part, DC_MAX_QUERY_LEN);
  dci_clear(c);
  if (query == NULL)
    return dci_fail(c, DC_E_INVALID_ARG, "dc_verify_query: query is NULL");
  if (len > DC_MAX_QUERY_LEN)
    return dci_fail(c, DC_E_LIMIT, "query is %zu bytes, limit %d", len,
                    DC_MAX_QUERY_LEN);
  /* Split on '&'; drop the pairs named exactly "sig" or "key" and keep
   * every other pair byte for byte, in order (empty pairs included). */
  size_t i = 0;
  for (;;) {
    size_t s = i;
    while (i < len && query[i] != '&') i++;
    const char *pair = query + s;
    size_t plen = i - s;
    size_t nlen = 0;
    while (nlen < plen && pair[nlen] != '=') nlen++;
    const char *val = pair + (nlen < plen ? nlen + 1 : nlen);
    size_t vlen = plen - (size_t)(val - pair);
    if (nlen == 3 && memcmp(pair, "sig", 3) == 0) {
      nsig++;
      sig_raw = val;
      sig_rlen = vlen;
    } else if (nlen == 3 && memcmp(pair, "key", 3) == 0) {
      nkey++;
      key_raw = val;
      key_rlen = vlen;
    } else {
      if (!first) DCI_TRY(dci_buf_append_char(&signed_part, '&'));
      DCI_TRY(dci_buf_append(&signed_part, pair, plen));
      first = false;
    }
    if (i >= len) break;
    i++; /* the '&' */
  }
  if (nsig != 1 || nkey != 1) {
    const char *which = nsig != 1 ? "sig" : "key";
    int count = nsig != 1 ? nsig : nkey;
    status = count == 0
                 ? dci_fail(c, DC_E_SIG_MISSING, "query has no %s parameter", which)
                 : dci_fail(c, DC_E_SIG_MISSING, "query has %d %s parameters",
                            count, which);
    goto done;
  }
  if (sig_rlen == 0 || key_rlen == 0) {
    status = dci_fail(c, DC_E_SIG_MISSING, "query has an empty %s parameter",
                      sig_rlen == 0 ? "sig" : "key");
    goto done;
  }
  if (expected_key_id != NULL) {
    dc_status st = dci_pct_decode(key_raw, key_rlen, false, DC_MAX_LABEL_LEN, &key);
    if (st == DC_E_NOMEM) {
      status = DC_E_NOMEM;
      goto done;
    }
    char safe[80];
    if (st != DC_OK) {
      dci_sanitize(safe, sizeof safe, key_raw, key_rlen, DC_MAX_LABEL_LEN);
      status = dci_fail(c, DC_E_KEY_ID, "key parameter \"%s\" is malformed", safe);
      goto done;
    }
    if (strcmp(key, expected_key_id) != 0) {
      char want[80];
      dci_sanitize(safe, sizeof safe, key, strlen(key), DC_MAX_LABEL_LEN);
      dci_sanitize(want, sizeof want, expected_key_id, strlen(expected_key_id),
                   DC_MAX_LABEL_LEN);
      status = dci_fail(c, DC_E_KEY_ID, "key parameter \"%s\" is not the expected \"%s\"",
                        safe, want);
      goto done;
    }
  }
  dc_status st = dci_pct_decode(sig_raw, sig_rlen, false, SIG_B64_MAX, &sig);
  if (st == DC_E_NOMEM) {
    status = DC_E_NOMEM;
    goto done;
  }
  if (st == DC_E_LIMIT) {
    status = dci_fail(c, DC_E_SIG_INVALID, "sig parameter is too long");
    goto done;
  }
  if (st != DC_OK) {
    status = dci_fail(c, DC_E_SIG_INVALID, "sig parameter has a malformed %%-escape");
    goto done;
  }
  status = verify_core(c, signed_part.data ? signed_part.data : "", signed_part.len,
                       sig, strlen(sig), txt, ntxt);
done:
  if (status == DC_E_NOMEM) dci_fail(c, DC_E_NOMEM, "out of memory");
  else if (status == DC_E_LIMIT) status = dci_fail(c, DC_E_LIMIT, "query too long");
  dci_buf_free(&signed_part);
  free(sig);
  free(key);
  return status;
}
