/* discover --batch beyond one machine: the shard of an input (--shard I/N)
 * and the inputs an earlier output already answered (--resume FILE).
 * The hash and the line format are documented in docs/batch-at-scale.md;
 * the parser is fuzzed by fuzz/fuzz_resume.c. No I/O here. */
#ifndef DC_CLI_BATCH_KEYS_H
#define DC_CLI_BATCH_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Highest N of --shard I/N. */
#define CLI_SHARD_MAX 65536
/* Longest input a resume file line may carry (longer lines are not taken
 * as answered: those inputs are discovered again). */
#define CLI_RESUME_INPUT_MAX 4096

/* Parses "I/N": decimal digits only, 1 <= N <= CLI_SHARD_MAX, 0 <= I < N.
 * Returns false for anything else (no sign, no blanks, no suffix). */
bool cli_shard_parse(const char *s, unsigned long *i, unsigned long *n);

/* 64-bit FNV-1a of the input normalised: ASCII letters lowercased and one
 * trailing '.' dropped (the input is already trimmed). The shard of an
 * input is cli_shard_hash(input) % N. */
uint64_t cli_shard_hash(const char *input);

/* The "input" of one complete output line of discover --batch (`len`
 * bytes, without its newline): the line must be a JSON object whose first
 * member is "input" with a string value, and whose braces and brackets
 * (outside strings) close exactly at its end (blanks after it allowed), so
 * a line cut anywhere, or glued to the next after a cut, does not qualify. The decoded string goes to `out` (NUL-terminated,
 * `cap` bytes). Returns its length, or -1 when the line does not qualify
 * (or the string is longer than cap - 1, or holds a NUL). */
long cli_resume_input(const char *line, size_t len, char *out, size_t cap);

/* A set of strings (the answered inputs). */
typedef struct {
  char **slot;
  size_t cap, n;
} cli_keyset;

/* Adds a copy of `key` (no-op when present). false: out of memory. */
bool cli_keyset_add(cli_keyset *set, const char *key);
bool cli_keyset_has(const cli_keyset *set, const char *key);
void cli_keyset_free(cli_keyset *set);

#endif
