/* discover --batch: shard hash, resume line parser, string set
 * (batch_keys.h). */
#include "batch_keys.h"

#include <stdlib.h>
#include <string.h>

#include "x/str.h"

bool cli_shard_parse(const char *s, unsigned long *i, unsigned long *n)
{
  /* each side at most 6 digits, as CLI_SHARD_MAX has 5 */
  const char *slash = strchr(s, '/');
  char first[7];
  if (slash == NULL || (size_t)(slash - s) >= sizeof first || strlen(slash + 1) > 6)
    return false;
  memcpy(first, s, (size_t)(slash - s));
  first[slash - s] = '\0';
  long a = 0, b = 0;
  if (!dcx_parse_long(first, 0, CLI_SHARD_MAX, &a) ||
      !dcx_parse_long(slash + 1, 1, CLI_SHARD_MAX, &b) || a >= b)
    return false;
  *i = (unsigned long)a;
  *n = (unsigned long)b;
  return true;
}

/* 64-bit FNV-1a of len bytes, ASCII-lowercased when `fold`. */
static uint64_t fnv1a(const char *p, size_t len, bool fold)
{
  uint64_t h = 14695981039346656037ULL;
  for (size_t k = 0; k < len; k++) {
    unsigned char ch = (unsigned char)p[k];
    h ^= fold ? dcx_lower(ch) : ch;
    h *= 1099511628211ULL;
  }
  return h;
}

uint64_t cli_shard_hash(const char *input)
{
  size_t len = strlen(input);
  if (len > 0 && input[len - 1] == '.') len--;
  return fnv1a(input, len, true);
}

/* ---- the resume line parser */

struct cur {
  const char *p, *end;
};

static void skip_ws(struct cur *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
    c->p++;
}

static bool take(struct cur *c, const char *lit)
{
  size_t n = strlen(lit);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0) return false;
  c->p += n;
  return true;
}

