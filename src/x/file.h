/* The shared helper tier: reading a file with a cap, writing one atomically.
 * Compiled into the library, the CLI and the sandbox
 * (docs/internals/design.md, "The shared tier"). */
#ifndef DC_X_FILE_H
#define DC_X_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* Why a read failed; errno is kept (EFBIG for DCX_READ_TOO_BIG). */
enum dcx_read_err {
  DCX_READ_OK = 0,
  DCX_READ_OPEN,     /* the file could not be opened */
  DCX_READ_IO,       /* a read failed */
  DCX_READ_TOO_BIG,  /* more than `max` bytes */
  DCX_READ_NOMEM
};

/* Reads all of `fd` (a file, pipe or terminal) into a new NUL-terminated
 * buffer of at most `max` bytes (the caller frees it); *len (may be NULL)
 * gets the length. `secret`: every intermediate copy is wiped. NULL on
 * failure, with the reason in *why (may be NULL). Does not close fd. */
char *dcx_read_fd(int fd, size_t max, bool secret, size_t *len, enum dcx_read_err *why);
/* dcx_read_fd on `path`, opened read-only (O_CLOEXEC) and closed again. */
char *dcx_read_file(const char *path, size_t max, bool secret, size_t *len,
                    enum dcx_read_err *why);

/* Why an atomic write failed; errno is kept. */
enum dcx_write_err {
  DCX_WRITE_OK = 0,
  DCX_WRITE_CREATE,  /* the temporary file beside `path` could not be made */
  DCX_WRITE_IO       /* writing, syncing or renaming it failed (it is removed) */
};

/* Replaces `path` atomically with `len` bytes of `data`: a new temporary
 * file DIR/.NAME.tmp.PID.N (O_EXCL, created with `mode` less the umask),
 * written, fsync'ed, renamed over `path`, then the directory fsync'ed so
 * that the rename itself is durable. Readers see the old or the new file,
 * never a part. Safe from several threads (N differs). */
enum dcx_write_err dcx_write_file_atomic(const char *path, const void *data, size_t len,
                                         unsigned mode);

#endif
