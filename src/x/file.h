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
/* Opens `path` read-only (O_CLOEXEC | O_NOCTTY) only if it is a regular
 * file, for inputs that must end (a device such as /dev/zero, a FIFO or a
 * directory never does, or blocks): the open itself is non-blocking (a FIFO
 * without a writer does not hang it), fstat then judges the opened file
 * (no race with a rename), and the descriptor is made blocking again.
 * Returns the descriptor, or -1 with errno kept and *not_regular (may be
 * NULL) true when the file exists but is not a regular file (errno EINVAL).
 * Symbolic links are followed (the file they name is judged). */
int dcx_open_regular(const char *path, bool *not_regular);

/* Why an atomic write failed; errno is kept. */
enum dcx_write_err {
  DCX_WRITE_OK = 0,
  DCX_WRITE_CREATE,  /* the temporary file beside `path` could not be made */
  DCX_WRITE_IO,      /* writing, syncing or renaming it failed (it is removed) */
  DCX_WRITE_NOT_REGULAR /* `path` exists and is not a regular file (a device,
                           FIFO, socket, directory or symbolic link): left
                           untouched, nothing created; errno EPERM (EISDIR
                           for a directory) */
};

/* Replaces `path` atomically with `len` bytes of `data`: a new temporary
 * file DIR/.NAME.tmp.PID.N (O_EXCL, created with `mode` less the umask),
 * written, fsync'ed, renamed over `path`, then the directory fsync'ed so
 * that the rename itself is durable. Readers see the old or the new file,
 * never a part. Safe from several threads (N differs).
 * Only a regular file is ever replaced: an existing `path` that is anything
 * else (lstat: /dev/null, a FIFO, a socket, a directory, and a symbolic
 * link, whatever it points to, because rename would replace the link and
 * not its target) is refused with DCX_WRITE_NOT_REGULAR before anything is
 * created, and checked again just before the rename. Someone who can
 * change the directory between that check and the rename can still put
 * another file there; the check is against accidents (root running
 * `--out /dev/null`), not against the directory's other writers. */
enum dcx_write_err dcx_write_file_atomic(const char *path, const void *data, size_t len,
                                         unsigned mode);
/* A short text for a write failure ("not a regular file (...)", or
 * strerror(err) for the others); static storage or strerror's. */
const char *dcx_write_err_text(enum dcx_write_err e, int err);

#endif
