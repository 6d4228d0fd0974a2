#include "core/internal.h"

struct status_text {
  const char *name;
  const char *text;
};

static struct status_text row(const char *name, const char *text)
{
  return (struct status_text){name, text};
}

/* One case per status and no default: -Wswitch (in -Wall, an error with
 * DC_WERROR) reports a status added to the enum without its strings here.
 * tests/unit/test_status.c pins every string. */
static struct status_text status_text(dc_status st)
{
  switch (st) {
  case DC_OK: return row("ok", "success");
  case DC_E_INVALID_ARG: return row("invalid_arg", "invalid argument");
  case DC_E_NOMEM: return row("nomem", "out of memory");
  case DC_E_LIMIT: return row("limit", "input exceeds a size limit");
  case DC_E_INTERNAL: return row("internal", "internal error");
  case DC_E_IO: return row("io", "file could not be read or written");
  case DC_E_INVALID_DOMAIN: return row("invalid_domain", "invalid domain name");
  case DC_E_PUBLIC_SUFFIX:
    return row("public_suffix", "name is a public suffix, not a registrable zone");
  case DC_E_PSL_FILE: return row("psl_file", "public suffix list file could not be loaded");
  case DC_E_INVALID_HOST: return row("invalid_host", "invalid host (sub-domain) name");
  case DC_E_TXT_INVALID: return row("txt_invalid", "invalid _domainconnect TXT value");
  case DC_E_TXT_MULTIPLE: return row("txt_multiple", "several distinct _domainconnect TXT records");
  case DC_E_JSON: return row("json", "malformed JSON document");
  case DC_E_SETTINGS_MISSING: return row("settings_missing", "required settings field missing");
  case DC_E_SETTINGS_TYPE:
    return row("settings_type", "settings field has an invalid type or value");
  case DC_E_UNSAFE_URL: return row("unsafe_url", "URL refused by the URL safety rules");
  case DC_E_NO_SYNC_UX:
    return row("no_sync_ux", "provider offers no synchronous flow (no urlSyncUX)");
  case DC_E_NO_ASYNC_UX:
    return row("no_async_ux", "provider offers no asynchronous flow (no urlAsyncUX)");
  case DC_E_RESERVED_PARAM:
    return row("reserved_param", "template variable name is a reserved protocol parameter");
  case DC_E_INVALID_PARAM: return row("invalid_param", "invalid parameter name or value");
  case DC_E_INVALID_ID: return row("invalid_id", "invalid provider, service, group or instance id");
  case DC_E_SETTINGS_MISMATCH:
    return row("settings_mismatch", "request domain or host differs from the settings'");
  case DC_E_KEY: return row("key", "key could not be loaded or is not a usable RSA key");
  case DC_E_KEY_PASSPHRASE:
    return row("key_passphrase", "encrypted key: passphrase missing or wrong");
  case DC_E_KEY_ID: return row("key_id", "key id is not a valid DNS label");
  case DC_E_SIGN: return row("sign", "signature could not be computed");
  case DC_E_SIG_INVALID: return row("sig_invalid", "signature does not verify");
  case DC_E_SIG_MISSING: return row("sig_missing", "query has no sig or key parameter");
  case DC_E_PUBKEY_RECORD: return row("pubkey_record", "malformed public-key TXT records");
  case DC_E_CALLBACK: return row("callback", "malformed callback query");
  case DC_E_STATE_MISMATCH: return row("state_mismatch", "callback state does not match");
  case DC_E_ACCESS_DENIED: return row("access_denied", "provider denied access");
  case DC_E_USER_CANCEL: return row("user_cancel", "user cancelled at the provider");
  case DC_E_PROVIDER_ERROR: return row("provider_error", "provider returned an OAuth error");
  case DC_E_TOKEN: return row("token", "malformed token response or document");
  case DC_E_TOKEN_TYPE: return row("token_type", "token type is not bearer");
  case DC_E_TOKEN_EXPIRED: return row("token_expired", "access token expired");
  case DC_E_CONFLICT_BODY: return row("conflict_body", "malformed conflict (409) body");
  case DC_E_NO_RECORD:
    return row("no_record", "DNS name or record does not exist (NXDOMAIN or NODATA)");
  case DC_E_DNS: return row("dns", "DNS lookup failed");
  case DC_E_DNS_TIMEOUT: return row("dns_timeout", "DNS lookup timed out");
  case DC_E_BLOCKED: return row("blocked", "target refused by the SSRF guard");
  case DC_E_TRANSPORT: return row("transport", "HTTPS transfer failed");
  case DC_E_TIMEOUT: return row("timeout", "timed out (an HTTPS transfer or the overall discovery deadline)");
  case DC_E_REDIRECT: return row("redirect", "server answered with a redirect (not followed)");
  case DC_E_TOO_LARGE: return row("too_large", "response exceeds the size cap");
  case DC_E_HTTP_STATUS: return row("http_status", "unexpected HTTP status");
  case DC_E_NOT_SUPPORTED: return row("not_supported", "template not supported by the provider");
  case DC_E_CONFLICT: return row("conflict", "conflicting records at the provider");
  case DC_E_UNAUTHORIZED: return row("unauthorized", "token rejected by the provider (401)");
  case DC_E_API_MISMATCH:
    return row("api_mismatch", "discovered urlAPI differs from the registered one");
  case DC_E_TOKEN_BINDING: return row("token_binding", "token belongs to another provider API");
  case DC_E_NOT_APPLIED: return row("not_applied", "template is not applied (410)");
  case DC_E_REVERT_UNSUPPORTED:
    return row("revert_unsupported", "provider does not support revert (501)");
  case DC_E_NOT_REGISTERED: return row("not_registered", "no registration for this provider");
  case DC_E_DNSSEC_BOGUS: return row("dnssec_bogus", "DNSSEC validation failed (bogus answer)");
  case DC_E_DNSSEC_INSECURE:
    return row("dnssec_insecure", "DNSSEC required but the answer is not secure");
  case DC_E_DNSSEC_UNAVAILABLE:
    return row("dnssec_unavailable", "built without DNSSEC support");
  case DC_E_TEMPLATE: return row("template", "invalid or inapplicable template");
  case DC_E_RECORD: return row("record", "invalid record data");
  case DC_E_MISSING_VARIABLE: return row("missing_variable", "template variable has no value");
  case DC_E_HOST_REQUIRED: return row("host_required", "template requires a host");
  case DC_E_RECORD_TYPE: return row("record_type", "unknown record type");
  case DC_E_SYNC_BLOCKED: return row("sync_blocked", "template forbids the synchronous flow");
  case DC_E_ZONE: return row("zone", "malformed zone document");
  case DC_E_NOT_VERIFIED: return row("not_verified", "DNS does not show the applied records");
  }
  /* A value outside the enum (a cast integer). */
  return row("unknown", "unknown status");
}

DC_API const char *dc_status_str(dc_status st) { return status_text(st).text; }

DC_API const char *dc_status_name(dc_status st) { return status_text(st).name; }

DC_API const char *dc_version(void) { return DC_VERSION_STRING; }
