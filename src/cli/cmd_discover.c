/* Placeholder until the network commands land. */
#include "cli.h"
int cmd_discover(int argc, char **argv) { (void)argc; (void)argv; fputs("not implemented yet\n", stderr); return EXIT_REFUSED; }
int cmd_check_template(int argc, char **argv) { (void)argc; (void)argv; fputs("not implemented yet\n", stderr); return EXIT_REFUSED; }
