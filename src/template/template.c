/* Template documents: parsing, validation, accessors, normalised JSON.
 *
 * What is checked here is the template's structure (the schema, the
 * spec's "fields per record type" table, enums, dc-id syntax, %variable%
 * syntax, numeric field forms). Record contents are checked when applying,
 * after substitution, because most of them may hold variables and because
 * the conformance suite expects InvalidData (DC_E_RECORD) for them.
 * docs/template-engine.md lists every rule. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/validate.h"
#include "template/tpl_internal.h"
#include "x/file.h"

/* ---- record fields: which types may carry them */
enum {
  F_HOST = 1u << 0,
  F_NAME = 1u << 1,
  F_POINTSTO = 1u << 2,
  F_DATA = 1u << 3,
  F_TARGET = 1u << 4,
  F_SPFRULES = 1u << 5,
  F_PROTOCOL = 1u << 6,
  F_SERVICE = 1u << 7,
  F_TTL = 1u << 8,
  F_PRIORITY = 1u << 9,
  F_WEIGHT = 1u << 10,
  F_PORT = 1u << 11,
  F_TXTMODE = 1u << 12,
  F_TXTPREFIX = 1u << 13,
  F_GROUP = 1u << 14,
  F_ESSENTIAL = 1u << 15,
  F_TYPE = 1u << 16
};

static const struct {
  const char *name;
  unsigned bit;
} k_fields[] = {
  {"type", F_TYPE},         {"host", F_HOST},
  {"name", F_NAME},         {"pointsTo", F_POINTSTO},
  {"data", F_DATA},         {"target", F_TARGET},
  {"spfRules", F_SPFRULES}, {"protocol", F_PROTOCOL},
  {"service", F_SERVICE},   {"ttl", F_TTL},
  {"priority", F_PRIORITY}, {"weight", F_WEIGHT},
  {"port", F_PORT},         {"txtConflictMatchingMode", F_TXTMODE},
  {"txtConflictMatchingPrefix", F_TXTPREFIX},
  {"groupId", F_GROUP},     {"essential", F_ESSENTIAL},
};

static const char *const k_record_field_names[] = {
  "type", "host", "name", "pointsTo", "data", "target", "spfRules", "protocol", "service",
  "ttl", "priority", "weight", "port", "txtConflictMatchingMode",
  "txtConflictMatchingPrefix", "groupId", "essential", NULL,
};

#define F_COMMON (F_TYPE | F_GROUP | F_ESSENTIAL)

/* Allowed and required fields per kind. ttl is allowed (and ignored) on
 * REDIR301/302 and optional on SPFM: real templates carry it. */
static void fields_of(enum dci_kind k, unsigned *allowed, unsigned *required)
{
  switch (k) {
  case DCI_K_A:
  case DCI_K_AAAA:
  case DCI_K_CNAME:
  case DCI_K_NS:
    *allowed = F_COMMON | F_HOST | F_POINTSTO | F_TTL;
    *required = F_HOST | F_POINTSTO | F_TTL;
    break;
  case DCI_K_MX:
    *allowed = F_COMMON | F_HOST | F_POINTSTO | F_TTL | F_PRIORITY;
    *required = F_HOST | F_POINTSTO | F_TTL | F_PRIORITY;
    break;
  case DCI_K_TXT:
    *allowed = F_COMMON | F_HOST | F_DATA | F_TTL | F_TXTMODE | F_TXTPREFIX;
    *required = F_HOST | F_DATA | F_TTL;
    break;
  case DCI_K_SRV:
    *allowed = F_COMMON | F_NAME | F_TARGET | F_TTL | F_PRIORITY | F_PROTOCOL |
               F_SERVICE | F_WEIGHT | F_PORT;
    *required = F_NAME | F_TARGET | F_TTL | F_PRIORITY | F_PROTOCOL | F_SERVICE |
                F_WEIGHT | F_PORT;
    break;
  case DCI_K_SPFM:
    *allowed = F_COMMON | F_HOST | F_SPFRULES | F_TTL;
    *required = F_HOST | F_SPFRULES;
    break;
  case DCI_K_APEXCNAME:
    *allowed = F_COMMON | F_HOST | F_POINTSTO | F_TTL;
    *required = F_POINTSTO | F_TTL;
    break;
  case DCI_K_REDIR301:
  case DCI_K_REDIR302:
    *allowed = F_COMMON | F_HOST | F_TARGET | F_TTL;
    *required = F_TARGET;
    break;
  case DCI_K_OTHER:
  default:
    *allowed = F_COMMON | F_HOST | F_DATA | F_TTL;
    *required = F_HOST | F_DATA | F_TTL;
    break;
  }
}

