/* libdomainconnect: export macro, status codes, handle, memory.
 *
 * Every fallible call returns a dc_status. Results come back through a
 * trailing `**out` argument that is set to NULL on failure. A human-readable
 * detail of the last failure is kept in the dc_client handle passed to the
 * call (see dc_client_error()); passing NULL for the handle is allowed and
 * simply drops the detail. Secrets never appear in status strings or details.
 */
#ifndef DOMAINCONNECT_COMMON_H
#define DOMAINCONNECT_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(DC_BUILDING_LIBRARY) && defined(__GNUC__)
#define DC_API __attribute__((visibility("default")))
#else
#define DC_API
#endif

/* DC_WUR marks a function whose result must be used: every call that
 * returns a dc_status (or hands out a new object). Empty on compilers
 * without the attribute. GCC does not take a (void) cast as a use; to drop
 * a status on purpose, write (void)!call(...) with a comment saying why. */
#if defined(__has_attribute)
#if __has_attribute(warn_unused_result)
#define DC_WUR __attribute__((warn_unused_result))
#endif
#elif defined(__GNUC__)
#define DC_WUR __attribute__((warn_unused_result))
#endif
#ifndef DC_WUR
#define DC_WUR
#endif

/* Status codes. Values are stable (append only); dc_status_name() gives a
 * stable machine-readable name, dc_status_str() a fixed English sentence. */
typedef enum dc_status {
  DC_OK = 0,
  /* generic */
  DC_E_INVALID_ARG = 1,     /* a required argument was NULL or unusable */
  DC_E_NOMEM = 2,           /* memory allocation failed */
  DC_E_LIMIT = 3,           /* input exceeds a documented size/count/depth limit */
  DC_E_INTERNAL = 4,        /* a library bug or an unexpected dependency failure */
  DC_E_IO = 5,              /* a local file could not be read or written */
  /* names */
  DC_E_INVALID_DOMAIN = 10, /* domain name is not a valid host name */
  DC_E_PUBLIC_SUFFIX = 11,  /* name is a public suffix: no registrable zone */
  DC_E_PSL_FILE = 12,       /* the public suffix list file could not be loaded */
  DC_E_INVALID_HOST = 13,   /* host (sub-domain part) is not valid */
  /* discovery data */
  DC_E_TXT_INVALID = 20,    /* _domainconnect TXT value breaks the rules */
  DC_E_TXT_MULTIPLE = 21,   /* several distinct _domainconnect TXT records */
  DC_E_JSON = 22,           /* not well-formed JSON (or duplicate keys) */
  DC_E_SETTINGS_MISSING = 23, /* a required settings field is absent */
  DC_E_SETTINGS_TYPE = 24,  /* a settings field has the wrong JSON type/range */
  DC_E_UNSAFE_URL = 25,     /* a URL breaks the URL safety rules */
  /* URL building */
  DC_E_NO_SYNC_UX = 30,     /* settings have no urlSyncUX: no sync flow */
  DC_E_NO_ASYNC_UX = 31,    /* settings have no urlAsyncUX: no async flow */
  DC_E_RESERVED_PARAM = 32, /* template variable collides with a protocol parameter */
  DC_E_INVALID_PARAM = 33,  /* a parameter name or value is not acceptable */
  DC_E_INVALID_ID = 34,     /* providerId/serviceId/groupId/instanceId not a dc-id */
  DC_E_SETTINGS_MISMATCH = 35, /* request's domain/host differ from the settings' zone/host */
  /* signing */
  DC_E_KEY = 40,            /* private/public key could not be loaded or is not RSA */
  DC_E_KEY_PASSPHRASE = 41, /* encrypted key: passphrase missing or wrong */
  DC_E_KEY_ID = 42,         /* key id is not a valid DNS label */
  DC_E_SIGN = 43,           /* the signature could not be computed */
  DC_E_SIG_INVALID = 44,    /* the signature does not verify */
  DC_E_SIG_MISSING = 45,    /* query has no sig or no key parameter */
  DC_E_PUBKEY_RECORD = 46,  /* public-key TXT records are malformed */
  /* OAuth callback and token */
  DC_E_CALLBACK = 50,       /* callback query malformed (duplicate, missing code) */
  DC_E_STATE_MISMATCH = 51, /* callback state differs from the expected one */
  DC_E_ACCESS_DENIED = 52,  /* provider answered error=access_denied */
  DC_E_USER_CANCEL = 53,    /* access_denied with a user_cancel description */
  DC_E_PROVIDER_ERROR = 54, /* provider answered another OAuth error code */
  DC_E_TOKEN = 55,          /* token response/document malformed */
  DC_E_TOKEN_TYPE = 56,     /* token_type is not bearer */
  DC_E_TOKEN_EXPIRED = 57,  /* access token expired (and cannot be used) */
  DC_E_CONFLICT_BODY = 58,  /* 409 body malformed */
  /* network (Service Provider client) */
  DC_E_NO_RECORD = 60,      /* name or record absent (NXDOMAIN/NODATA), e.g. no _domainconnect TXT */
  DC_E_DNS = 61,            /* DNS failure (SERVFAIL, REFUSED, malformed answer) */
  DC_E_DNS_TIMEOUT = 62,    /* DNS did not answer within the timeout */
  DC_E_BLOCKED = 63,        /* the SSRF guard refused the target */
  DC_E_TRANSPORT = 64,      /* connection/TLS/transfer failure */
  DC_E_TIMEOUT = 65,        /* HTTP transfer timed out */
  DC_E_REDIRECT = 66,       /* server answered with a 3xx; never followed */
  DC_E_TOO_LARGE = 67,      /* response body or headers exceed the cap */
  DC_E_HTTP_STATUS = 68,    /* unexpected HTTP status code */
  DC_E_NOT_SUPPORTED = 69,  /* template not supported by the provider (404) */
  DC_E_CONFLICT = 70,       /* apply refused: conflicting records (409) */
  DC_E_UNAUTHORIZED = 71,   /* 401: token invalid, expired or revoked */
  DC_E_API_MISMATCH = 72,   /* discovered urlAPI differs from the registered one */
  DC_E_TOKEN_BINDING = 73,  /* token used with a provider API it was not issued by */
  DC_E_NOT_APPLIED = 74,    /* revert: template not applied (410) */
  DC_E_REVERT_UNSUPPORTED = 75, /* revert not implemented by the provider (501) */
  DC_E_NOT_REGISTERED = 76, /* no registration for this provider id */
  DC_E_DNSSEC_BOGUS = 77,   /* DNSSEC: an answer failed validation (net.h) */
  DC_E_DNSSEC_INSECURE = 78, /* DNSSEC policy require: an answer was not secure */
  DC_E_DNSSEC_UNAVAILABLE = 79, /* built without DNSSEC support (libunbound) */
  /* DNS Provider side: templates and zones */
  DC_E_TEMPLATE = 80,       /* template malformed or not applicable (InvalidTemplate) */
  DC_E_RECORD = 81,         /* record data invalid after substitution (InvalidData) */
  DC_E_MISSING_VARIABLE = 82, /* a %variable% has no value (MissingParameter) */
  DC_E_HOST_REQUIRED = 83,  /* template needs a host, none given (HostRequired) */
  DC_E_RECORD_TYPE = 84,    /* unknown record type (TypeError) */
  DC_E_SYNC_BLOCKED = 85,   /* template forbids the synchronous flow (syncBlock) */
  DC_E_ZONE = 86,           /* zone document malformed */
  DC_E_NOT_VERIFIED = 87    /* DNS does not (yet) show the applied records */
} dc_status;