static int hex4(struct cur *c)
{
  if (c->end - c->p < 4) return -1;
  int v = 0;
  for (int k = 0; k < 4; k++) {
    char ch = c->p[k];
    int d = ch >= '0' && ch <= '9'   ? ch - '0'
            : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
            : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                     : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  c->p += 4;
  return v;
}

/* \uXXXX (after the "\u"), a surrogate pair as one code point; 0 and lone
 * surrogates refused. Returns the code point or -1. */
static long code_point(struct cur *c)
{
  int hi = hex4(c);
  if (hi <= 0) return -1;
  if (hi >= 0xdc00 && hi <= 0xdfff) return -1;
  if (hi < 0xd800 || hi > 0xdbff) return hi;
  if (!take(c, "\\u")) return -1;
  int lo = hex4(c);
  if (lo < 0xdc00 || lo > 0xdfff) return -1;
  return 0x10000 + (((long)hi - 0xd800) << 10) + (lo - 0xdc00);
}

/* Appends code point `cp` as UTF-8; false when it does not fit. */
static bool put_utf8(char *out, size_t cap, size_t *n, long cp)
{
  unsigned char b[4];
  size_t k;
  if (cp < 0x80) {
    b[0] = (unsigned char)cp;
    k = 1;
  } else if (cp < 0x800) {
    b[0] = (unsigned char)(0xc0 | (cp >> 6));
    b[1] = (unsigned char)(0x80 | (cp & 0x3f));
    k = 2;
  } else if (cp < 0x10000) {
    b[0] = (unsigned char)(0xe0 | (cp >> 12));
    b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    b[2] = (unsigned char)(0x80 | (cp & 0x3f));
    k = 3;
  } else {
    b[0] = (unsigned char)(0xf0 | (cp >> 18));
    b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
    b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
    b[3] = (unsigned char)(0x80 | (cp & 0x3f));
    k = 4;
  }
  if (*n + k >= cap) return false;
  memcpy(out + *n, b, k);
  *n += k;
  return true;
}

/* A JSON string after its opening quote, decoded into out; -1 on error. */
static long json_string(struct cur *c, char *out, size_t cap)
{
  size_t n = 0;
  while (c->p < c->end) {
    unsigned char ch = (unsigned char)*c->p++;
    long cp = ch;
    if (ch == '"') {
      out[n] = '\0';
      return (long)n;
    }
    if (ch < 0x20) return -1;
    if (ch == '\\') {
      if (c->p >= c->end) return -1;
      char e = *c->p++;
      switch (e) {
      case '"': case '\\': case '/': cp = e; break;
      case 'b': cp = '\b'; break;
      case 'f': cp = '\f'; break;
      case 'n': cp = '\n'; break;
      case 'r': cp = '\r'; break;
      case 't': cp = '\t'; break;
      case 'u': cp = code_point(c); break;
      default: return -1;
      }
      if (cp < 0) return -1;
      if (!put_utf8(out, cap, &n, cp)) return -1;
      continue;
    }
    if (n + 1 >= cap) return -1;
    out[n++] = (char)ch;  /* other bytes (UTF-8 included) as they are */
  }
  return -1;
}

/* The rest of the object after its first member: strings skipped, braces
 * and brackets counted; true when the object closes and only blanks follow.
 * A line cut anywhere (or two lines glued after a cut) never closes at the
 * end. Not a JSON validator: the CLI wrote these lines. */
static bool balanced_end(struct cur *c)
{
  size_t depth = 1;
  bool in_str = false;
  while (c->p < c->end && depth > 0) {
    char ch = *c->p++;
    if (in_str) {
      if (ch == '\\') {
        if (c->p >= c->end) return false;
        c->p++;
      } else if (ch == '"') {
        in_str = false;
      }
    } else if (ch == '"') {
      in_str = true;
    } else if (ch == '{' || ch == '[') {
      depth++;
    } else if (ch == '}' || ch == ']') {
      depth--;
    }
  }
  if (depth != 0) return false;
  skip_ws(c);
  return c->p == c->end;
}

long cli_resume_input(const char *line, size_t len, char *out, size_t cap)
{
  struct cur c = {line, line + len};
  if (cap == 0) return -1;
  skip_ws(&c);
  if (!take(&c, "{")) return -1;
  skip_ws(&c);
  if (!take(&c, "\"input\"")) return -1;
  skip_ws(&c);
  if (!take(&c, ":")) return -1;
  skip_ws(&c);
  if (!take(&c, "\"")) return -1;
  long n = json_string(&c, out, cap);
  if (n < 0) return -1;
  /* the rest must be the object's other members or its end: a line cut
   * after the input is not an answer */
  skip_ws(&c);
  if (c.p >= c.end || (*c.p != ',' && *c.p != '}')) return -1;
  return balanced_end(&c) ? n : -1;
}

/* ---- the string set: open addressing, linear probing, load <= 1/2 */

static size_t slot_of(const cli_keyset *set, const char *key)
{
  size_t mask = set->cap - 1;
  size_t i = (size_t)fnv1a(key, strlen(key), false) & mask;
  while (set->slot[i] != NULL && strcmp(set->slot[i], key) != 0) i = (i + 1) & mask;
  return i;
}

static bool grow(cli_keyset *set)
{
  size_t ncap = set->cap ? set->cap * 2 : 1024;
  if (ncap < set->cap) return false;
  char **ns = calloc(ncap, sizeof *ns);
  if (ns == NULL) return false;
  cli_keyset bigger = {ns, ncap, set->n};
  for (size_t k = 0; k < set->cap; k++)
    if (set->slot[k] != NULL) ns[slot_of(&bigger, set->slot[k])] = set->slot[k];
  free(set->slot);
  *set = bigger;
  return true;
}

bool cli_keyset_add(cli_keyset *set, const char *key)
{
  if ((set->n + 1) * 2 > set->cap && !grow(set)) return false;
  size_t i = slot_of(set, key);
  if (set->slot[i] != NULL) return true;
  size_t len = strlen(key) + 1;
  char *copy = malloc(len);
  if (copy == NULL) return false;
  memcpy(copy, key, len);
  set->slot[i] = copy;
  set->n++;
  return true;
}

bool cli_keyset_has(const cli_keyset *set, const char *key)
{
  return set->cap > 0 && set->slot[slot_of(set, key)] != NULL;
}

void cli_keyset_free(cli_keyset *set)
{
  for (size_t k = 0; k < set->cap; k++) free(set->slot[k]);
  free(set->slot);
  set->slot = NULL;
  set->cap = set->n = 0;
}
