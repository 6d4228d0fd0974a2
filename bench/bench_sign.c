/* Signing throughput: dc_sign (RSASSA-PKCS1-v1_5 SHA-256 + base64) against
 * OpenSSL's own EVP_DigestSign with the same RSA-2048 key over the same
 * bytes, in the same process and run.
 *
 * usage: bench_sign KEY_PEM [SECONDS_EACH]   (default 2)
 * Prints:
 *   bench_sign: dc_sign=R/s openssl_evp=R/s ratio=X bytes=N */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_num.h"
#include "domainconnect/sign.h"

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A typical signed query string (domain, host, variables, key). */
static const char k_data[] =
  "domain=d123.bench.test&host=www&IP=192.0.2.10&RANDOMTEXT=shm%3A1700000000%3Abench"
  "&redirect_uri=https%3A%2F%2Fservice.example%2Fdone&state=abc123&key=_dck1";

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: bench_sign KEY_PEM [SECONDS_EACH]\n");
    return 2;
  }
  double secs = argc > 2 ? bench_double_or(argv[2], 2.0) : 2.0;
  if (secs <= 0 || secs > 60) secs = 2.0;
  size_t len = strlen(k_data);

  dc_client *c = NULL;
  dc_signer *s = NULL;
  if (dc_client_new(&c) != DC_OK) return 1;
  dc_status st = dc_signer_new_from_file(c, argv[1], NULL, "_dck1", &s);
  if (st != DC_OK) {
    fprintf(stderr, "bench_sign: %s: %s\n", dc_status_name(st), dc_client_error(c));
    return 1;
  }
  long n_dc = 0;
  double t0 = now(), el_dc;
  do {
    for (int i = 0; i < 16; i++) {
      char *sig = NULL;
      if (dc_sign(c, s, k_data, len, &sig) != DC_OK) { fprintf(stderr, "dc_sign failed\n"); return 1; }
      dc_free(sig);
      n_dc++;
    }
  } while ((el_dc = now() - t0) < secs);

  FILE *f = fopen(argv[1], "r");
  if (f == NULL) { perror(argv[1]); return 1; }
  EVP_PKEY *pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  if (pk == NULL) { fprintf(stderr, "bench_sign: cannot read key with OpenSSL\n"); return 1; }
  unsigned char sigbuf[1024];
  long n_ossl = 0;
  double el_ossl;
  t0 = now();
  do {
    for (int i = 0; i < 16; i++) {
      EVP_MD_CTX *md = EVP_MD_CTX_new();
      size_t sl = sizeof sigbuf;
      if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
          EVP_DigestSign(md, sigbuf, &sl, (const unsigned char *)k_data, len) != 1) {
        fprintf(stderr, "EVP sign failed\n");
        return 1;
      }
      EVP_MD_CTX_free(md);
      n_ossl++;
    }
  } while ((el_ossl = now() - t0) < secs);
  EVP_PKEY_free(pk);
  dc_signer_free(s);
  dc_client_free(c);
  double r_dc = (double)n_dc / el_dc, r_ossl = (double)n_ossl / el_ossl;
  printf("bench_sign: dc_sign=%.0f/s openssl_evp=%.0f/s ratio=%.3f bytes=%zu\n",
         r_dc, r_ossl, r_dc / r_ossl, len);
  return 0;
}