/* Fixed English description of a status; never NULL (unknown values give
 * "unknown status"). */
DC_API const char *dc_status_str(dc_status status);

/* Stable lower-case identifier of a status, e.g. "ok", "limit",
 * "txt_invalid"; never NULL ("unknown" for values outside the enum). */
DC_API const char *dc_status_name(dc_status status);

/* Library version string, e.g. "0.2.0". */
DC_API const char *dc_version(void);

/* Frees memory the library returned as a plain string or buffer. NULL is a
 * no-op. Strings that may hold secrets are wiped by the matching *_free. */
DC_API void dc_free(void *ptr);

/* Frees a NULL-terminated array of library-allocated strings (and the
 * strings). NULL is a no-op. */
DC_API void dc_strv_free(char **strv);

/* The handle. It holds options (such as the public suffix list) and, per
 * thread, the detail of the last failure. Once configured, a handle may be
 * used by several threads at once for calls; each thread reads the detail
 * and HTTP status of its own last call. The setters (dc_client_set_*,
 * dc_client_add_dns_server, dc_client_test_only_allow_address,
 * dc_client_register_provider) are not thread-safe: configure first, then
 * share; dc_client_free only when no other thread uses it
 * (docs/embedding.md, "Threads"). */
typedef struct dc_client dc_client;

/* Creates a handle with default options.
 * Returns DC_OK, DC_E_INVALID_ARG (out NULL), DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_client_new(dc_client **out);

/* Frees the handle and everything it owns. NULL is a no-op. */
DC_API void dc_client_free(dc_client *c);

/* Detail of the calling thread's last failure on this handle: a borrowed
 * string valid until this thread's next call on the handle; "" when that
 * call succeeded or set no detail, or the thread made none. Other threads'
 * calls never change it. Never NULL (also for c == NULL). */
DC_API const char *dc_client_error(const dc_client *c);

/* Replaces the built-in public suffix list with one read from a file in the
 * publicsuffix.org format (a DAFSA file as written by psl-make-dafsa also
 * works). Only a regular file of at most DC_MAX_PSL_FILE (4 MiB) is read;
 * anything else (/dev/zero, a FIFO, a bigger file) is DC_E_PSL_FILE at once.
 * Returns DC_OK, DC_E_INVALID_ARG, DC_E_PSL_FILE, DC_E_NOMEM. */
DC_API DC_WUR dc_status dc_client_set_psl_file(dc_client *c, const char *path);

#ifdef __cplusplus
}
#endif
#endif