static void free_rec(struct dci_trec *r)
{
  free(r->type);
  free(r->host);
  free(r->points_to);
  free(r->data);
  free(r->target);
  free(r->spf_rules);
  free(r->protocol);
  free(r->service);
  free(r->ttl.expr);
  free(r->priority.expr);
  free(r->weight.expr);
  free(r->port.expr);
  free(r->group_id);
  free(r->txt_prefix);
}

DC_API void dc_template_free(dc_template *t)
{
  if (t == NULL) return;
  for (size_t i = 0; i < t->nrecs; i++) free_rec(&t->recs[i]);
  free(t->recs);
  free(t->provider_id);
  free(t->provider_name);
  free(t->service_id);
  free(t->service_name);
  free(t->logo_url);
  free(t->description);
  free(t->variable_description);
  free(t->sync_pub_key_domain);
  free(t->sync_redirect_domain);
  free(t);
}

/* A JSON string member as a new C string (no NUL bytes inside). */
static dc_status get_string(dc_client *c, json_t *v, const char *where, char **out)
{
  if (!json_is_string(v))
    return dci_fail(c, DC_E_TEMPLATE, "%s: not a string", where);
  const char *s = json_string_value(v);
  size_t n = json_string_length(v);
  if (strlen(s) != n) return dci_fail(c, DC_E_TEMPLATE, "%s: contains a NUL byte", where);
  *out = dci_strndup(s, n);
  return *out ? DC_OK : dci_fail(c, DC_E_NOMEM, "out of memory");
}

/* A string field that may hold variables. */
static dc_status get_var_string(dc_client *c, json_t *v, const char *where, char **out)
{
  dc_status st = get_string(c, v, where, out);
  if (st != DC_OK) return st;
  const char *why = dci_var_syntax_problem(*out);
  if (why != NULL) return dci_fail(c, DC_E_TEMPLATE, "%s: %s", where, why);
  return DC_OK;
}

/* A numeric field: JSON integer, digit string, or a string with
 * variables (the sole-variable rule is checked at apply: DC_E_RECORD). */
static dc_status get_num(dc_client *c, json_t *v, const char *where, long max,
                         struct dci_tnum *out)
{
  out->present = true;
  if (json_is_integer(v)) {
    json_int_t x = json_integer_value(v);
    if (x < 0 || x > max)
      return dci_fail(c, DC_E_TEMPLATE, "%s: %" JSON_INTEGER_FORMAT " is outside 0..%ld",
                      where, x, max);
    out->value = (long)x;
    return DC_OK;
  }
  if (json_is_real(v)) {
    /* 3600.0: a whole number written as a real (tools that emit every
     * number as a double); 3600.5 is refused (docs/template-engine.md,
     * "Templates as published"). */
    double d = json_real_value(v);
    if (!(d >= 0.0 && d <= (double)max) || (double)(long)d != d)
      return dci_fail(c, DC_E_TEMPLATE, "%s: not a whole number in 0..%ld", where, max);
    out->value = (long)d;
    return DC_OK;
  }
  if (!json_is_string(v))
    return dci_fail(c, DC_E_TEMPLATE, "%s: neither an integer nor a string", where);
  const char *s = json_string_value(v);
  size_t n = json_string_length(v);
  if (strlen(s) != n) return dci_fail(c, DC_E_TEMPLATE, "%s: contains a NUL byte", where);
  if (strchr(s, '%') != NULL) {
    const char *why = dci_var_syntax_problem(s);
    if (why != NULL) return dci_fail(c, DC_E_TEMPLATE, "%s: %s", where, why);
    out->expr = dci_strdup(s);
    return out->expr ? DC_OK : dci_fail(c, DC_E_NOMEM, "out of memory");
  }
  long x = 0;
  bool ok = n > 0 && n <= 10;
  for (size_t i = 0; ok && i < n; i++) {
    if (!dci_is_digit((unsigned char)s[i])) ok = false;
    else x = x * 10 + (s[i] - '0');
  }
  if (!ok) {
    char safe[48];
    dci_sanitize(safe, sizeof safe, s, n, 32);
    return dci_fail(c, DC_E_TEMPLATE, "%s: '%s' is neither an integer nor a %%variable%%",
                    where, safe);
  }
  if (x > max) return dci_fail(c, DC_E_TEMPLATE, "%s: %ld is outside 0..%ld", where, x, max);
  out->value = x;
  return DC_OK;
}

static bool eq_nocase(const char *a, const char *b)
{
  return dci_streq_nocase(a, b);
}

/* An optional field present but empty (""): published templates carry
 * them, e.g. "syncRedirectDomain": "". Where the field's absence means the
 * same as an empty value, it is read as absent. */
