/* Placeholder until the network commands land. */
#include "cli.h"
int cmd_token(int argc, char **argv) { (void)argc; (void)argv; fputs("not implemented yet\n", stderr); return EXIT_REFUSED; }
int cmd_refresh(int argc, char **argv) { (void)argc; (void)argv; fputs("not implemented yet\n", stderr); return EXIT_REFUSED; }
int cmd_apply(int argc, char **argv) { (void)argc; (void)argv; fputs("not implemented yet\n", stderr); return EXIT_REFUSED; }
int cmd_revert(int argc, char **argv) { (void)argc; (void)argv; fputs("not implemented yet\n", stderr); return EXIT_REFUSED; }
