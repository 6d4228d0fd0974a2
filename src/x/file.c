/* Reading a file with a cap, writing one atomically (x/file.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "x/file.h"
#include "x/str.h"

static char *read_failed(char *buf, size_t cap, bool secret, enum dcx_read_err e,
                         enum dcx_read_err *why)
{
  int saved = errno;
  if (buf != NULL && secret) dcx_wipe(buf, cap);
  free(buf);
  if (why != NULL) *why = e;
  errno = saved;
  return NULL;
}

/* A bigger buffer holding the first n bytes of buf (wiped when secret). */
static char *grow(char *buf, size_t n, size_t ncap, size_t cap, bool secret)
{
  if (!secret) return realloc(buf, ncap);
  char *nb = malloc(ncap);
  if (nb == NULL) return NULL;
  memcpy(nb, buf, n);
  dcx_wipe(buf, cap);
  free(buf);
  return nb;
}

char *dcx_read_fd(int fd, size_t max, bool secret, size_t *len, enum dcx_read_err *why)
{
  /* room for max + 1 bytes (to see that there are more than max) and a NUL */
  size_t limit = max < SIZE_MAX - 2 ? max + 2 : SIZE_MAX;
  struct stat st;
  size_t cap = 4096;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size < limit)
    cap = (size_t)st.st_size + 2;
  if (cap > limit) cap = limit;
  char *buf = malloc(cap);
  if (buf == NULL) return read_failed(NULL, 0, secret, DCX_READ_NOMEM, why);
  size_t n = 0;
  for (;;) {
    if (n + 1 == cap) {
      if (n > max) break;
      size_t ncap = cap <= limit / 2 ? cap * 2 : limit;
      char *nb = grow(buf, n, ncap, cap, secret);
      if (nb == NULL) {
        errno = ENOMEM;
        return read_failed(buf, cap, secret, DCX_READ_NOMEM, why);
      }
      buf = nb;
      cap = ncap;
    }
    ssize_t r = read(fd, buf + n, cap - 1 - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return read_failed(buf, cap, secret, DCX_READ_IO, why);
    if (r == 0) break;
    n += (size_t)r;
  }
  if (n > max) {
    errno = EFBIG;
    return read_failed(buf, cap, secret, DCX_READ_TOO_BIG, why);
  }
  buf[n] = '\0';
  if (len != NULL) *len = n;
  if (why != NULL) *why = DCX_READ_OK;
  return buf;
}

char *dcx_read_file(const char *path, size_t max, bool secret, size_t *len,
                    enum dcx_read_err *why)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return read_failed(NULL, 0, secret, DCX_READ_OPEN, why);
  char *data = dcx_read_fd(fd, max, secret, len, why);
  int saved = errno;
  close(fd);
  errno = saved;
  return data;
}

int dcx_open_regular(const char *path, bool *not_regular)
{
  if (not_regular != NULL) *not_regular = false;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return -1;
  struct stat st;
  int flags;
  if (fstat(fd, &st) != 0) goto fail;
  if (!S_ISREG(st.st_mode)) {
    if (not_regular != NULL) *not_regular = true;
    errno = EINVAL;
    goto fail;
  }
  flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) goto fail;
  return fd;
fail:;
  int saved = errno;
  close(fd);
  errno = saved;
  return -1;
}

/* DCX_WRITE_OK when `path` does not exist or is a regular file (not a
 * symbolic link); DCX_WRITE_NOT_REGULAR (errno EPERM, EISDIR for a
 * directory) when it is anything else. Other lstat failures pass: creating
 * the temporary file or the rename reports them. */
static enum dcx_write_err target_ok(const char *path)
{
  struct stat st;
  if (lstat(path, &st) != 0 || S_ISREG(st.st_mode)) return DCX_WRITE_OK;
  errno = S_ISDIR(st.st_mode) ? EISDIR : EPERM;
  return DCX_WRITE_NOT_REGULAR;
}

const char *dcx_write_err_text(enum dcx_write_err e, int err)
{
  if (e == DCX_WRITE_NOT_REGULAR)
    return "not a regular file (a device, FIFO, socket, directory or symbolic link "
           "is never replaced)";
  return strerror(err);
}

/* Writes all of data to fd. */
static bool write_all(int fd, const char *p, size_t left)
{
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    left -= (size_t)n;
  }
  return true;
}

/* Creates the temporary file beside the target (O_EXCL); -1 with errno. */
static int create_temp(const char *dir, const char *name, unsigned mode, char *tmp,
                       size_t tmpsz)
{
  static atomic_uint seq;
  for (int attempt = 0; attempt < 100; attempt++) {
    unsigned n = atomic_fetch_add(&seq, 1u);
    int w = snprintf(tmp, tmpsz, "%s/.%s.tmp.%ld.%u", dir, name, (long)getpid(), n);
    if (w < 0 || (size_t)w >= tmpsz) {
      errno = ENAMETOOLONG;
      return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

enum dcx_write_err dcx_write_file_atomic(const char *path, const void *data, size_t len,
                                         unsigned mode)
{
  char dir[PATH_MAX], tmp[PATH_MAX];
  const char *slash = strrchr(path, '/');
  const char *name = slash != NULL ? slash + 1 : path;
  int w = slash == NULL   ? snprintf(dir, sizeof dir, ".")
          : slash == path ? snprintf(dir, sizeof dir, "/")
                          : snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  if (w < 0 || (size_t)w >= sizeof dir) {
    errno = ENAMETOOLONG;
    return DCX_WRITE_CREATE;
  }
  /* docs/security.md §7.6: only a regular file is ever replaced */
  if (target_ok(path) != DCX_WRITE_OK) return DCX_WRITE_NOT_REGULAR;
  int fd = create_temp(strcmp(dir, "/") == 0 ? "" : dir, name, mode, tmp, sizeof tmp);
  if (fd < 0) return DCX_WRITE_CREATE;
  if (!write_all(fd, data, len) || fsync(fd) != 0) goto fail;
  int rc = close(fd);
  fd = -1;
  if (rc != 0) goto fail;
  if (target_ok(path) != DCX_WRITE_OK) {
    int saved = errno;
    unlink(tmp);
    errno = saved;
    return DCX_WRITE_NOT_REGULAR;
  }
  if (rename(tmp, path) != 0) goto fail;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
  return DCX_WRITE_OK;
fail:;
  int saved = errno;
  if (fd >= 0) close(fd);
  unlink(tmp);
  errno = saved;
  return DCX_WRITE_IO;
}