static bool empty_string(const json_t *v)
{
  return json_is_string(v) && json_string_length(v) == 0;
}

/* A field name the engine does not know. The schema allows other
 * properties, so it is ignored; but a name that differs from a known one
 * only in case is a typo that would silently drop the field (a dropped
 * syncPubKeyDomain would drop the signature requirement), so it is refused.
 * `known` ends with NULL. */
static dc_status unknown_field(dc_client *c, const char *where, const char *key,
                               const char *const *known)
{
  for (size_t k = 0; known[k] != NULL; k++)
    if (eq_nocase(key, known[k])) {
      char safe[64];
      dci_sanitize(safe, sizeof safe, key, strlen(key), 40);
      return dci_fail(c, DC_E_TEMPLATE,
                      "%s: unknown field '%s' (field names are case-sensitive: '%s')", where,
                      safe, known[k]);
    }
  return DC_OK;
}

/* txtConflictMatchingPrefix: printable ASCII without spaces and without
 * variables (an empty one is handled by the caller). */
static dc_status get_prefix(dc_client *c, json_t *v, const char *where, char **out)
{
  dc_status st = get_string(c, v, where, out);
  if (st != DC_OK) return st;
  for (const char *p = *out; *p; p++) {
    unsigned char ch = (unsigned char)*p;
    if (ch < 0x21 || ch > 0x7e)
      return dci_fail(c, DC_E_TEMPLATE, "%s: not printable ASCII without spaces", where);
    if (ch == '%')
      return dci_fail(c, DC_E_TEMPLATE, "%s: must not contain variables ('%%')", where);
  }
  return DC_OK;
}

static dc_status parse_record(dc_client *c, json_t *o, size_t i, struct dci_trec *r)
{
  dc_status status = DC_OK;
  char where[96];
  char safe[64];
  if (!json_is_object(o)) return dci_fail(c, DC_E_TEMPLATE, "records[%zu]: not an object", i);

  /* type first: it decides which fields are allowed */
  json_t *tv = json_object_get(o, "type");
  if (tv == NULL) return dci_fail(c, DC_E_TEMPLATE, "records[%zu].type: missing", i);
  snprintf(where, sizeof where, "records[%zu].type", i);
  char *raw = NULL;
  DCI_TRY(get_string(c, tv, where, &raw));
  char up[DC_MAX_TYPE_LEN + 1];
  const char *why = dci_type_problem(raw, up);
  if (why != NULL) {
    dci_sanitize(safe, sizeof safe, raw, strlen(raw), 40);
    free(raw);
    return dci_fail(c, DC_E_RECORD_TYPE, "%s: '%s': %s", where, safe, why);
  }
  free(raw);
  r->type = dci_strdup(up);
  if (r->type == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  r->kind = dci_kind_of(r->type);
  unsigned allowed, required, seen = 0;
  bool empty_prefix = false;
  fields_of(r->kind, &allowed, &required);

  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    unsigned bit = 0;
    for (size_t k = 0; k < sizeof k_fields / sizeof k_fields[0]; k++)
      if (strcmp(key, k_fields[k].name) == 0) bit = k_fields[k].bit;
    snprintf(where, sizeof where, "records[%zu]", i);
    if (bit == 0) {
      DCI_TRY(unknown_field(c, where, key, k_record_field_names));
      continue; /* ignored (docs/template-engine.md, "Templates as published") */
    }
    snprintf(where, sizeof where, "records[%zu].%s", i, key);
    if (!(allowed & bit))
      return dci_fail(c, DC_E_TEMPLATE, "%s: not allowed for type %s", where, r->type);
    /* "" for groupId, essential or txtConflictMatchingMode: absent (no
     * group, the default Always / None); "" for the prefix: see below */
    if ((bit & (F_GROUP | F_ESSENTIAL | F_TXTMODE | F_TXTPREFIX)) && empty_string(v)) {
      if (bit == F_TXTPREFIX) empty_prefix = true;
      continue;
    }
    seen |= bit;
    switch (bit) {
    case F_TYPE: break;
    case F_HOST:
    case F_NAME: DCI_TRY(get_var_string(c, v, where, &r->host)); break;
    case F_POINTSTO: DCI_TRY(get_var_string(c, v, where, &r->points_to)); break;
    case F_DATA: DCI_TRY(get_var_string(c, v, where, &r->data)); break;
    case F_TARGET: DCI_TRY(get_var_string(c, v, where, &r->target)); break;
    case F_SPFRULES: DCI_TRY(get_var_string(c, v, where, &r->spf_rules)); break;
    case F_PROTOCOL: DCI_TRY(get_var_string(c, v, where, &r->protocol)); break;
    case F_SERVICE: DCI_TRY(get_var_string(c, v, where, &r->service)); break;
    case F_TTL: DCI_TRY(get_num(c, v, where, DC_MAX_TTL, &r->ttl)); break;
    case F_PRIORITY: DCI_TRY(get_num(c, v, where, 65535, &r->priority)); break;
    case F_WEIGHT: DCI_TRY(get_num(c, v, where, 65535, &r->weight)); break;
    case F_PORT: DCI_TRY(get_num(c, v, where, 65535, &r->port)); break;
    case F_GROUP:
      DCI_TRY(get_string(c, v, where, &r->group_id));
      if (!dci_valid_dc_id(r->group_id))
        return dci_fail(c, DC_E_TEMPLATE,
                        "%s: not a dc-id (1..63 letters, digits, '-', '_', '.'; no variables)",
                        where);
      break;
    case F_ESSENTIAL: {
      char *s = NULL;
      DCI_TRY(get_string(c, v, where, &s));
      bool ok = true;
      if (eq_nocase(s, "Always")) r->essential = DCI_ESS_ALWAYS;
      else if (eq_nocase(s, "OnApply")) r->essential = DCI_ESS_ONAPPLY;
      else ok = false;
      free(s);
      if (!ok) return dci_fail(c, DC_E_TEMPLATE, "%s: neither Always nor OnApply", where);
      r->essential_given = true;
      break;
    }
    case F_TXTMODE: {
      char *s = NULL;
      DCI_TRY(get_string(c, v, where, &s));
      bool ok = true;
      if (eq_nocase(s, "None")) r->txt_mode = DCI_TXT_NONE;
      else if (eq_nocase(s, "All")) r->txt_mode = DCI_TXT_ALL;
      else if (eq_nocase(s, "Prefix")) r->txt_mode = DCI_TXT_PREFIX;
      else ok = false;
      free(s);
      if (!ok) return dci_fail(c, DC_E_TEMPLATE, "%s: not one of None, All, Prefix", where);
      r->txt_mode_given = true;
      break;
    }
    case F_TXTPREFIX: DCI_TRY(get_prefix(c, v, where, &r->txt_prefix)); break;
    default: break;
    }
  }
  unsigned missing = required & ~seen;
  if (missing != 0) {
    for (size_t k = 0; k < sizeof k_fields / sizeof k_fields[0]; k++)
      if (missing & k_fields[k].bit)
        return dci_fail(c, DC_E_TEMPLATE, "records[%zu].%s: missing (required for type %s)",
                        i, k_fields[k].name, r->type);
  }
  /* An empty prefix is ignored unless the mode is Prefix: there it would
   * match (and delete) every TXT record at the name, so it is refused. */
  if (r->txt_mode == DCI_TXT_PREFIX && r->txt_prefix == NULL)
    return dci_fail(c, DC_E_TEMPLATE,
                    "records[%zu].txtConflictMatchingPrefix: %s (required when "
                    "txtConflictMatchingMode is Prefix)", i, empty_prefix ? "empty" : "missing");
done:
  return status;
}

