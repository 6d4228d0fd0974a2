/* Fuzz target: the --resume line parser of discover --batch
 * (src/cli/batch_keys.c, compiled in here: the CLI is not part of the
 * library), the --shard I/N parser and the string set. Properties: an
 * accepted line's input, written again as the CLI writes it
 * ({"input":<cli_json_str>}), parses back to the same bytes; the set then
 * holds it; an accepted shard spec has I < N <= CLI_SHARD_MAX. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/batch_keys.c"

/* cli_json_str's escaping (src/cli/util.c) into a buffer. */
static size_t encode(const char *s, char *out)
{
  size_t n = 0;
  out[n++] = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      out[n++] = '\\';
      out[n++] = (char)*p;
    } else if (*p == '\n') {
      out[n++] = '\\';
      out[n++] = 'n';
    } else if (*p < 0x20 || *p == 0x7f) {
      n += (size_t)snprintf(out + n, 7, "\\u%04x", *p);
    } else {
      out[n++] = (char)*p;
    }
  }
  out[n++] = '"';
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static char key[CLI_RESUME_INPUT_MAX], again[CLI_RESUME_INPUT_MAX];
  static char line[CLI_RESUME_INPUT_MAX * 6 + 64];
  long n = cli_resume_input((const char *)data, size, key, sizeof key);
  if (n >= 0) {
    if ((size_t)n != strlen(key)) abort();
    size_t m = 0;
    memcpy(line, "{\"input\":", 9);
    m = 9 + encode(key, line + 9);
    memcpy(line + m, ",\"status\":\"ok\"}", 15);
    m += 15;
    long n2 = cli_resume_input(line, m, again, sizeof again);
    if (n2 != n || memcmp(again, key, (size_t)n + 1) != 0) abort();
    cli_keyset set = {NULL, 0, 0};
    if (cli_keyset_add(&set, key) && !cli_keyset_has(&set, again)) abort();
    cli_keyset_free(&set);
    (void)cli_shard_hash(key);
  }
  char spec[32];
  size_t k = size < sizeof spec - 1 ? size : sizeof spec - 1;
  memcpy(spec, data, k);
  spec[k] = '\0';
  unsigned long i = 0, total = 0;
  if (cli_shard_parse(spec, &i, &total) && (total == 0 || total > CLI_SHARD_MAX || i >= total))
    abort();
  return 0;
}
