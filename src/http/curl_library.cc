#include "http/curl_library.h"

#include <dlfcn.h>

#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace tb::http {
namespace {

// Resolves `name` into `*fn`; false (with the loader's message in `error`) when the library lacks it.
template <typename Fn>
bool Resolve(void* handle, const char* name, Fn* fn, std::string* error) {
  dlerror();
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    const char* message = dlerror();
    *error = absl::StrCat("symbol ", name, " missing: ", message != nullptr ? message : "null");
    return false;
  }
  *fn = reinterpret_cast<Fn>(symbol);
  return true;
}

absl::StatusOr<CurlLibrary> Load() {
  // Never unloaded: handles and callbacks may outlive any scope we could tie the library to.
  void* handle = dlopen(kCurlLibraryName, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* message = dlerror();
    return absl::FailedPreconditionError(
        absl::StrCat("outbound HTTP needs ", kCurlLibraryName, " (Debian package libcurl4), which could not be loaded: ",
                     message != nullptr ? message : "unknown error"));
  }
  CurlLibrary lib;
  std::string error;
  const bool ok = Resolve(handle, "curl_global_init", &lib.global_init, &error) &&
                  Resolve(handle, "curl_easy_init", &lib.easy_init, &error) &&
                  Resolve(handle, "curl_easy_setopt", &lib.easy_setopt, &error) &&
                  Resolve(handle, "curl_easy_perform", &lib.easy_perform, &error) &&
                  Resolve(handle, "curl_easy_getinfo", &lib.easy_getinfo, &error) &&
                  Resolve(handle, "curl_easy_cleanup", &lib.easy_cleanup, &error) &&
                  Resolve(handle, "curl_easy_strerror", &lib.easy_strerror, &error) &&
                  Resolve(handle, "curl_slist_append", &lib.slist_append, &error) &&
                  Resolve(handle, "curl_slist_free_all", &lib.slist_free_all, &error);
  if (!ok) return absl::FailedPreconditionError(absl::StrCat(kCurlLibraryName, " is not a usable libcurl: ", error));
  if (const CURLcode rc = lib.global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
    return absl::InternalError(absl::StrCat("curl_global_init failed with code ", static_cast<int>(rc)));
  }
  return lib;
}

}  // namespace

absl::StatusOr<const CurlLibrary*> LoadCurlLibrary() {
  static std::once_flag once;
  static absl::StatusOr<CurlLibrary>* loaded = nullptr;  // leaked on purpose, as the library itself
  std::call_once(once, [] { loaded = new absl::StatusOr<CurlLibrary>(Load()); });
  if (!loaded->ok()) return loaded->status();
  return &**loaded;
}

}  // namespace tb::http