static dc_status parse_records(dc_client *c, json_t *arr, dc_template *t)
{
  dc_status status = DC_OK;
  if (!json_is_array(arr)) return dci_fail(c, DC_E_TEMPLATE, "records: not an array");
  size_t n = json_array_size(arr);
  if (n == 0) return dci_fail(c, DC_E_TEMPLATE, "records: empty");
  if (n > DC_MAX_TEMPLATE_RECORDS)
    return dci_fail(c, DC_E_LIMIT, "records: %zu records, limit %d", n,
                    DC_MAX_TEMPLATE_RECORDS);
  t->recs = calloc(n, sizeof *t->recs);
  if (t->recs == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    t->nrecs = i + 1; /* partial records are freed with the template */
    DCI_TRY(parse_record(c, json_array_get(arr, i), i, &t->recs[i]));
  }
done:
  return status;
}

static dc_template *tpl_alloc(void)
{
  dc_template *t = calloc(1, sizeof *t);
  if (t != NULL) t->version = -1;
  return t;
}

/* A flag: a JSON boolean, or the string "true" / "false" in any case (as
 * published templates sometimes write them: the meaning is unambiguous).
 * Other strings, numbers and null are refused. */
static dc_status get_bool(dc_client *c, json_t *v, const char *key, int *out)
{
  if (json_is_boolean(v)) {
    *out = json_is_true(v) ? 1 : 0;
    return DC_OK;
  }
  const char *s = json_is_string(v) ? json_string_value(v) : "";
  if (strlen(s) == json_string_length(v) && eq_nocase(s, "true")) *out = 1;
  else if (strlen(s) == json_string_length(v) && eq_nocase(s, "false")) *out = 0;
  else return dci_fail(c, DC_E_TEMPLATE, "%s: not a boolean (true or false)", key);
  return DC_OK;
}

