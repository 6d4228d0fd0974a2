/* parse-callback: the query a provider redirects the user agent back with,
 * after consent (OAuth callback) or, with --sync, after a synchronous apply. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char k_help[] =
  "usage: domainconnect parse-callback [--sync] [--state STATE | --state-file FILE]\n"
  "         [--query-file FILE]\n\n"
  "Parses the callback URL or query string (read from --query-file, or from\n"
  "standard input; never from the command line, since it carries the\n"
  "authorization code) and checks the state in constant time. Prints\n"
  "{\"outcome\",\"code\",\"state\",\"error\",\"error_description\"} where outcome is\n"
  "ok, user_cancel, access_denied or provider_error; exit 0 only for ok.\n"
  "A malformed query or a state mismatch prints the reason on stderr (exit 1).\n\n"
  "  --sync   the synchronous flow's return (the apply URL's redirect_uri with\n"
  "           state and, on failure, error and error_description appended):\n"
  "           no code is expected (any is ignored), no error means ok; prints\n"
  "           {\"outcome\",\"state\",\"error\",\"error_description\"}. An ok return\n"
  "           does not prove the records were applied (see verify).\n";

int cmd_parse_callback(int argc, char **argv)
{
  static const struct option opts[] = {
    {"state", required_argument, NULL, 's'},
    {"state-file", required_argument, NULL, 'S'},
    {"query-file", required_argument, NULL, 'q'},
    {"sync", no_argument, NULL, 'y'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
  };
  const char *state = NULL, *state_file = NULL, *query_file = "-";
  bool sync = false;
  int ch;
  cli_getopt_reset();
  while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
    switch (ch) {
    case 's': state = optarg; break;
    case 'S': state_file = optarg; break;
    case 'q': query_file = optarg; break;
    case 'y': sync = true; break;
    case 'h': fputs(k_help, stdout); return EXIT_OK;
    default: return cli_usage("parse-callback", "unknown option or missing value");
    }
  }
  if (optind != argc)
    return cli_usage("parse-callback",
                     "the query is read from standard input or --query-file");
  if (state != NULL && state_file != NULL)
    return cli_usage("parse-callback", "--state and --state-file exclude each other");

  char *file_state = NULL;
  if (state_file != NULL) {
    file_state = cli_read_secret_file("parse-callback", state_file);
    if (file_state == NULL) return EXIT_REFUSED;
    state = file_state;
  }
  char *input = cli_read_file("parse-callback", query_file, 64 * 1024, NULL);
  dc_client *c = NULL;
  dc_callback *cb = NULL;
  int rc = EXIT_REFUSED;
  if (input == NULL || dc_client_new(&c) != DC_OK) goto done;
  input[strcspn(input, "\r\n")] = '\0';
  char *q = cli_query_part(input);
  dc_status st = sync ? dc_sync_return_parse(c, q, strlen(q), state, &cb)
                      : dc_callback_parse(c, q, strlen(q), state, &cb);
  if (cb == NULL) { rc = cli_fail("parse-callback", c, st); goto done; }
  const char *outcome = st == DC_OK ? "ok" : dc_status_name(st);
  fputs("{\"outcome\":", stdout);
  cli_json_str(stdout, outcome);
  if (!sync) { /* the synchronous return carries no code */
    fputs(",\"code\":", stdout);
    cli_json_str(stdout, dc_callback_code(cb));
  }
  fputs(",\"state\":", stdout);
  cli_json_str(stdout, dc_callback_state(cb));
  fputs(",\"error\":", stdout);
  cli_json_str(stdout, dc_callback_error(cb));
  fputs(",\"error_description\":", stdout);
  cli_json_str(stdout, dc_callback_error_description(cb));
  fputs("}\n", stdout);
  rc = st == DC_OK ? EXIT_OK : EXIT_REFUSED;
done:
  dc_callback_free(cb);
  dc_client_free(c);
  dcx_free_secret(input);
  dcx_free_secret(file_state);
  return rc;
}
