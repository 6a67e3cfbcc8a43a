#include "storage/gcs_blob_store.h"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/crc32c.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"
#include "storage/blob_uri.h"
#include "storage/gzip.h"

namespace tb::storage {

struct GcsBlobStore::Target {
  std::string uri;
  std::string bucket;
  std::string object;
};

namespace {

using nlohmann::json;

absl::StatusOr<GcsBlobStore::Target> ParseTarget(const std::string& uri, bool allow_bucket_only) {
  ParseOptions po;
  po.allow_bucket_only = allow_bucket_only;
  TB_ASSIGN_OR_RETURN(BlobUri parsed, ParseBlobUri(uri, po));
  if (parsed.scheme != Scheme::kGcs) {
    return absl::InvalidArgumentError(absl::StrCat("'", uri, "' is not a gs:// URI"));
  }
  return GcsBlobStore::Target{uri, parsed.bucket, parsed.object};
}

// The error message Cloud Storage put in a JSON error body, if any, cut to a readable length.
std::string ErrorDetail(const http::Response& r) {
  json j = json::parse(r.body, nullptr, false);
  std::string msg;
  if (j.is_object() && j.contains("error") && j["error"].is_object() && j["error"].contains("message") &&
      j["error"]["message"].is_string()) {
    msg = j["error"]["message"].get<std::string>();
  } else {
    msg = r.body;
  }
  if (msg.size() > 300) msg = msg.substr(0, 300) + "...";
  std::string out = absl::StrCat("HTTP ", r.status, " ", r.reason);
  if (!msg.empty()) absl::StrAppend(&out, ": ", msg);
  return out;
}

absl::Status HttpError(std::string_view what, const std::string& uri, const http::Response& r) {
  const std::string msg = absl::StrCat("cannot ", ToAbsl(what), " ", uri, ": ", ErrorDetail(r));
  if (r.status == 404) return absl::NotFoundError(msg);
  if (r.status == 401 || r.status == 403) return absl::PermissionDeniedError(msg);
  if (r.status == 412) return absl::FailedPreconditionError(msg);
  if (r.status == 429 || r.status >= 500) return absl::UnavailableError(msg);
  return absl::InvalidArgumentError(msg);
}

absl::Status TransportError(std::string_view what, const std::string& uri, const absl::Status& s) {
  if (absl::StrContains(s.message(), "response larger than")) {
    return absl::ResourceExhaustedError(absl::StrCat("cannot ", ToAbsl(what), " ", uri, ": ", s.message()));
  }
  return absl::Status(s.code(), absl::StrCat("cannot ", ToAbsl(what), " ", uri, ": ", s.message()));
}

// Cloud Storage reports CRC-32C as base64 of the big-endian 4 bytes.
std::optional<uint32_t> DecodeCrc(std::string_view b64) {
  std::string raw;
  if (!absl::Base64Unescape(ToAbsl(b64), &raw) || raw.size() != 4) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string EncodeCrc(uint32_t crc) {
  const char raw[4] = {static_cast<char>(crc >> 24), static_cast<char>(crc >> 16), static_cast<char>(crc >> 8),
                       static_cast<char>(crc)};
  return absl::Base64Escape(absl::string_view(raw, 4));
}

absl::StatusOr<BlobInfo> ObjectToInfo(const json& item, const std::string& bucket) {
  if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) {
    return absl::DataLossError("Cloud Storage returned an object without a name");
  }
  BlobInfo info;
  const std::string name = item["name"].get<std::string>();
  info.uri = absl::StrCat("gs://", bucket, "/", name);
  info.name = name;
  if (item.contains("size") && item["size"].is_string()) {
    if (!absl::SimpleAtoi(item["size"].get<std::string>(), &info.size)) {
      return absl::DataLossError(absl::StrCat("Cloud Storage returned a bad size for ", info.uri));
    }
  }
  if (item.contains("crc32c") && item["crc32c"].is_string()) info.crc32c = DecodeCrc(item["crc32c"].get<std::string>());
  if (item.contains("contentEncoding") && item["contentEncoding"].is_string()) {
    info.content_encoding = item["contentEncoding"].get<std::string>();
  }
  return info;
}

// "bytes=0-1234" → 1235 (the next offset to send); no header → 0.
absl::StatusOr<uint64_t> NextOffsetFromRange(const std::string& range) {
  if (range.empty()) return 0;
  const size_t dash = range.rfind('-');
  uint64_t last = 0;
  if (dash == std::string::npos || !absl::SimpleAtoi(ToAbsl(std::string_view(range).substr(dash + 1)), &last)) {
    return absl::DataLossError(absl::StrCat("unreadable Range header in a resumable upload answer: '", range, "'"));
  }
  return last + 1;
}

void Sleep(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

}  // namespace

std::string GcsEndpointFromEnvironment() {
  const char* host = std::getenv("STORAGE_EMULATOR_HOST");
  if (host == nullptr || *host == '\0') return "https://storage.googleapis.com";
  std::string s = host;
  if (s.find("://") == std::string::npos) s = "http://" + s;
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

GcsBlobStore::GcsBlobStore(GcsOptions options) : options_(std::move(options)), client_([&] {
      http::ClientOptions o = options_.http;
      o.follow_redirects = false;
      return o;
    }()) {
  if (!options_.credentials) options_.credentials = DefaultStorageCredentials();
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/') options_.endpoint.pop_back();
  const uint64_t quantum = 256 * 1024;
  options_.chunk_size = std::max<uint64_t>(quantum, options_.chunk_size / quantum * quantum);
}

absl::StatusOr<http::Headers> GcsBlobStore::AuthHeaders() {
  TB_ASSIGN_OR_RETURN(std::string token, options_.credentials->Token());
  http::Headers h;
  if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
  return h;
}

absl::StatusOr<http::Response> GcsBlobStore::Call(const http::Request& request, bool retry) {
  if (!retry) return client_.Send(request);
  http::RetryPolicy policy = options_.retry;
  if (!policy.on_retry) {
    policy.on_retry = [url = request.url](int attempt, const std::string& why) {
      TB_LOG(WARNING) << "Cloud Storage request failed (attempt " << attempt << "), retrying: " << why;
    };
  }
  return client_.SendWithRetries(request, policy);
}

absl::Status GcsBlobStore::Put(const std::string& uri, std::string_view data, const PutOptions& options) {
  TB_ASSIGN_OR_RETURN(Target t, ParseTarget(uri, false));
  std::string compressed;
  std::string_view body = data;
  if (options.gzip) {
    TB_ASSIGN_OR_RETURN(compressed, GzipCompress(data, options_.gzip_level));
    body = compressed;
  }
  absl::StatusOr<std::string> reported = body.size() > options_.resumable_threshold
                                             ? UploadResumable(t, body, options)
                                             : UploadSimple(t, body, options);
  if (!reported.ok()) return reported.status();
  // The server's CRC-32C of what it stored must be ours: anything else is corruption in transit.
  json j = json::parse(*reported, nullptr, false);
  if (!j.is_object()) return absl::DataLossError(absl::StrCat("cannot upload ", uri, ": unreadable answer"));
  TB_ASSIGN_OR_RETURN(BlobInfo info, ObjectToInfo(j, t.bucket));
  const uint32_t want = crc32c::Value(body);
  if (info.crc32c.has_value() && *info.crc32c != want) {
    return absl::DataLossError(absl::StrCat("upload of ", uri, " was corrupted: the server stored CRC-32C ",
                                            EncodeCrc(*info.crc32c), ", expected ", EncodeCrc(want)));
  }
  if (info.size != body.size()) {
    return absl::DataLossError(
        absl::StrCat("upload of ", uri, " stored ", info.size, " bytes, expected ", body.size()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GcsBlobStore::UploadSimple(const Target& t, std::string_view body,
                                                       const PutOptions& options) {
  TB_ASSIGN_OR_RETURN(http::Headers headers, AuthHeaders());
  http::Request req;
  req.method = "POST";
  req.headers = std::move(headers);
  if (!options.gzip) {
    // Media upload: the bytes are the body; the name travels in the query.
    req.url = absl::StrCat(options_.endpoint, "/upload/storage/v1/b/", http::PercentEncode(t.bucket),
                           "/o?uploadType=media&name=", http::PercentEncode(t.object));
    req.headers.emplace_back("Content-Type", options.content_type);
    req.body = std::string(body);
  } else {
    // Multipart: the metadata part carries contentEncoding, which a media upload cannot set everywhere.
    json meta = {{"name", t.object}, {"contentType", options.content_type}, {"contentEncoding", "gzip"}};
    const std::string boundary = "taskbuilder-7d1f0c2a9e5b4c38";
    req.url = absl::StrCat(options_.endpoint, "/upload/storage/v1/b/", http::PercentEncode(t.bucket),
                           "/o?uploadType=multipart");
    req.headers.emplace_back("Content-Type", "multipart/related; boundary=" + boundary);
    req.body = absl::StrCat("--", boundary, "\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n", meta.dump(),
                            "\r\n--", boundary, "\r\nContent-Type: ", options.content_type, "\r\n\r\n");
    req.body.append(body.data(), body.size());
    absl::StrAppend(&req.body, "\r\n--", boundary, "--\r\n");
  }
  // A whole-object overwrite with the same bytes is idempotent, so retrying is safe.
  absl::StatusOr<http::Response> resp = Call(req, true);
  if (!resp.ok()) return TransportError("upload", t.uri, resp.status());
  if (!resp->ok()) return HttpError("upload", t.uri, *resp);
  return std::move(resp->body);
}

absl::StatusOr<std::string> GcsBlobStore::UploadResumable(const Target& t, std::string_view body,
                                                          const PutOptions& options) {
  const uint64_t total = body.size();
  for (int session = 0; session <= options_.max_session_restarts; ++session) {
    TB_ASSIGN_OR_RETURN(http::Headers auth, AuthHeaders());
    http::Request init;
    init.method = "POST";
    init.url = absl::StrCat(options_.endpoint, "/upload/storage/v1/b/", http::PercentEncode(t.bucket),
                            "/o?uploadType=resumable&name=", http::PercentEncode(t.object));
    init.headers = auth;
    init.headers.emplace_back("Content-Type", "application/json; charset=UTF-8");
    init.headers.emplace_back("X-Upload-Content-Type", options.content_type);
    init.headers.emplace_back("X-Upload-Content-Length", absl::StrCat(total));
    json meta = {{"name", t.object}, {"contentType", options.content_type}};
    if (options.gzip) meta["contentEncoding"] = "gzip";
    init.body = meta.dump();
    absl::StatusOr<http::Response> started = Call(init, true);
    if (!started.ok()) return TransportError("start a resumable upload of", t.uri, started.status());
    if (!started->ok()) return HttpError("start a resumable upload of", t.uri, *started);
    const std::string session_url = started->Header("Location");
    if (session_url.empty()) {
      return absl::DataLossError(absl::StrCat("cannot upload ", t.uri, ": the server opened no resumable session"));
    }

    uint64_t offset = 0;
    int failures = 0;
    bool session_lost = false;
    std::chrono::milliseconds backoff = options_.retry.initial_backoff;
    while (!session_lost) {
      http::Request put;
      put.method = "PUT";
      put.url = session_url;
      put.headers = auth;
      bool query_only = false;
      if (offset < total) {
        const uint64_t end = std::min(total, offset + options_.chunk_size);
        const bool last = end == total;
        put.headers.emplace_back("Content-Range", absl::StrCat("bytes ", offset, "-", end - 1, "/",
                                                               last ? absl::StrCat(total) : std::string("*")));
        put.body = std::string(body.substr(offset, end - offset));
      } else {
        // Everything was sent but the final answer was lost: ask for the session's state.
        query_only = true;
        put.headers.emplace_back("Content-Range", absl::StrCat("bytes */", total));
      }
      absl::StatusOr<http::Response> resp = client_.Send(put);
      if (resp.ok() && (resp->status == 200 || resp->status == 201)) return std::move(resp->body);
      if (resp.ok() && resp->status == 308) {
        TB_ASSIGN_OR_RETURN(uint64_t next, NextOffsetFromRange(resp->Header("Range")));
        if (next > total) return absl::DataLossError(absl::StrCat("cannot upload ", t.uri, ": server claims ", next,
                                                                  " of ", total, " bytes"));
        if (query_only && next == total) {
          return absl::DataLossError(absl::StrCat("cannot upload ", t.uri, ": the server has every byte but will "
                                                  "not finalize the object"));
        }
        offset = next;
        continue;
      }
      if (resp.ok() && (resp->status == 404 || resp->status == 410)) {
        session_lost = true;  // the server forgot the session (e.g. restarted): start a new one
        break;
      }
      const bool transient = !resp.ok() ? (resp.status().code() == absl::StatusCode::kUnavailable ||
                                           resp.status().code() == absl::StatusCode::kDeadlineExceeded)
                                        : (resp->status == 429 || resp->status >= 500);
      if (!transient) {
        return resp.ok() ? HttpError("upload", t.uri, *resp) : TransportError("upload", t.uri, resp.status());
      }
      if (++failures >= options_.retry.max_attempts) {
        return resp.ok() ? HttpError("upload", t.uri, *resp) : TransportError("upload", t.uri, resp.status());
      }
      TB_LOG(WARNING) << "resumable upload of " << t.uri << " failed at byte " << offset << " (attempt " << failures
                      << "), resuming: " << (resp.ok() ? ErrorDetail(*resp) : std::string(resp.status().message()));
      Sleep(backoff);
      backoff = std::min(options_.retry.max_backoff,
                         std::chrono::milliseconds(static_cast<int64_t>(backoff.count() * options_.retry.multiplier)));
      // Ask the server how much it kept before sending more.
      http::Request status_req;
      status_req.method = "PUT";
      status_req.url = session_url;
      status_req.headers = auth;
      status_req.headers.emplace_back("Content-Range", absl::StrCat("bytes */", total));
      absl::StatusOr<http::Response> st = client_.Send(status_req);
      if (st.ok() && (st->status == 200 || st->status == 201)) return std::move(st->body);
      if (st.ok() && st->status == 308) {
        TB_ASSIGN_OR_RETURN(offset, NextOffsetFromRange(st->Header("Range")));
      } else if (st.ok() && (st->status == 404 || st->status == 410)) {
        session_lost = true;
      }
      // Otherwise keep the offset we had; the next PUT's answer will correct it.
    }
    TB_LOG(WARNING) << "resumable upload session for " << t.uri << " was lost; starting a new one";
  }
  return absl::UnavailableError(absl::StrCat("cannot upload ", t.uri, ": the server lost the resumable session ",
                                             options_.max_session_restarts + 1, " times"));
}

absl::StatusOr<std::string> GcsBlobStore::Get(const std::string& uri, uint64_t max_bytes) {
  TB_ASSIGN_OR_RETURN(Target t, ParseTarget(uri, false));
  TB_ASSIGN_OR_RETURN(std::optional<BlobInfo> info, Stat(uri));
  if (!info.has_value()) return absl::NotFoundError(absl::StrCat(uri, " does not exist"));
  if (info->size > max_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(uri, " is ", info->size, " bytes, more than the limit of ", max_bytes));
  }
  TB_ASSIGN_OR_RETURN(http::Headers headers, AuthHeaders());
  http::Request req;
  req.url = absl::StrCat(options_.endpoint, "/download/storage/v1/b/", http::PercentEncode(t.bucket), "/o/",
                         http::PercentEncode(t.object), "?alt=media");
  req.headers = std::move(headers);
  http::ClientOptions limited = client_.options();
  limited.max_response_bytes = max_bytes;
  http::Client client(limited);
  http::RetryPolicy policy = options_.retry;
  absl::StatusOr<http::Response> resp = client.SendWithRetries(req, policy);
  if (!resp.ok()) return TransportError("download", uri, resp.status());
  if (resp->status == 404) return absl::NotFoundError(absl::StrCat(uri, " does not exist"));
  if (!resp->ok()) return HttpError("download", uri, *resp);
  // A gzip object is normally decompressed by the server; if it sends the stored bytes, they are checked against
  // the stored CRC and decompressed here.
  const bool served_gzip = absl::EqualsIgnoreCase(ToAbsl(resp->Header("Content-Encoding")), "gzip") ||
                           (info->content_encoding == "gzip" && resp->body.size() == info->size &&
                            LooksGzipped(resp->body));
  const bool stored_bytes = info->content_encoding != "gzip" || served_gzip;
  if (stored_bytes && info->crc32c.has_value() && crc32c::Value(resp->body) != *info->crc32c) {
    return absl::DataLossError(absl::StrCat("download of ", uri, " does not match its stored CRC-32C"));
  }
  if (info->content_encoding == "gzip" && served_gzip) return GzipDecompress(resp->body, max_bytes);
  return std::move(resp->body);
}

absl::StatusOr<std::optional<BlobInfo>> GcsBlobStore::Stat(const std::string& uri) {
  TB_ASSIGN_OR_RETURN(Target t, ParseTarget(uri, false));
  TB_ASSIGN_OR_RETURN(http::Headers headers, AuthHeaders());
  http::Request req;
  req.url = absl::StrCat(options_.endpoint, "/storage/v1/b/", http::PercentEncode(t.bucket), "/o/",
                         http::PercentEncode(t.object));
  req.headers = std::move(headers);
  absl::StatusOr<http::Response> resp = Call(req, true);
  if (!resp.ok()) return TransportError("stat", uri, resp.status());
  if (resp->status == 404) return std::optional<BlobInfo>();
  if (!resp->ok()) return HttpError("stat", uri, *resp);
  json j = json::parse(resp->body, nullptr, false);
  TB_ASSIGN_OR_RETURN(BlobInfo info, ObjectToInfo(j, t.bucket));
  return std::optional<BlobInfo>(std::move(info));
}

absl::StatusOr<std::vector<BlobInfo>> GcsBlobStore::List(const std::string& prefix_uri, size_t max_objects) {
  TB_ASSIGN_OR_RETURN(Target t, ParseTarget(prefix_uri, true));
  // Directory semantics: "model" lists "model/…", never "model2/…" (behavior.md §12.27).
  std::string prefix = t.object;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (!prefix.empty()) prefix += '/';
  std::vector<BlobInfo> out;
  std::string page_token;
  for (int page = 0;; ++page) {
    TB_ASSIGN_OR_RETURN(http::Headers headers, AuthHeaders());
    http::Request req;
    req.url = absl::StrCat(options_.endpoint, "/storage/v1/b/", http::PercentEncode(t.bucket), "/o?maxResults=", options_.list_page_size);
    if (!prefix.empty()) absl::StrAppend(&req.url, "&prefix=", http::PercentEncode(prefix));
    if (!page_token.empty()) absl::StrAppend(&req.url, "&pageToken=", http::PercentEncode(page_token));
    req.headers = std::move(headers);
    absl::StatusOr<http::Response> resp = Call(req, true);
    if (!resp.ok()) return TransportError("list", prefix_uri, resp.status());
    if (!resp->ok()) return HttpError("list", prefix_uri, *resp);
    json j = json::parse(resp->body, nullptr, false);
    if (!j.is_object()) return absl::DataLossError(absl::StrCat("cannot list ", prefix_uri, ": unreadable answer"));
    if (j.contains("items") && j["items"].is_array()) {
      for (const json& item : j["items"]) {
        TB_ASSIGN_OR_RETURN(BlobInfo info, ObjectToInfo(item, t.bucket));
        if (!absl::StartsWith(info.name, prefix)) continue;  // a server that ignores prefix must not leak others
        info.name = info.name.substr(prefix.size());
        if (info.name.empty() || info.name.back() == '/') continue;  // "directory" placeholder objects
        if (out.size() >= max_objects) {
          return absl::ResourceExhaustedError(
              absl::StrCat("more than ", max_objects, " objects under ", prefix_uri, "; refusing to list them all"));
        }
        out.push_back(std::move(info));
      }
    }
    if (!j.contains("nextPageToken") || !j["nextPageToken"].is_string()) break;
    const std::string next = j["nextPageToken"].get<std::string>();
    if (next.empty() || next == page_token) break;
    page_token = next;
  }
  std::sort(out.begin(), out.end(), [](const BlobInfo& a, const BlobInfo& b) { return a.name < b.name; });
  return out;
}

absl::Status GcsBlobStore::Delete(const std::string& uri) {
  TB_ASSIGN_OR_RETURN(Target t, ParseTarget(uri, false));
  TB_ASSIGN_OR_RETURN(http::Headers headers, AuthHeaders());
  http::Request req;
  req.method = "DELETE";
  req.url = absl::StrCat(options_.endpoint, "/storage/v1/b/", http::PercentEncode(t.bucket), "/o/",
                         http::PercentEncode(t.object));
  req.headers = std::move(headers);
  absl::StatusOr<http::Response> resp = Call(req, true);
  if (!resp.ok()) return TransportError("delete", uri, resp.status());
  if (resp->status == 404 || resp->ok()) return absl::OkStatus();
  return HttpError("delete", uri, *resp);
}

}  // namespace tb::storage