/* Number of Unicode code points (UTF-8 lead bytes). */
static size_t code_points(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xc0) != 0x80) n++;
  return n;
}

static dc_status display_name(dc_client *c, json_t *v, const char *key, char **out)
{
  dc_status st = get_string(c, v, key, out);
  if (st != DC_OK) return st;
  size_t n = code_points(*out);
  if (n == 0 || n > DC_MAX_DISPLAY_NAME)
    return dci_fail(c, DC_E_TEMPLATE, "%s: must be 1..%d characters", key,
                    DC_MAX_DISPLAY_NAME);
  if (dci_has_ctl(*out)) return dci_fail(c, DC_E_TEMPLATE, "%s: contains control characters", key);
  return DC_OK;
}

/* syncPubKeyDomain: a host name (underscore labels allowed); no trailing
 * dot needed. */
static dc_status domain_field(dc_client *c, json_t *v, const char *key, char **out)
{
  dc_status st = get_string(c, v, key, out);
  if (st != DC_OK) return st;
  /* Strict: read as absent, an empty value would drop the signature
   * requirement the field stands for (docs/template-engine.md, "Templates
   * as published"). */
  if ((*out)[0] == '\0')
    return dci_fail(c, DC_E_TEMPLATE,
                    "%s: empty (a template that asks for signed requests must name the "
                    "key domain; remove the field for unsigned requests)", key);
  const char *why = dci_target_problem(*out);
  if (why != NULL) return dci_fail(c, DC_E_TEMPLATE, "%s: %s", key, why);
  return DC_OK;
}

/* syncRedirectDomain: comma-separated host names (spaces around commas
 * allowed, dc-host-list). */
static dc_status domain_list_field(dc_client *c, json_t *v, const char *key, char **out)
{
  dc_status st = get_string(c, v, key, out);
  if (st != DC_OK) return st;
  const char *p = *out;
  for (;;) {
    while (*p == ' ') p++;
    const char *b = p;
    while (*p && *p != ',' && *p != ' ') p++;
    size_t n = (size_t)(p - b);
    char one[DC_MAX_NAME_LEN + 2];
    if (n == 0 || n > DC_MAX_NAME_LEN + 1)
      return dci_fail(c, DC_E_TEMPLATE, "%s: empty or overlong entry", key);
    memcpy(one, b, n);
    one[n] = '\0';
    const char *why = dci_target_problem(one);
    if (why != NULL) return dci_fail(c, DC_E_TEMPLATE, "%s: entry %zu bytes long: %s", key, n, why);
    while (*p == ' ') p++;
    if (*p == '\0') break;
    if (*p != ',') return dci_fail(c, DC_E_TEMPLATE, "%s: entries are separated by ','", key);
    p++;
  }
  return DC_OK;
}

static dc_status dc_id_field(dc_client *c, json_t *v, const char *key, char **out)
{
  dc_status st = get_string(c, v, key, out);
  if (st != DC_OK) return st;
  if (!dci_valid_dc_id(*out))
    return dci_fail(c, DC_E_TEMPLATE, "%s: not a dc-id (1..63 letters, digits, '-', '_', '.')",
                    key);
  return DC_OK;
}

/* The schema's rule: a CNAME or NS record with host "@" or "" requires
 * hostRequired. */
static dc_status check_host_required(dc_client *c, const dc_template *t)
{
  if (t->host_required) return DC_OK;
  for (size_t i = 0; i < t->nrecs; i++) {
    const struct dci_trec *r = &t->recs[i];
    if ((r->kind == DCI_K_CNAME || r->kind == DCI_K_NS) && r->host != NULL &&
        (r->host[0] == '\0' || strcmp(r->host, "@") == 0))
      return dci_fail(c, DC_E_TEMPLATE,
                      "records[%zu].host: a %s record at \"%s\" needs hostRequired: true",
                      i, r->type, r->host);
  }
  return DC_OK;
}

static const char *const k_top_field_names[] = {
  "providerId", "serviceId", "providerName", "serviceName", "version", "logoUrl",
  "description", "variableDescription", "syncPubKeyDomain", "syncRedirectDomain",
  "syncBlock", "shared", "sharedProviderName", "sharedServiceName", "multiInstance",
  "warnPhishing", "hostRequired", "records", NULL,
};

