#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* "missing" or "unreadable (reason)" for an errno of open or read. */
static void describe_errno(int err, char *out, size_t n)
{
  if (err == ENOENT || err == ENOTDIR)
    snprintf(out, n, "missing (no such file)");
  else if (err == EISDIR)
    snprintf(out, n, "unreadable (a directory)");
  else if (err == EACCES || err == EPERM)
    snprintf(out, n, "unreadable (permission denied)");
  else
    snprintf(out, n, "unreadable (%s)", strerror(err));
}

const char *cli_file_problem(const char *path, char *out, size_t n)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    describe_errno(errno, out, n);
    return out;
  }
  struct stat st;
  char one;
  const char *res = out;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) describe_errno(EISDIR, out, n);
  else if (read(fd, &one, 1) < 0) describe_errno(errno, out, n);
  else res = NULL; /* readable: the problem is its content */
  close(fd);
  return res;
}

char *cli_load_file(const char *path, size_t max, bool secret, size_t *len, char *why,
                    size_t whylen)
{
  enum dcx_read_err err = DCX_READ_OK;
  char *buf = strcmp(path, "-") == 0 ? dcx_read_fd(STDIN_FILENO, max, secret, len, &err)
                                     : dcx_read_file(path, max, secret, len, &err);
  int saved = errno;
  char reason[160];
  switch (err) {
  case DCX_READ_OK: break;
  case DCX_READ_OPEN:
  case DCX_READ_IO:
    describe_errno(saved, reason, sizeof reason);
    snprintf(why, whylen, "%s: %s", path, reason);
    break;
  case DCX_READ_NOMEM: snprintf(why, whylen, "%s: out of memory", path); break;
  case DCX_READ_TOO_BIG: snprintf(why, whylen, "%s: larger than %zu bytes", path, max); break;
  }
  return buf;
}

int cli_missing(const char *cmd, const char *option)
{
  char msg[128];
  snprintf(msg, sizeof msg, "missing required option %s", option);
  return cli_usage(cmd, msg);
}

char *cli_read_file(const char *cmd, const char *path, size_t max, size_t *len)
{
  char why[512];
  /* as a secret: token files, codes and passphrases come this way */
  char *buf = cli_load_file(path, max, true, len, why, sizeof why);
  if (buf == NULL) fprintf(stderr, "domainconnect %s: %s\n", cmd, why);
  return buf;
}

int cli_fail_file(const char *cmd, dc_client *c, dc_status st, const char *path)
{
  char why[160];
  const char *problem = NULL;
  if ((st == DC_E_IO || st == DC_E_KEY || st == DC_E_PSL_FILE) && path != NULL &&
      strcmp(path, "-") != 0)
    problem = cli_file_problem(path, why, sizeof why);
  if (problem == NULL) return cli_fail(cmd, c, st);
  fprintf(stderr, "%s: %s: %s: %s (domainconnect %s)\n", dc_status_name(st),
          dc_status_str(st), path, problem, cmd);
  return EXIT_REFUSED;
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
