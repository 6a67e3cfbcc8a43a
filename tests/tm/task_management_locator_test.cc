#include "tm/task_management_locator.h"

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "base/crc32c.h"
#include "gtest/gtest.h"
#include "http/server.h"

namespace tb::tm {
namespace {

// Secret Manager and metadata stand-in on loopback.
struct Gcp {
  std::string secret_value = "https://tm.example.com\n";
  bool corrupt = false;
  bool missing = false;
  std::unique_ptr<http::Server> server;
  std::string seen_auth;
  std::string seen_path;
  Gcp() {
    auto s = http::Server::Start({.address = "127.0.0.1"}, [this](const http::ServerRequest& r) {
      if (r.path == "/computeMetadata/v1/project/project-id") {
        return http::ServerResponse{.status = 200, .content_type = "text/plain", .headers = {}, .body = "proj-md"};
      }
      if (r.path == "/computeMetadata/v1/instance/service-accounts/default/token") {
        return http::ServerResponse{.status = 200, .content_type = "application/json", .headers = {},
                                    .body = R"({"access_token":"at","expires_in":3600})"};
      }
      seen_auth = r.Header("Authorization");
      seen_path = r.path;
      if (missing) return http::ServerResponse{.status = 404, .content_type = "application/json", .headers = {}, .body = "{}"};
      const uint32_t crc = crc32c::Value(secret_value) + (corrupt ? 1 : 0);
      return http::ServerResponse{
          .status = 200, .content_type = "application/json", .headers = {},
          .body = R"({"name":"x","payload":{"data":")" + absl::Base64Escape(secret_value) + R"(","dataCrc32c":")" +
                  std::to_string(crc) + R"("}})"};
    });
    EXPECT_TRUE(s.ok());
    server = std::move(*s);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
};

TaskManagementLocatorOptions Options(const Gcp& gcp) {
  TaskManagementLocatorOptions o;
  o.use_environment = false;
  o.secret_manager_endpoint = gcp.url();
  o.metadata_base = gcp.url();
  return o;
}

TEST(TaskManagementLocatorTest, ExplicitThenEnvironment) {
  ::setenv("TASK_MANAGEMENT_SERVER_URL", "http://from-env", 1);
  TaskManagementLocator env({});
  EXPECT_EQ(*env.Resolve(), "http://from-env");
  TaskManagementLocatorOptions o;
  o.explicit_url = "http://explicit";
  EXPECT_EQ(*TaskManagementLocator(o).Resolve(), "http://explicit");
  ::unsetenv("TASK_MANAGEMENT_SERVER_URL");
}

TEST(TaskManagementLocatorTest, SecretManagerValueIsCheckedTrimmedAndNamedByEnv) {
  Gcp gcp;
  ::setenv("ENV", "dev", 1);
  TaskManagementLocator locator(Options(gcp));
  auto url = locator.Resolve();
  ::unsetenv("ENV");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(*url, "https://tm.example.com");  // the trailing newline would have broken every URL
  EXPECT_EQ(gcp.seen_path, "/v1/projects/proj-md/secrets/fc-dev-TASK_MANAGEMENT_SERVER_URL/versions/latest:access");
  EXPECT_EQ(gcp.seen_auth, "Bearer at");
}

TEST(TaskManagementLocatorTest, MissingOrCorruptSecretMeansNotFound) {
  Gcp gcp;
  gcp.corrupt = true;
  TaskManagementLocatorOptions o = Options(gcp);
  o.project_id = "p";
  auto corrupt = TaskManagementLocator(o).Resolve();
  EXPECT_EQ(corrupt.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(corrupt.status().message(), "Cannot find task management server.");
  gcp.corrupt = false;
  gcp.missing = true;
  EXPECT_EQ(TaskManagementLocator(o).Resolve().status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(gcp.seen_path, "/v1/projects/p/secrets/fc-TASK_MANAGEMENT_SERVER_URL/versions/latest:access");
}

}  // namespace
}  // namespace tb::tm
