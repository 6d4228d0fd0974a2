/* Pins every status string and name: changing one is an API change. */
#include <string.h>

#include "testutil.h"

static const struct { dc_status st; const char *name; const char *text; } k_pinned[] = {
  {DC_OK, "ok", "success"},
  {DC_E_INVALID_ARG, "invalid_arg", "invalid argument"},
  {DC_E_NOMEM, "nomem", "out of memory"},
  {DC_E_LIMIT, "limit", "input exceeds a size limit"},
  {DC_E_INTERNAL, "internal", "internal error"},
  {DC_E_IO, "io", "file could not be read or written"},
  {DC_E_INVALID_DOMAIN, "invalid_domain", "invalid domain name"},
  {DC_E_PUBLIC_SUFFIX, "public_suffix", "name is a public suffix, not a registrable zone"},
  {DC_E_PSL_FILE, "psl_file", "public suffix list file could not be loaded"},
  {DC_E_INVALID_HOST, "invalid_host", "invalid host (sub-domain) name"},
  {DC_E_TXT_INVALID, "txt_invalid", "invalid _domainconnect TXT value"},
  {DC_E_TXT_MULTIPLE, "txt_multiple", "several distinct _domainconnect TXT records"},
  {DC_E_JSON, "json", "malformed JSON document"},
  {DC_E_SETTINGS_MISSING, "settings_missing", "required settings field missing"},
  {DC_E_SETTINGS_TYPE, "settings_type", "settings field has an invalid type or value"},
  {DC_E_UNSAFE_URL, "unsafe_url", "URL refused by the URL safety rules"},
  {DC_E_NO_SYNC_UX, "no_sync_ux", "provider offers no synchronous flow (no urlSyncUX)"},
  {DC_E_NO_ASYNC_UX, "no_async_ux", "provider offers no asynchronous flow (no urlAsyncUX)"},
  {DC_E_RESERVED_PARAM, "reserved_param", "template variable name is a reserved protocol parameter"},
  {DC_E_INVALID_PARAM, "invalid_param", "invalid parameter name or value"},
  {DC_E_INVALID_ID, "invalid_id", "invalid provider, service, group or instance id"},
  {DC_E_SETTINGS_MISMATCH, "settings_mismatch",
   "request domain or host differs from the settings'"},
  {DC_E_KEY, "key", "key could not be loaded or is not a usable RSA key"},
  {DC_E_KEY_PASSPHRASE, "key_passphrase", "encrypted key: passphrase missing or wrong"},
  {DC_E_KEY_ID, "key_id", "key id is not a valid DNS label"},
  {DC_E_SIGN, "sign", "signature could not be computed"},
  {DC_E_SIG_INVALID, "sig_invalid", "signature does not verify"},
  {DC_E_SIG_MISSING, "sig_missing", "query has no sig or key parameter"},
  {DC_E_PUBKEY_RECORD, "pubkey_record", "malformed public-key TXT records"},
  {DC_E_CALLBACK, "callback", "malformed callback query"},
  {DC_E_STATE_MISMATCH, "state_mismatch", "callback state does not match"},
  {DC_E_ACCESS_DENIED, "access_denied", "provider denied access"},
  {DC_E_USER_CANCEL, "user_cancel", "user cancelled at the provider"},
  {DC_E_PROVIDER_ERROR, "provider_error", "provider returned an OAuth error"},
  {DC_E_TOKEN, "token", "malformed token response or document"},
  {DC_E_TOKEN_TYPE, "token_type", "token type is not bearer"},
  {DC_E_TOKEN_EXPIRED, "token_expired", "access token expired"},
  {DC_E_CONFLICT_BODY, "conflict_body", "malformed conflict (409) body"},
  {DC_E_NO_RECORD, "no_record", "DNS name or record does not exist (NXDOMAIN or NODATA)"},
  {DC_E_DNS, "dns", "DNS lookup failed"},
  {DC_E_DNS_TIMEOUT, "dns_timeout", "DNS lookup timed out"},
  {DC_E_BLOCKED, "blocked", "target refused by the SSRF guard"},
  {DC_E_TRANSPORT, "transport", "HTTPS transfer failed"},
  {DC_E_TIMEOUT, "timeout", "timed out (an HTTPS transfer or the overall discovery deadline)"},
  {DC_E_REDIRECT, "redirect", "server answered with a redirect (not followed)"},
  {DC_E_TOO_LARGE, "too_large", "response exceeds the size cap"},
  {DC_E_HTTP_STATUS, "http_status", "unexpected HTTP status"},
  {DC_E_NOT_SUPPORTED, "not_supported", "template not supported by the provider"},
  {DC_E_CONFLICT, "conflict", "conflicting records at the provider"},
  {DC_E_UNAUTHORIZED, "unauthorized", "token rejected by the provider (401)"},
  {DC_E_API_MISMATCH, "api_mismatch", "discovered urlAPI differs from the registered one"},
  {DC_E_TOKEN_BINDING, "token_binding", "token belongs to another provider API"},
  {DC_E_NOT_APPLIED, "not_applied", "template is not applied (410)"},
  {DC_E_REVERT_UNSUPPORTED, "revert_unsupported", "provider does not support revert (501)"},
  {DC_E_NOT_REGISTERED, "not_registered", "no registration for this provider"},
  {DC_E_DNSSEC_BOGUS, "dnssec_bogus", "DNSSEC validation failed (bogus answer)"},
  {DC_E_DNSSEC_INSECURE, "dnssec_insecure", "DNSSEC required but the answer is not secure"},
  {DC_E_DNSSEC_UNAVAILABLE, "dnssec_unavailable", "built without DNSSEC support"},
  {DC_E_TEMPLATE, "template", "invalid or inapplicable template"},
  {DC_E_RECORD, "record", "invalid record data"},
  {DC_E_MISSING_VARIABLE, "missing_variable", "template variable has no value"},
  {DC_E_HOST_REQUIRED, "host_required", "template requires a host"},
  {DC_E_RECORD_TYPE, "record_type", "unknown record type"},
  {DC_E_SYNC_BLOCKED, "sync_blocked", "template forbids the synchronous flow"},
  {DC_E_ZONE, "zone", "malformed zone document"},
  {DC_E_NOT_VERIFIED, "not_verified", "DNS does not show the applied records"},
};

