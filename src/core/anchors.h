/* DNSSEC trust anchors (internal): the parser of the one-line DS/DNSKEY
 * form dc_client_add_trust_anchor takes and anchor files hold
 * (docs/security.md §8), and the list a client keeps. A parser of
 * untrusted-shaped input: fuzz/fuzz_trust_anchor.c. */
#ifndef DC_CORE_ANCHORS_H
#define DC_CORE_ANCHORS_H

#include "core/internal.h"

/* One line (without its newline): DC_OK with *empty true for a blank or
 * comment-only line; DC_OK with the anchor normalised into rr ("OWNER. TYPE
 * RDATA", the root as ".") and its owner (lower case, no trailing dot, ""
 * for the root); else DC_E_INVALID_ARG with a static reason in *why, or
 * DC_E_LIMIT (a line over DC_MAX_TRUST_ANCHOR_LINE). rr needs
 * DC_MAX_TRUST_ANCHOR_LINE + 1 bytes, owner DC_MAX_NAME_LEN + 1. */
dc_status dci_ta_parse_line(const char *line, size_t len, char *rr, char *owner,
                            bool *empty, const char **why);
/* Every line of `text` appended to *l (on failure *l is left as it was):
 * DC_OK; DC_E_INVALID_ARG (a bad line: *line_no = its number, *why the
 * reason; or no anchor at all: *line_no = 0); DC_E_LIMIT (more than
 * DC_MAX_TRUST_ANCHORS in all, or a long line); DC_E_NOMEM. */
dc_status dci_ta_parse_text(const char *text, size_t len, struct dci_ta_list *l,
                            size_t *line_no, const char **why);
/* Reads an anchor file into *l (dci_ta_parse_text), recording failures on c
 * as "trust anchor file PATH: ..." (DC_E_IO, DC_E_LIMIT, DC_E_INVALID_ARG,
 * DC_E_NOMEM). */
dc_status dci_ta_read_file(dc_client *c, const char *path, struct dci_ta_list *l);
/* Does an anchor of l cover `name` (the name or an ancestor is an owner)? */
bool dci_ta_covers(const struct dci_ta_list *l, const char *name);

#endif
