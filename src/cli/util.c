#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_fail(const char *cmd, dc_client *c, dc_status st)
{
  /* One line that starts with the status's stable name, so scripts can
   * branch on it: "NAME: fixed text[: detail] (domainconnect CMD)". */
  const char *detail = dc_client_error(c);
  fprintf(stderr, "%s: %s%s%s (domainconnect %s)\n", dc_status_name(st),
          dc_status_str(st), detail[0] ? ": " : "", detail, cmd);
  return EXIT_REFUSED;
}

int cli_usage(const char *cmd, const char *msg)
{
  fprintf(stderr, "domainconnect %s: %s\nTry 'domainconnect %s --help'.\n", cmd,
          msg, cmd);
  return EXIT_USAGE;
}

char *cli_read_file(const char *cmd, const char *path, size_t max, size_t *len)
{
  enum dcx_read_err why = DCX_READ_OK;
  /* as a secret: token files, codes and passphrases come this way */
  char *buf = strcmp(path, "-") == 0 ? dcx_read_fd(STDIN_FILENO, max, true, len, &why)
                                     : dcx_read_file(path, max, true, len, &why);
  switch (why) {
  case DCX_READ_OK: break;
  case DCX_READ_OPEN: fprintf(stderr, "domainconnect %s: cannot open %s\n", cmd, path); break;
  case DCX_READ_IO:
  case DCX_READ_NOMEM: fprintf(stderr, "domainconnect %s: cannot read %s\n", cmd, path); break;
  case DCX_READ_TOO_BIG:
    fprintf(stderr, "domainconnect %s: %s is larger than %zu bytes\n", cmd, path, max);
    break;
  }
  return buf;
}

char *cli_read_secret_file(const char *cmd, const char *path)
{
  size_t len = 0;
  char *s = cli_read_file(cmd, path, 4096, &len);
  if (s == NULL) return NULL;
  size_t nl = strcspn(s, "\r\n");
  for (size_t i = nl; i < len; i++) s[i] = '\0';
  return s;
}

void cli_json_str(FILE *f, const char *s)
{
  if (s == NULL) {
    fputs("null", f);
    return;
  }
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      fputc('\\', f);
      fputc(*p, f);
    } else if (*p == '\n') {
      fputs("\\n", f);
    } else if (*p < 0x20 || *p == 0x7f) {
      fprintf(f, "\\u%04x", *p);
    } else {
      fputc(*p, f);
    }
  }
  fputc('"', f);
}

char *cli_query_part(char *s)
{
  char *hash = strchr(s, '#');
  if (hash) *hash = '\0';
  char *q = strchr(s, '?');
  return q ? q + 1 : s;
}