static dc_status parse_doc(dc_client *c, json_t *root, dc_template *t)
{
  dc_status status = DC_OK;
  const char *key;
  json_t *v;
  json_t *records = NULL;
  json_object_foreach(root, key, v) {
    /* present but empty: read as absent (docs/template-engine.md, "Templates
     * as published"); an empty syncPubKeyDomain is refused below */
    if ((strcmp(key, "syncRedirectDomain") == 0 || strcmp(key, "version") == 0) &&
        empty_string(v))
      continue;
    if (strcmp(key, "providerId") == 0) DCI_TRY(dc_id_field(c, v, key, &t->provider_id));
    else if (strcmp(key, "serviceId") == 0) DCI_TRY(dc_id_field(c, v, key, &t->service_id));
    else if (strcmp(key, "providerName") == 0) DCI_TRY(display_name(c, v, key, &t->provider_name));
    else if (strcmp(key, "serviceName") == 0) DCI_TRY(display_name(c, v, key, &t->service_name));
    else if (strcmp(key, "version") == 0) {
      struct dci_tnum num = {0};
      DCI_TRY(get_num(c, v, key, 2147483647L, &num));
      if (num.expr != NULL) {
        free(num.expr);
        status = dci_fail(c, DC_E_TEMPLATE, "version: variables are not allowed");
        goto done;
      }
      t->version = num.value;
    } else if (strcmp(key, "logoUrl") == 0) {
      DCI_TRY(get_string(c, v, key, &t->logo_url));
      if (strlen(t->logo_url) > DC_MAX_URL_LEN) {
        status = dci_fail(c, DC_E_TEMPLATE, "logoUrl: longer than %d bytes", DC_MAX_URL_LEN);
        goto done;
      }
    } else if (strcmp(key, "description") == 0) DCI_TRY(get_string(c, v, key, &t->description));
    else if (strcmp(key, "variableDescription") == 0)
      DCI_TRY(get_string(c, v, key, &t->variable_description));
    else if (strcmp(key, "syncPubKeyDomain") == 0)
      DCI_TRY(domain_field(c, v, key, &t->sync_pub_key_domain));
    else if (strcmp(key, "syncRedirectDomain") == 0)
      DCI_TRY(domain_list_field(c, v, key, &t->sync_redirect_domain));
    else if (strcmp(key, "syncBlock") == 0) {
      DCI_TRY(get_bool(c, v, key, &t->sync_block));
      t->given |= DCI_G_SYNC_BLOCK;
    } else if (strcmp(key, "shared") == 0) {
      DCI_TRY(get_bool(c, v, key, &t->shared));
      t->given |= DCI_G_SHARED;
    } else if (strcmp(key, "sharedProviderName") == 0) {
      DCI_TRY(get_bool(c, v, key, &t->shared_provider_name));
      t->given |= DCI_G_SHARED_PROVIDER;
    } else if (strcmp(key, "sharedServiceName") == 0) {
      DCI_TRY(get_bool(c, v, key, &t->shared_service_name));
      t->given |= DCI_G_SHARED_SERVICE;
    } else if (strcmp(key, "multiInstance") == 0) {
      DCI_TRY(get_bool(c, v, key, &t->multi_instance));
      t->given |= DCI_G_MULTI_INSTANCE;
    } else if (strcmp(key, "warnPhishing") == 0) {
      DCI_TRY(get_bool(c, v, key, &t->warn_phishing));
      t->given |= DCI_G_WARN_PHISHING;
    } else if (strcmp(key, "hostRequired") == 0) {
      DCI_TRY(get_bool(c, v, key, &t->host_required));
      t->given |= DCI_G_HOST_REQUIRED;
    } else if (strcmp(key, "records") == 0) {
      records = v;
    } else {
      DCI_TRY(unknown_field(c, "template", key, k_top_field_names));
    }
  }
  static const char *const req[] = {"providerId", "providerName", "serviceId",
                                    "serviceName", "records"};
  for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
    if (json_object_get(root, req[i]) == NULL) {
      status = dci_fail(c, DC_E_TEMPLATE, "%s: missing", req[i]);
      goto done;
    }
  DCI_TRY(parse_records(c, records, t));
  DCI_TRY(check_host_required(c, t));
done:
  return status;
}

DC_API dc_status dc_template_parse(dc_client *c, const char *json, size_t len,
                                   dc_template **out)
{
  dc_status status = DC_OK;
  json_t *root = NULL;
  if (out != NULL) *out = NULL;
  DCI_TRY(dci_json_args(c, "template", out != NULL, json != NULL));
  DCI_TRY(dci_json_load(c, "template", json, len, DC_MAX_TEMPLATE_JSON, true, false, &root));
  status = dci_template_from_value(c, root, out);
done:
  json_decref(root);
  return status;
}

