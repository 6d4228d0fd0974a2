/* domainconnect CLI: shared helpers (public API only). */
#ifndef DC_CLI_H
#define DC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "domainconnect/dc.h"
/* The shared helper tier (src/x/), compiled into the CLI too. */
#include "x/buf.h"
#include "x/file.h"
#include "x/str.h"

/* Exit codes (documented in docs/domainconnect.1). */
enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2 };

/* Prints "NAME: <status text>[: detail] (domainconnect CMD)" on stderr,
 * NAME being dc_status_name(st); returns 1. */
int cli_fail(const char *cmd, dc_client *c, dc_status st);
/* Prints a usage error and the hint to --help; returns 2. */
int cli_usage(const char *cmd, const char *msg);
/* The usage error for a required option left out: "missing required
 * option OPTION" (OPTION as typed, e.g. "--settings"); returns 2. */
int cli_missing(const char *cmd, const char *option);

/* Reads a whole file ("-" = stdin) into a new NUL-terminated buffer
 * (dcx_read_file, intermediate copies wiped); max bytes; returns NULL and
 * prints an error on failure. */
char *cli_read_file(const char *cmd, const char *path, size_t max, size_t *len);
/* The same without printing: on failure NULL, and `why` (whylen bytes)
 * says which file and whether it is missing or unreadable, e.g.
 * "zone.json: missing (no such file)", "zone.json: unreadable (permission
 * denied)", "zone.json: larger than N bytes". `secret`: as dcx_read_file. */
char *cli_load_file(const char *path, size_t max, bool secret, size_t *len, char *why,
                    size_t whylen);
/* Why `path` cannot be read, for a message after a library call that
 * reads a file failed (dc_template_load, dc_signer_new_from_file,
 * dc_client_set_psl_file): "missing (no such file)" or "unreadable
 * (REASON)" in `out` (returned); NULL when the file opens and reads (its
 * content is the problem). Opens it again to find out. */
const char *cli_file_problem(const char *path, char *out, size_t n);
/* cli_fail; but when st is DC_E_IO, DC_E_KEY or DC_E_PSL_FILE and `path`
 * cannot be read: "NAME: TEXT: PATH: missing|unreadable (...) (domainconnect
 * CMD)". Returns 1. */
int cli_fail_file(const char *cmd, dc_client *c, dc_status st, const char *path);
/* Reads the first line of a file (for passphrase/secret files); trailing
 * CR/LF removed. The caller wipes and frees it (dcx_free_secret). */
char *cli_read_secret_file(const char *cmd, const char *path);

/* JSON string output (escapes quotes, backslash, control bytes; passes
 * UTF-8 through). NULL prints null. */
void cli_json_str(FILE *f, const char *s);

/* Returns the query part of a URL (after '?', before '#'), or the input
 * itself when it has no '?'. Borrowed pointer into `s` (modifies '#'). */
char *cli_query_part(char *s);

int cmd_zone_split(int argc, char **argv);
int cmd_settings_check(int argc, char **argv);
int cmd_sync_url(int argc, char **argv);
int cmd_consent_url(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify_sig(int argc, char **argv);
int cmd_pubkey_records(int argc, char **argv);
int cmd_parse_callback(int argc, char **argv);
int cmd_guard(int argc, char **argv);          /* cmd_guard.c */
int cmd_discover(int argc, char **argv);       /* cmd_discover.c */
/* The settings document's unknown members as they came
 * (dc_settings_unknown_json), printed by discover and settings-check as
 * ,"unknown":{...} before their object's closing brace: *out is NULL when
 * there are none (nothing to print). cmd_discover.c. */
dc_status cli_settings_unknown(const dc_settings *s, char **out);
int cmd_check_template(int argc, char **argv); /* cmd_discover.c */
int cmd_token(int argc, char **argv);          /* cmd_oauth.c */
int cmd_refresh(int argc, char **argv);        /* cmd_oauth.c */
int cmd_apply(int argc, char **argv);          /* cmd_oauth.c */
int cmd_revert(int argc, char **argv);         /* cmd_oauth.c */
int cmd_template(int argc, char **argv);       /* cmd_template.c */
/* `template apply --batch PATH` (cmd_template_batch.c): returns the exit
 * status (0, EXIT_BATCH_PARTIAL, 1). */
int cli_template_batch(const char *path);
int cmd_verify(int argc, char **argv);         /* cmd_verify.c */

/* Exit code of `apply` when the provider reports conflicting records (the
 * records are printed as JSON on stdout). */
enum { EXIT_CONFLICT = 3 };
/* Exit code of `template apply --batch` when some lines failed (each has
 * its error line); 0 when every line applied. */
enum { EXIT_BATCH_PARTIAL = 4 };

/* Network options shared by every network command (netopts.c):
 *   --dns-server HOST:PORT (repeatable), --ca-file FILE, --timeout-ms MS,
 *   --test-allow-address IP[:PORT] (TEST ONLY, repeatable).
 * cli_netopt_long lists them for getopt_long (terminated by a zero entry;
 * their values start at CLI_NETOPT_BASE). cli_netopt_apply handles one:
 * returns 0 when handled, else an exit code with its message printed: 2 on
 * a usage error (also "unknown option or missing value" when `ch` is not a
 * network option: the `default:` of a command's getopt loop), 1 on
 * failure. */
#include <getopt.h>
enum { CLI_NETOPT_BASE = 1000 };
extern const struct option cli_netopt_long[];
extern const char cli_netopt_help[];
int cli_netopt_apply(const char *cmd, dc_client *c, int ch, const char *arg);
/* Appends ,"dnssec":{"state","txt","host"[,"why" when bogus]} to a JSON
 * object being printed, nothing when the state is unchecked (policy off). */
void cli_print_dnssec(FILE *f, dc_dnssec_state overall, dc_dnssec_state txt,
                      dc_dnssec_state host, const char *why);

/* Option tables for getopt_long: dst (room for cap entries) gets `mine` (n
 * entries) and then `more` (terminated by a zero entry; NULL for none, e.g.
 * cli_netopt_long), and a terminating zero entry; what does not fit is left
 * out. */
void cli_opts_merge(struct option *dst, size_t cap, const struct option *mine, size_t n,
                    const struct option *more);
/* A number option: *out = arg when it is a whole decimal number in
 * [min, max] (dcx_parse_long) and 0, else the usage error `msg` (2). */
int cli_number(const char *cmd, const char *arg, long min, long max, long *out,
               const char *msg);
/* Before a command's getopt_long loop: optind = 1 and opterr = 0 (the
 * command reports errors itself, with cli_usage). */
void cli_getopt_reset(void);

#endif
