/* Query-string encoding profiles (see query.h, docs/internals/query-encoding.md). */
#include <stdlib.h>
#include <string.h>

#include "proto/query.h"

/* One pair while sorting: the bytes it is ordered by, and where its encoded
 * name sits in the scratch buffer. */
struct qent {
  const char *key;
  size_t klen;
  size_t name_off;
  size_t name_len;
  size_t idx; /* position in the input array */
};

/* Byte-wise comparison; a proper prefix sorts first (as Python's str order
 * and strcmp do). */
static int key_cmp(const struct qent *a, const struct qent *b)
{
  size_t n = a->klen < b->klen ? a->klen : b->klen;
  int d = n ? memcmp(a->key, b->key, n) : 0;
  if (d != 0) return d;
  if (a->klen == b->klen) return 0;
  return a->klen < b->klen ? -1 : 1;
}

/* Stable insertion sort: an entry only moves past entries strictly greater,
 * so equal keys keep their input order. n <= DC_MAX_PARAMS, so the quadratic
 * worst case stays small. */
static void sort_entries(struct qent *e, size_t n)
{
  for (size_t i = 1; i < n; i++) {
    struct qent cur = e[i];
    size_t j = i;
    while (j > 0 && key_cmp(&e[j - 1], &cur) > 0) {
      e[j] = e[j - 1];
      j--;
    }
    e[j] = cur;
  }
}

dc_status dci_query_encode(const struct dci_pair *pairs, size_t n,
                           dc_profile profile, dci_buf *out)
{
  dc_status status = DC_OK;
  struct qent *ents = NULL;
  dci_buf names, q;
  dci_buf_init(&names, DC_MAX_QUERY_LEN);
  dci_buf_init(&q, DC_MAX_QUERY_LEN);

  if (out == NULL || (pairs == NULL && n > 0)) return DC_E_INVALID_ARG;
  if (profile != DC_PROFILE_DEFAULT && profile != DC_PROFILE_PYTHON)
    return DC_E_INVALID_ARG;
  if (n > DC_MAX_PARAMS) return DC_E_LIMIT;
  if (n == 0) return DC_OK;
  for (size_t i = 0; i < n; i++)
    if (pairs[i].name == NULL || pairs[i].value == NULL) return DC_E_INVALID_ARG;

  const bool plus = profile == DC_PROFILE_PYTHON;
  ents = calloc(n, sizeof *ents);
  if (ents == NULL) return DC_E_NOMEM;

  /* Encode every name once: the default profile sorts by these bytes and
   * both profiles emit them. */
  for (size_t i = 0; i < n; i++) {
    ents[i].idx = i;
    ents[i].name_off = names.len;
    DCI_TRY(dci_pct_encode(&names, pairs[i].name, strlen(pairs[i].name), plus));
    ents[i].name_len = names.len - ents[i].name_off;
  }
  for (size_t i = 0; i < n; i++) {
    if (profile == DC_PROFILE_PYTHON) {
      ents[i].key = pairs[i].name; /* raw name: UTF-8 byte order = code-point order */
      ents[i].klen = strlen(pairs[i].name);
    } else {
      /* names.data is final now; an all-empty set of names leaves it NULL */
      ents[i].key = names.data ? names.data + ents[i].name_off : "";
      ents[i].klen = ents[i].name_len;
    }
  }
  sort_entries(ents, n);

  for (size_t i = 0; i < n; i++) {
    const struct dci_pair *p = &pairs[ents[i].idx];
    if (i > 0) DCI_TRY(dci_buf_append_char(&q, '&'));
    if (ents[i].name_len > 0)
      DCI_TRY(dci_buf_append(&q, names.data + ents[i].name_off, ents[i].name_len));
    DCI_TRY(dci_buf_append_char(&q, '='));
    DCI_TRY(dci_pct_encode(&q, p->value, strlen(p->value), plus));
  }
  /* One append: `out` is untouched if it does not fit. */
  DCI_TRY(dci_buf_append(out, q.data, q.len));

done:
  free(ents);
  dci_buf_free(&names);
  dci_buf_free(&q);
  return status;
}

dc_status dci_query_append_sig(dci_buf *q, dc_profile profile,
                               const char *sig_b64, const char *key_id)
{
  dc_status status = DC_OK;
  dci_buf tail;
  dci_buf_init(&tail, DC_MAX_QUERY_LEN);
  if (q == NULL || sig_b64 == NULL || key_id == NULL) return DC_E_INVALID_ARG;

  if (profile == DC_PROFILE_DEFAULT) {
    /* sig last: some providers require it; verifiers strip both pairs. */
    DCI_TRY(dci_buf_append_str(&tail, "&key="));
    DCI_TRY(dci_pct_encode(&tail, key_id, strlen(key_id), false));
    DCI_TRY(dci_buf_append_str(&tail, "&sig="));
    DCI_TRY(dci_pct_encode(&tail, sig_b64, strlen(sig_b64), false));
  } else if (profile == DC_PROFILE_PYTHON) {
    /* "&" + urlencode({"sig": sig, "key": key}) of the reference client. */
    DCI_TRY(dci_buf_append_str(&tail, "&sig="));
    DCI_TRY(dci_pct_encode(&tail, sig_b64, strlen(sig_b64), true));
    DCI_TRY(dci_buf_append_str(&tail, "&key="));
    DCI_TRY(dci_pct_encode(&tail, key_id, strlen(key_id), true));
  } else {
    status = DC_E_INVALID_ARG;
    goto done;
  }
  DCI_TRY(dci_buf_append(q, tail.data, tail.len));

done:
  dci_buf_free(&tail);
  return status;
}

dc_status dci_query_encode_checked(dc_client *c, const struct dci_pair *pairs,
                                   size_t n, dc_profile profile, dci_buf *out)
{
  dc_status st = dci_query_encode(pairs, n, profile, out);
  if (st != DC_E_LIMIT) return st;
  if (n > DC_MAX_PARAMS)
    return dci_fail(c, DC_E_LIMIT, "%zu query parameters, more than %d", n,
                    DC_MAX_PARAMS);
  return dci_fail(c, DC_E_LIMIT, "query is longer than %d bytes", DC_MAX_QUERY_LEN);
}