dc_status dci_template_from_value(dc_client *c, json_t *root, dc_template **out)
{
  dc_status status = DC_OK;
  *out = NULL;
  if (!json_is_object(root)) return dci_fail(c, DC_E_TEMPLATE, "template: not an object");
  dc_template *t = tpl_alloc();
  if (t == NULL) return dci_fail(c, DC_E_NOMEM, "out of memory");
  DCI_TRY(parse_doc(c, root, t));
  *out = t;
  t = NULL;
done:
  dc_template_free(t);
  return status;
}

DC_API dc_status dc_template_load(dc_client *c, const char *path, dc_template **out)
{
  dci_clear(c);
  if (out == NULL) return dci_fail(c, DC_E_INVALID_ARG, "template: out is NULL");
  *out = NULL;
  if (path == NULL) return dci_fail(c, DC_E_INVALID_ARG, "template: path is NULL");
  size_t n = 0;
  enum dcx_read_err why = DCX_READ_OK;
  char *buf = dcx_read_file(path, DC_MAX_TEMPLATE_JSON, false, &n, &why);
  switch (why) {
  case DCX_READ_OK: break;
  case DCX_READ_OPEN: return dci_fail(c, DC_E_IO, "cannot open the template file");
  case DCX_READ_IO: return dci_fail(c, DC_E_IO, "cannot read the template file");
  case DCX_READ_NOMEM: return dci_fail(c, DC_E_NOMEM, "out of memory");
  case DCX_READ_TOO_BIG:
    return dci_fail(c, DC_E_LIMIT, "template file larger than %d bytes", DC_MAX_TEMPLATE_JSON);
  }
  dc_status st = dc_template_parse(c, buf, n, out);
  free(buf);
  return st;
}

DC_API dc_status dc_template_from_records(dc_client *c, const char *records_json,
                                          size_t len, const char *provider_id,
                                          const char *service_id, dc_template **out)
{
  dc_status status = DC_OK;
  json_t *root = NULL;
  dc_template *t = NULL;
  if (out != NULL) *out = NULL;
  DCI_TRY(dci_json_args(c, "template", out != NULL, records_json != NULL));
  if ((provider_id != NULL && !dci_valid_dc_id(provider_id)) ||
      (service_id != NULL && !dci_valid_dc_id(service_id)))
    return dci_fail(c, DC_E_INVALID_ID, "template: provider or service id is not a dc-id");
  DCI_TRY(dci_json_load(c, "template records", records_json, len, DC_MAX_TEMPLATE_JSON,
                        false, false, &root));
  t = tpl_alloc();
  if (t == NULL) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  if ((provider_id != NULL && (t->provider_id = dci_strdup(provider_id)) == NULL) ||
      (service_id != NULL && (t->service_id = dci_strdup(service_id)) == NULL)) {
    status = dci_fail(c, DC_E_NOMEM, "out of memory");
    goto done;
  }
  DCI_TRY(parse_records(c, root, t));
  *out = t;
  t = NULL;
done:
  json_decref(root);
  dc_template_free(t);
  return status;
}

DC_API dc_status dc_template_set_multi_instance(dc_template *t, bool on)
{
  if (t == NULL) return DC_E_INVALID_ARG;
  t->multi_instance = on ? 1 : 0;
  t->given |= DCI_G_MULTI_INSTANCE;
  return DC_OK;
}

/* ---- accessors */
DC_API const char *dc_template_provider_id(const dc_template *t) { return t ? t->provider_id : NULL; }
DC_API const char *dc_template_service_id(const dc_template *t) { return t ? t->service_id : NULL; }
DC_API const char *dc_template_provider_name(const dc_template *t) { return t ? t->provider_name : NULL; }
DC_API const char *dc_template_service_name(const dc_template *t) { return t ? t->service_name : NULL; }
DC_API long dc_template_version(const dc_template *t) { return t ? t->version : -1; }
DC_API const char *dc_template_sync_pub_key_domain(const dc_template *t) { return t ? t->sync_pub_key_domain : NULL; }
DC_API const char *dc_template_sync_redirect_domain(const dc_template *t) { return t ? t->sync_redirect_domain : NULL; }
DC_API bool dc_template_sync_block(const dc_template *t) { return t ? t->sync_block : 0; }
DC_API bool dc_template_host_required(const dc_template *t) { return t ? t->host_required : 0; }
DC_API bool dc_template_multi_instance(const dc_template *t) { return t ? t->multi_instance : 0; }
DC_API bool dc_template_shared_provider_name(const dc_template *t)
{
  return t ? (t->shared_provider_name || t->shared) : 0;
}
DC_API bool dc_template_shared_service_name(const dc_template *t) { return t ? t->shared_service_name : 0; }
DC_API bool dc_template_warn_phishing(const dc_template *t) { return t ? t->warn_phishing : 0; }
DC_API size_t dc_template_record_count(const dc_template *t) { return t ? t->nrecs : 0; }

