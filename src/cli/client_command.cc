// `taskbuilder client`: the original task_builder_client (behavior.md §9) — same flags, endpoint rules, auth modes,
// messages and exit codes — sending a BuildTaskRequest to a task builder (ours or the original) and printing the
// response as text proto on stderr, or as JSON on stdout with --json. Deliberate differences: relative local model
// paths are made absolute (the server resolves them), loopback URLs never ask the metadata server for a token, and
// the API key is redacted from error messages (§12.31).
#include <filesystem>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/logging.h"
#include "cli/command.h"
#include "config/task_config_text.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "http/client.h"
#include "odp/task_builder.pb.h"
#include "pipeline/build_pipeline.h"
#include "storage/gcp_credentials.h"
#include "storage/uri_blob_store.h"

namespace tb::cli {
namespace {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;

constexpr char kUsage[] =
    "taskbuilder client --saved_model=PATH|gs://... --task_config=FILE.pbtxt|gs://...\n"
    "                   [--task_builder_server=http://localhost:5000/] [--build_artifact_only]\n"
    "                   [--skip_flex_ops_check] [--skip_dp_check] [--skip_dp_aggregator] [--population_name=NAME]\n"
    "                   [--api_key=KEY] [--impersonate_service_account=SA] [--json] [--strict]\n"
    "                   [--timeout_seconds=900]\n\n"
    "Sends a build request to a task builder and prints the response (text proto on stderr; --json prints the\n"
    "BuildTaskResponse as JSON on stdout). Exit codes as the original's: 0 when the server answered (even with an\n"
    "error_info; --strict makes that 3), 1 when the request could not be made or answered.\n"
    "Auth: --api_key adds ?key=KEY; otherwise an ID token for the endpoint from the metadata server (none for\n"
    "localhost), or with --impersonate_service_account one minted by the IAM credentials API using\n"
    "$GOOGLE_OAUTH_ACCESS_TOKEN / $CLOUDSDK_AUTH_ACCESS_TOKEN or the metadata server's access token.\n";

struct ClientError {
  std::string message;
};

std::string Absolutize(const std::string& path) {
  if (path.rfind("gs://", 0) == 0 || path.rfind("file://", 0) == 0 || path.empty() || path[0] == '/') return path;
  return (std::filesystem::current_path() / path).lexically_normal().string();
}

bool IsLoopback(const std::string& url) {
  if (url.find("localhost") != std::string::npos) return true;  // the original's rule
  const size_t scheme = url.find("://");
  const std::string host = url.substr(scheme == std::string::npos ? 0 : scheme + 3);
  return host.rfind("127.", 0) == 0 || host.rfind("[::1]", 0) == 0;
}

absl::StatusOr<odp::TaskConfig> LoadTaskConfig(const std::string& path) {
  storage::UriBlobStore store("/");
  auto text = store.Get(Absolutize(path), config::kMaxTaskConfigTextBytes);
  if (!text.ok()) return text.status();
  return config::ParseTaskConfigText(*text);
}

// An ID token minted for `sa` by the IAM credentials API (generateIdToken), authorised by an access token of the
// caller.
absl::StatusOr<std::string> ImpersonatedIdToken(const std::string& sa, const std::string& audience,
                                                const std::string& iam_endpoint) {
  std::shared_ptr<storage::AccessTokenSource> source;
  if (const char* t = std::getenv("GOOGLE_OAUTH_ACCESS_TOKEN"); t && *t) {
    source = storage::StaticAccessToken(t);
  } else if (const char* c = std::getenv("CLOUDSDK_AUTH_ACCESS_TOKEN"); c && *c) {
    source = storage::StaticAccessToken(c);
  } else {
    source = std::make_shared<storage::MetadataAccessTokenSource>();
  }
  auto access = source->Token();
  if (!access.ok()) return access.status();
  http::Request request;
  request.method = "POST";
  request.url = absl::StrCat(iam_endpoint, "/v1/projects/-/serviceAccounts/", http::PercentEncode(sa),
                             ":generateIdToken");
  request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + *access}};
  std::string escaped_audience;
  for (char c : audience) {
    if (c == '"' || c == '\\') escaped_audience.push_back('\\');
    escaped_audience.push_back(c);
  }
  request.body = absl::StrCat("{\"audience\": \"", escaped_audience, "\", \"includeEmail\": true}");
  auto response = http::Client().Send(request);
  if (!response.ok()) return response.status();
  if (!response->ok()) {
    return absl::PermissionDeniedError(absl::StrCat("generateIdToken for ", sa, ": ", response->status));
  }
  const size_t key = response->body.find("\"token\"");
  const size_t open = key == std::string::npos ? key : response->body.find('"', response->body.find(':', key));
  const size_t close = open == std::string::npos ? open : response->body.find('"', open + 1);
  if (close == std::string::npos) return absl::InternalError("generateIdToken answered without a token");
  return response->body.substr(open + 1, close - open - 1);
}

