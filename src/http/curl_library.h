// libcurl, loaded on first use. Linking it outright maps ~30 shared libraries (TLS, Kerberos, LDAP, IDN, ...) into
// every process and resolves their symbols before main: ~7 ms CPU measured, most of the start-up of a `taskbuilder`
// command that never makes an outbound call (build to a local directory, simulate, dp, inspect). The HTTP client
// loads it with dlopen the first time it sends a request instead. Only the calls client.cc makes are here.
#ifndef TASKBUILDER_HTTP_CURL_LIBRARY_H_
#define TASKBUILDER_HTTP_CURL_LIBRARY_H_

#include <curl/curl.h>

#include "absl/status/statusor.h"

namespace tb::http {

// libcurl's runtime name (package libcurl4); it must be the same major version as the headers we compile against.
inline constexpr char kCurlLibraryName[] = "libcurl.so.4";

struct CurlLibrary {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL* handle);
  CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...);
  void (*easy_cleanup)(CURL* handle);
  const char* (*easy_strerror)(CURLcode code);
  curl_slist* (*slist_append)(curl_slist* list, const char* text);
  void (*slist_free_all)(curl_slist* list);
};

// Loads libcurl and runs curl_global_init once per process (thread-safe); later calls return the same table, or the
// same error: a FailedPreconditionError naming the library and what the loader said.
absl::StatusOr<const CurlLibrary*> LoadCurlLibrary();

}  // namespace tb::http

#endif  // TASKBUILDER_HTTP_CURL_LIBRARY_H_