/* ---- normalised JSON */

static int set_str(json_t *o, const char *k, const char *s)
{
  return s == NULL ? 0 : json_object_set_new(o, k, json_string(s));
}

static int set_num(json_t *o, const char *k, const struct dci_tnum *n)
{
  if (!n->present) return 0;
  if (n->expr != NULL) return json_object_set_new(o, k, json_string(n->expr));
  return json_object_set_new(o, k, json_integer(n->value));
}

static json_t *rec_json(const struct dci_trec *r)
{
  static const char *const modes[] = {"None", "All", "Prefix"};
  json_t *o = json_object();
  if (o == NULL) return NULL;
  int e = json_object_set_new(o, "type", json_string(r->type));
  e |= set_str(o, "groupId", r->group_id);
  if (r->essential_given)
    e |= json_object_set_new(o, "essential",
                             json_string(r->essential == DCI_ESS_ONAPPLY ? "OnApply" : "Always"));
  e |= set_str(o, r->kind == DCI_K_SRV ? "name" : "host", r->host);
  e |= set_str(o, "pointsTo", r->points_to);
  e |= set_str(o, "data", r->data);
  e |= set_str(o, "target", r->target);
  e |= set_str(o, "spfRules", r->spf_rules);
  e |= set_str(o, "protocol", r->protocol);
  e |= set_str(o, "service", r->service);
  e |= set_num(o, "ttl", &r->ttl);
  e |= set_num(o, "priority", &r->priority);
  e |= set_num(o, "weight", &r->weight);
  e |= set_num(o, "port", &r->port);
  if (r->txt_mode_given)
    e |= json_object_set_new(o, "txtConflictMatchingMode", json_string(modes[r->txt_mode]));
  e |= set_str(o, "txtConflictMatchingPrefix", r->txt_prefix);
  if (e != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

DC_API dc_status dc_template_to_json(const dc_template *t, char **out)
{
  if (out == NULL) return DC_E_INVALID_ARG;
  *out = NULL;
  if (t == NULL) return DC_E_INVALID_ARG;
  json_t *o = json_object();
  json_t *recs = json_array();
  int e = (o == NULL || recs == NULL);
  if (!e) {
    e |= set_str(o, "providerId", t->provider_id);
    e |= set_str(o, "providerName", t->provider_name);
    e |= set_str(o, "serviceId", t->service_id);
    e |= set_str(o, "serviceName", t->service_name);
    if (t->version >= 0) e |= json_object_set_new(o, "version", json_integer(t->version));
    e |= set_str(o, "logoUrl", t->logo_url);
    e |= set_str(o, "description", t->description);
    e |= set_str(o, "variableDescription", t->variable_description);
    static const struct {
      const char *k;
      unsigned bit;
      size_t off;
    } flags[] = {
      {"syncBlock", DCI_G_SYNC_BLOCK, offsetof(dc_template, sync_block)},
      {"shared", DCI_G_SHARED, offsetof(dc_template, shared)},
      {"sharedProviderName", DCI_G_SHARED_PROVIDER, offsetof(dc_template, shared_provider_name)},
      {"sharedServiceName", DCI_G_SHARED_SERVICE, offsetof(dc_template, shared_service_name)},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
      if (t->given & flags[i].bit) {
        const int *p = (const int *)(const void *)((const char *)t + flags[i].off);
        e |= json_object_set_new(o, flags[i].k, json_boolean(*p));
      }
    e |= set_str(o, "syncPubKeyDomain", t->sync_pub_key_domain);
    e |= set_str(o, "syncRedirectDomain", t->sync_redirect_domain);
    if (t->given & DCI_G_MULTI_INSTANCE)
      e |= json_object_set_new(o, "multiInstance", json_boolean(t->multi_instance));
    if (t->given & DCI_G_WARN_PHISHING)
      e |= json_object_set_new(o, "warnPhishing", json_boolean(t->warn_phishing));
    if (t->given & DCI_G_HOST_REQUIRED)
      e |= json_object_set_new(o, "hostRequired", json_boolean(t->host_required));
    for (size_t i = 0; i < t->nrecs && !e; i++) {
      json_t *r = rec_json(&t->recs[i]);
      e |= (r == NULL) || json_array_append_new(recs, r);
    }
    e |= json_object_set(o, "records", recs);
  }
  char *s = e ? NULL : json_dumps(o, JSON_COMPACT);
  json_decref(recs);
  json_decref(o);
  if (s == NULL) return DC_E_NOMEM;
  *out = dci_strdup(s);
  free(s);
  return *out ? DC_OK : DC_E_NOMEM;
}