static void test_every_status_pinned(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof k_pinned / sizeof k_pinned[0]; i++) {
    assert_string_equal(dc_status_name(k_pinned[i].st), k_pinned[i].name);
    assert_string_equal(dc_status_str(k_pinned[i].st), k_pinned[i].text);
  }
}

static void test_every_value_has_text(void **state)
{
  (void)state;
  /* Every value in the enum range that has a name is in the pinned table. */
  size_t named = 0;
  for (int v = 0; v < 200; v++) {
    if (strcmp(dc_status_name((dc_status)v), "unknown") != 0) named++;
  }
  assert_int_equal(named, sizeof k_pinned / sizeof k_pinned[0]);
  assert_string_equal(dc_status_str((dc_status)9999), "unknown status");
  assert_string_equal(dc_status_name((dc_status)-1), "unknown");
}

static void test_names_unique(void **state)
{
  (void)state;
  size_t n = sizeof k_pinned / sizeof k_pinned[0];
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      assert_string_not_equal(k_pinned[i].name, k_pinned[j].name);
}

static void test_client_error_detail(void **state)
{
  (void)state;
  assert_string_equal(dc_client_error(NULL), "");
  dc_client *c = tu_client();
  assert_string_equal(dc_client_error(c), "");
  assert_status(dc_client_set_psl_file(c, "/nonexistent/psl.dat"), DC_E_PSL_FILE);
  assert_non_null(strstr(dc_client_error(c), "/nonexistent/psl.dat"));
  dc_client_free(c);
  dc_client_free(NULL);
  assert_status(dc_client_new(NULL), DC_E_INVALID_ARG);
  assert_non_null(dc_version());
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_every_status_pinned),
    cmocka_unit_test(test_every_value_has_text),
    cmocka_unit_test(test_names_unique),
    cmocka_unit_test(test_client_error_detail),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
