/* domainconnect-sandbox: a private CA and the HTTPS server certificate,
 * made with the OpenSSL EVP/X509 APIs. */
#include "pki.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util.h"

#define CA_DAYS 3650
#define SERVER_DAYS 365
#define RENEW_DAYS 30

static bool efail(char *err, size_t errsz, const char *what)
{
  snprintf(err, errsz, "pki: %s", what);
  return false;
}

static EVP_PKEY *new_key(void) { return EVP_EC_gen("P-256"); }

static bool add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
  X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  if (ext == NULL) return false;
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1;
}

static bool set_serial(X509 *cert)
{
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) return false;
  raw[0] &= 0x7f; /* positive */
  raw[0] |= 0x01; /* non-zero */
  BIGNUM *bn = BN_bin2bn(raw, sizeof raw, NULL);
  bool ok = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
  BN_free(bn);
  return ok;
}

/* A certificate for `key` signed by (issuer, issuer_key); issuer NULL makes
 * it self-signed (the CA). */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                       long days, const char *san)
{
  X509 *cert = X509_new();
  X509_NAME *name = NULL;
  bool ok = false;
  if (cert == NULL) return NULL;
  if (X509_set_version(cert, 2) != 1 || !set_serial(cert)) goto done;
  name = X509_NAME_new();
  if (name == NULL ||
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                 (const unsigned char *)"domainconnect-sandbox", -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                 0) != 1)
    goto done;
  if (X509_set_subject_name(cert, name) != 1) goto done;
  if (X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) != 1) goto done;
  /* backdate an hour for clock skew */
  if (X509_gmtime_adj(X509_getm_notBefore(cert), -3600) == NULL ||
      X509_gmtime_adj(X509_getm_notAfter(cert), days * 86400L) == NULL)
    goto done;
  if (X509_set_pubkey(cert, key) != 1) goto done;
  X509 *iss = issuer ? issuer : cert;
  if (issuer == NULL) {
    if (!add_ext(cert, iss, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
        !add_ext(cert, iss, NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !add_ext(cert, iss, NID_subject_key_identifier, "hash"))
      goto done;
  } else {
    if (!add_ext(cert, iss, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(cert, iss, NID_key_usage, "critical,digitalSignature") ||
        !add_ext(cert, iss, NID_ext_key_usage, "serverAuth") ||
        !add_ext(cert, iss, NID_subject_key_identifier, "hash") ||
        !add_ext(cert, iss, NID_authority_key_identifier, "keyid:always") ||
        !add_ext(cert, iss, NID_subject_alt_name, san))
      goto done;
  }
  if (X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) <= 0) goto done;
  ok = true;
done:
  X509_NAME_free(name);
  if (!ok) {
    X509_free(cert);
    cert = NULL;
  }
  return cert;
}

static bool write_pem(const char *path, EVP_PKEY *key, X509 *cert, mode_t mode)
{
  BIO *b = BIO_new(BIO_s_mem());
  bool ok = false;
  if (b == NULL) return false;
  if (key != NULL && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL) != 1) goto done;
  if (cert != NULL && PEM_write_bio_X509(b, cert) != 1) goto done;
  char *data = NULL;
  long len = BIO_get_mem_data(b, &data);
  if (len <= 0) goto done;
  ok = dcx_write_file_atomic(path, data, (size_t)len, (unsigned)mode) == DCX_WRITE_OK;
done:
  BIO_free(b);
  return ok;
}

/* The private key at key_path and the certificate at cert_path (PEM), each
 * NULL when it cannot be read. */
static void read_pair(const char *key_path, const char *cert_path, EVP_PKEY **key, X509 **cert)
{
  FILE *f = fopen(key_path, "re");
  *key = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
  if (f != NULL) fclose(f);
  f = fopen(cert_path, "re");
  *cert = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
  if (f != NULL) fclose(f);
}

/* The server certificate still fits: signed by the CA, its key matches, not
 * expiring soon, and every name is among its SANs. */
static bool cert_fits(X509 *cert, EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key,
                      char *const *names, size_t n)
{
  bool ok = false;
  GENERAL_NAMES *gens = NULL;
  if (X509_verify(cert, ca_key) != 1) goto done;
  if (X509_check_private_key(cert, key) != 1) goto done;
  if (X509_check_issued(ca, cert) != X509_V_OK) goto done;
  time_t soon = time(NULL) + (time_t)RENEW_DAYS * 86400;
  if (X509_cmp_time(X509_get0_notAfter(cert), &soon) <= 0) goto done;
  gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
  if (gens == NULL) goto done;
  for (size_t i = 0; i < n; i++) {
    bool found = false;
    for (int k = 0; k < sk_GENERAL_NAME_num(gens) && !found; k++) {
      const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, k);
      if (g->type != GEN_DNS) continue;
      const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
      int len = ASN1_STRING_length(g->d.dNSName);
      found = len >= 0 && (size_t)len == strlen(names[i]) && memcmp(d, names[i], (size_t)len) == 0;
    }
    if (!found) goto done;
  }
  ok = true;
