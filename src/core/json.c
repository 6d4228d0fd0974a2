#include <string.h>

#include "core/json.h"

static bool within_limits(const json_t *v, int depth, bool *too_deep)
{
  if (depth > DC_MAX_JSON_DEPTH) { *too_deep = true; return false; }
  if (json_is_string(v)) return json_string_length(v) <= DC_MAX_JSON_STRING;
  if (json_is_object(v)) {
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
      if (strlen(k) > DC_MAX_JSON_STRING) return false;
      if (!within_limits(x, depth + 1, too_deep)) return false;
    }
  } else if (json_is_array(v)) {
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
      if (!within_limits(x, depth + 1, too_deep)) return false;
    }
  }
  return true;
}

dc_status dci_json_load(dc_client *c, const char *what, const char *text,
                        size_t len, size_t max_len, bool want_object,
                        bool sensitive, json_t **out)
{
  *out = NULL;
  if (len > max_len)
    return dci_fail(c, DC_E_LIMIT, "%s document is %zu bytes, limit %zu", what,
                    len, max_len);
  /* jansson's own parser is recursive; reject deep nesting before it runs
   * so an adversarial document cannot exhaust the stack. */
  size_t depth = 0, maxdepth = 0;
  bool in_str = false;
  for (size_t i = 0; i < len; i++) {
    char ch = text[i];
    if (in_str) {
      if (ch == '\\') i++;
      else if (ch == '"') in_str = false;
      continue;
    }
    if (ch == '"') in_str = true;
    else if (ch == '{' || ch == '[') { if (++depth > maxdepth) maxdepth = depth; }
    else if ((ch == '}' || ch == ']') && depth > 0) depth--;
  }
  if (maxdepth > DC_MAX_JSON_DEPTH)
    return dci_fail(c, DC_E_LIMIT, "%s document nests deeper than %d", what,
                    DC_MAX_JSON_DEPTH);
  json_error_t err;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
  /* jansson sets no error text at all when one of its allocations fails
   * (json_object() returning NULL); it reports others as out_of_memory or,
   * in its lexer, as a syntax error: those stay DC_E_JSON (tests/torture). */
  if (root == NULL && (json_error_code(&err) == json_error_out_of_memory || err.text[0] == '\0'))
    return dci_fail(c, DC_E_NOMEM, "%s: out of memory while parsing", what);
  if (root == NULL && sensitive) {
    return dci_fail(c, DC_E_JSON, "%s: invalid JSON at line %d column %d", what,
                    err.line, err.column);
  }
  if (root == NULL) {
    char safe[160];
    dci_sanitize(safe, sizeof safe, err.text, strlen(err.text), 150);
    return dci_fail(c, DC_E_JSON, "%s: invalid JSON at line %d column %d: %s",
                    what, err.line, err.column, safe);
  }
  bool too_deep = false;
  if (!within_limits(root, 1, &too_deep)) {
    json_decref(root);
    return dci_fail(c, DC_E_LIMIT, "%s: %s", what,
                    too_deep ? "nesting too deep" : "a string is too long");
  }
  if (want_object && !json_is_object(root)) {
    json_decref(root);
    return dci_fail(c, DC_E_JSON, "%s: top level is not a JSON object", what);
  }
  *out = root;
  return DC_OK;
}

dc_status dci_json_args(dc_client *c, const char *name, bool have_out, bool have_text)
{
  dci_clear(c);
  if (!have_out) return dci_fail(c, DC_E_INVALID_ARG, "%s: out is NULL", name);
  if (!have_text) return dci_fail(c, DC_E_INVALID_ARG, "%s: json is NULL", name);
  return DC_OK;
}

dc_status dci_json_append_str(dci_buf *b, const char *s)
{
  static const char hex[] = "0123456789abcdef";
  dc_status st = dci_buf_append_char(b, '"');
  for (; st == DC_OK && *s != '\0'; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') {
      char esc[2] = {'\\', (char)ch};
      st = dci_buf_append(b, esc, 2);
    } else if (ch < 0x20 || ch == 0x7f) {
      char esc[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
      st = dci_buf_append(b, esc, 6);
    } else {
      st = dci_buf_append_char(b, (char)ch);
    }
  }
  if (st == DC_OK) st = dci_buf_append_char(b, '"');
  return st;
}