int RunClient(const Flags& flags) {
  if (absl::Status s = flags.CheckKnown({"saved_model", "task_config", "task_builder_server",
                                         "impersonate_service_account", "build_artifact_only", "skip_flex_ops_check",
                                         "skip_dp_check", "skip_dp_aggregator", "population_name", "api_key", "json",
                                         "strict", "timeout_seconds", "iam_credentials_endpoint", "quiet", "verbose",
                                         "help"});
      !s.ok()) {
    std::cerr << "taskbuilder client: " << s.message() << "\n" << kUsage;
    return 2;
  }
  // Required flags, checked in the original's order with its texts (it exited with 1 and a traceback).
  const std::string saved_model = flags.GetOr("saved_model", "");
  const std::string task_config_path = flags.GetOr("task_config", "");
  if (saved_model.empty()) {
    std::cerr << "ValueError: `--saved_model` is required but not set.\n";
    return 1;
  }
  if (task_config_path.empty()) {
    std::cerr << "ValueError: `--task_config` is required but not set.\n";
    return 1;
  }
  auto timeout = flags.GetInt("timeout_seconds", 900);
  if (!timeout.ok() || *timeout <= 0) {
    std::cerr << "taskbuilder client: --timeout_seconds must be a positive integer\n";
    return 2;
  }

  TB_LOG(INFO) << "Creating build task request from command-line options.";
  odp::BuildTaskRequest request;
  request.mutable_flags()->set_skip_flex_ops_check(flags.GetBool("skip_flex_ops_check"));
  request.mutable_flags()->set_skip_dp_check(flags.GetBool("skip_dp_check"));
  request.mutable_flags()->set_skip_dp_aggregator(flags.GetBool("skip_dp_aggregator"));
  TB_LOG(INFO) << "Loading task config from " << task_config_path << "...";
  auto task_config = LoadTaskConfig(task_config_path);
  if (!task_config.ok()) {
    std::cerr << "TaskBuilderException: Cannot load task config from " << task_config_path << ". "
              << task_config.status().message() << "\n";
    return 1;
  }
  request.mutable_saved_model()->set_uri(Absolutize(saved_model));
  *request.mutable_task_config() = *std::move(task_config);
  if (const std::string population = flags.GetOr("population_name", ""); !population.empty()) {
    request.mutable_task_config()->set_population_name(population);
  }

  std::string base = flags.GetOr("task_builder_server", "http://localhost:5000/");
  if (!base.empty() && base.back() == '/') base.pop_back();  // exactly one, as the original
  std::string endpoint = absl::StrCat(base, "/taskbuilder/v1",
                                      flags.GetBool("build_artifact_only") ? ":build-artifacts" : ":build-task-group");
  std::string shown_endpoint = endpoint;

  http::Request post;
  post.method = "POST";
  post.headers.emplace_back("Content-Type", "application/x-protobuf");
  const std::string api_key = flags.GetOr("api_key", "");
  const std::string impersonate = flags.GetOr("impersonate_service_account", "");
  if (!api_key.empty()) {
    endpoint += "?key=" + api_key;  // raw, as the gateway expects it
    shown_endpoint += "?key=<redacted>";
  } else {
    absl::StatusOr<std::string> token = std::string();
    if (impersonate.empty()) {
      TB_LOG(INFO) << "Retrieving id token from metadata server.";
      token = IsLoopback(endpoint) ? absl::StatusOr<std::string>(std::string("None"))
                                   : storage::MetadataIdTokenSource().IdToken(endpoint);
    } else {
      TB_LOG(INFO) << "Retrieving id token from impersonated service account " << impersonate;
      token = ImpersonatedIdToken(impersonate, endpoint,
                                  flags.GetOr("iam_credentials_endpoint", "https://iamcredentials.googleapis.com"));
    }
    if (!token.ok()) {
      TB_LOG(ERROR) << "ID token: " << token.status().message();
      std::cerr << "TaskBuilderException: Fail to connect: " << shown_endpoint << "\n";
      return 1;
    }
    post.headers.emplace_back("Authorization", "Bearer " + *token);
  }
  post.url = endpoint;
  post.body = ::tb::SerializeDeterministic(request);

  TB_LOG(INFO) << "Send HTTP request to: " << shown_endpoint;
  http::ClientOptions client_options;
  client_options.timeout = std::chrono::seconds(*timeout);
  client_options.max_response_bytes = uint64_t{256} << 20;
  auto response = http::Client(client_options).Send(post);
  if (!response.ok()) {
    // libcurl's message names the URL it was given; never let it carry the API key into the logs.
    std::string message(response.status().message());
    if (!api_key.empty()) message = absl::StrReplaceAll(message, {{endpoint, shown_endpoint}});
    TB_LOG(ERROR) << message;
    std::cerr << "TaskBuilderException: Fail to connect: " << shown_endpoint << "\n";
    return 1;
  }
  if (response->status >= 400) {
    std::cerr << "TaskBuilderException: " << response->status << ": " << response->reason << "\n";
    return 1;
  }
  odp::BuildTaskResponse build_response;
  if (!build_response.ParseFromString(response->body)) {
    std::cerr << "TaskBuilderException: Server returned unreadable response.\n";
    return 1;
  }

  std::string report_text, group_text;
  google::protobuf::TextFormat::PrintToString(build_response.task_report(), &report_text);
  if (build_response.has_task_group()) {
    google::protobuf::TextFormat::PrintToString(build_response.task_group(), &group_text);
    TB_LOG(INFO) << "Success! Tasks are built, and artifacts are uploaded to the cloud.";
    std::cerr << report_text << group_text;
  } else {
    std::cerr << report_text;
    TB_LOG(ERROR) << "Failed to create task group. Error type: " << build_response.error_info().error_type()
                  << "; Error message: " << build_response.error_info().error_message();
  }
  if (flags.GetBool("json")) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    (void)google::protobuf::util::MessageToJsonString(build_response, &json, options);
    std::cout << json;
  }
  return build_response.has_task_group() || !flags.GetBool("strict") ? 0 : 3;
}

}  // namespace

TB_REGISTER_COMMAND({.name = "client",
                     .summary = "Send a build request to a task builder server (the original client's flags).",
                     .usage = kUsage,
                     .bool_flags = {"build_artifact_only", "skip_flex_ops_check", "skip_dp_check",
                                    "skip_dp_aggregator", "json", "strict"},
                     .run = &RunClient});

}  // namespace tb::cli
