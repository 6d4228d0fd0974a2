/* Placeholder until the network commands land. */
#include "cli.h"
int cmd_guard(int argc, char **argv) { (void)argc; (void)argv; fputs("not implemented yet\n", stderr); return EXIT_REFUSED; }
