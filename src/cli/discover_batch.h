/* discover --batch (cmd_discover_batch.c), started by cmd_discover.c. */
#ifndef DC_CLI_DISCOVER_BATCH_H
#define DC_CLI_DISCOVER_BATCH_H

#include <stdbool.h>

#include "domainconnect/dc.h"

struct batch_opts {
  const char *file;    /* --batch */
  long concurrency;
  long cache_ttl;
  const char *shard;   /* --shard I/N as given (checked by cli_batch_check) */
  unsigned long shard_i, shard_n;
  const char *resume;  /* --resume FILE */
  bool progress;       /* --progress */
};

/* Checks the batch-only options after parsing; -1 to go on, or the exit
 * code (2 for a usage error). */
int cli_batch_check(const char *cmd, struct batch_opts *bo);
/* Runs the batch; returns the exit code. */
int cli_batch_run(const char *cmd, dc_client *c, const struct batch_opts *bo);
/* One ok line {"input":...,"status":"ok",...} as discover prints the
 * settings (cmd_discover.c); EXIT_OK or the exit code. */
int cli_discover_print_line(const dc_settings *s, const char *input);

#endif