done:
  GENERAL_NAMES_free(gens);
  return ok;
}

bool sbx_pki_setup(const char *state_dir, char *const *names, size_t nnames,
                   struct sbx_pki *out, char *err, size_t errsz)
{
  char dir[PATH_MAX], ca_key_p[PATH_MAX], ca_crt_p[PATH_MAX], key_p[PATH_MAX], crt_p[PATH_MAX];
  EVP_PKEY *ca_key = NULL, *key = NULL;
  X509 *ca = NULL, *cert = NULL;
  dcx_buf san;
  bool ok = false;
  dcx_buf_init(&san, SBX_MAX_BUF);
  memset(out, 0, sizeof *out);
  if (!sbx_fmt(dir, sizeof dir, "%s/pki", state_dir) ||
      !sbx_fmt(ca_key_p, sizeof ca_key_p, "%s/ca.key", dir) ||
      !sbx_fmt(ca_crt_p, sizeof ca_crt_p, "%s/ca.crt", dir) ||
      !sbx_fmt(key_p, sizeof key_p, "%s/server.key", dir) ||
      !sbx_fmt(crt_p, sizeof crt_p, "%s/server.crt", dir))
    return efail(err, errsz, "state directory path too long");
  if (sbx_mkdir(dir, 0700) != 0) {
    snprintf(err, errsz, "pki: cannot create %s: %s", dir, strerror(errno));
    return false;
  }
  read_pair(ca_key_p, ca_crt_p, &ca_key, &ca);
  if (ca_key == NULL || ca == NULL || X509_check_private_key(ca, ca_key) != 1) {
    EVP_PKEY_free(ca_key);
    X509_free(ca);
    ca = NULL;
    ca_key = new_key();
    if (ca_key == NULL) {
      efail(err, errsz, "cannot generate the CA key");
      goto done;
    }
    ca = make_cert(ca_key, "domainconnect-sandbox CA", NULL, NULL, CA_DAYS, NULL);
    if (ca == NULL || !write_pem(ca_key_p, ca_key, NULL, 0600) ||
        !write_pem(ca_crt_p, NULL, ca, 0644)) {
      efail(err, errsz, "cannot create the CA");
      goto done;
    }
    unlink(crt_p); /* a new CA: the old server certificate is useless */
    sbx_log(SBX_INFO, "created a CA in %s", ca_crt_p);
  }
  read_pair(key_p, crt_p, &key, &cert);
  if (key == NULL || cert == NULL || !cert_fits(cert, key, ca, ca_key, names, nnames)) {
    EVP_PKEY_free(key);
    X509_free(cert);
    cert = NULL;
    key = new_key();
    if (key == NULL) {
      efail(err, errsz, "cannot generate the server key");
      goto done;
    }
    for (size_t i = 0; i < nnames; i++) dcx_buf_addf(&san, "%sDNS:%s", i ? "," : "", names[i]);
    if (san.err || san.data == NULL) {
      efail(err, errsz, "out of memory");
      goto done;
    }
    cert = make_cert(key, names[0], ca, ca_key, SERVER_DAYS, san.data);
    if (cert == NULL || !write_pem(key_p, key, NULL, 0600) || !write_pem(crt_p, NULL, cert, 0644)) {
      efail(err, errsz, "cannot create the server certificate");
      goto done;
    }
    sbx_log(SBX_INFO, "issued a server certificate for %s", san.data);
  }
  /* the HTTPS server sends the chain: server certificate, then the CA */
  BIO *b = BIO_new(BIO_s_mem());
  if (b == NULL || PEM_write_bio_X509(b, cert) != 1 || PEM_write_bio_X509(b, ca) != 1) {
    BIO_free(b);
    efail(err, errsz, "out of memory");
    goto done;
  }
  char *data = NULL;
  long len = BIO_get_mem_data(b, &data);
  out->server_cert = len > 0 ? dcx_strndup(data, (size_t)len) : NULL;
  BIO_free(b);
  out->server_key = dcx_read_file(key_p, 64 * 1024, true, NULL, NULL); /* a secret */
  out->ca_file = realpath(ca_crt_p, NULL);
  if (out->server_cert == NULL || out->server_key == NULL || out->ca_file == NULL) {
    efail(err, errsz, "cannot read back the certificates");
    goto done;
  }
  ok = true;
done:
  if (!ok) sbx_pki_free(out);
  dcx_buf_free(&san);
  EVP_PKEY_free(ca_key);
  EVP_PKEY_free(key);
  X509_free(ca);
  X509_free(cert);
  return ok;
}

void sbx_pki_free(struct sbx_pki *p)
{
  free(p->ca_file);
  free(p->server_cert);
  dcx_free_secret(p->server_key);
  memset(p, 0, sizeof *p);
}
