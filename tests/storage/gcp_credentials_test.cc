// Credentials against a real metadata-server stand-in on loopback (an http::Server answering the two
// computeMetadata endpoints), and the Authorization header the Cloud Storage client sends with them.
#include "storage/gcp_credentials.h"

#include <atomic>
#include <mutex>

#include "gtest/gtest.h"
#include "http/server.h"
#include "storage/gcs_blob_store.h"
#include "tests/testing/testing.h"

namespace tb::storage {
namespace {

struct MetadataServer {
  std::atomic<int> token_calls{0};
  std::atomic<int> identity_calls{0};
  std::mutex mu;
  std::vector<std::string> flavors;
  std::string last_audience;
  std::unique_ptr<http::Server> server;

  MetadataServer() {
    auto s = http::Server::Start({.address = "127.0.0.1"}, [this](const http::ServerRequest& r) {
      {
        std::lock_guard<std::mutex> lock(mu);
        flavors.push_back(r.Header("Metadata-Flavor"));
      }
      if (r.path == "/computeMetadata/v1/instance/service-accounts/default/token") {
        ++token_calls;
        return http::ServerResponse{.status = 200, .content_type = "application/json", .headers = {},
                                    .body = R"({"access_token":"ya29.token-)" + std::to_string(token_calls.load()) +
                                            R"(","expires_in":3599,"token_type":"Bearer"})"};
      }
      if (r.path == "/computeMetadata/v1/instance/service-accounts/default/identity") {
        ++identity_calls;
        std::lock_guard<std::mutex> lock(mu);
        last_audience = r.QueryParam("audience");
        return http::ServerResponse{.status = 200, .content_type = "text/plain", .headers = {},
                                    .body = "eyJ.id-token-for." + r.QueryParam("audience") + "\n"};
      }
      return http::ServerResponse{.status = 404, .content_type = "text/plain", .headers = {}, .body = "no"};
    });
    EXPECT_TRUE(s.ok()) << s.status();
    server = std::move(*s);
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
};

TEST(GcpCredentialsTest, AccessTokenFromMetadataIsCached) {
  MetadataServer md;
  MetadataAccessTokenSource source(md.base());
  auto a = source.Token();
  auto b = source.Token();
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, "ya29.token-1");
  EXPECT_EQ(*b, "ya29.token-1");
  EXPECT_EQ(md.token_calls.load(), 1);
  std::lock_guard<std::mutex> lock(md.mu);
  for (const auto& f : md.flavors) EXPECT_EQ(f, "Google");
}

TEST(GcpCredentialsTest, IdTokenCarriesTheRawAudience) {
  MetadataServer md;
  MetadataIdTokenSource source(md.base());
  auto t = source.IdToken("https://tm.example.com/");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, "eyJ.id-token-for.https://tm.example.com/");  // trailing newline trimmed
  {
    std::lock_guard<std::mutex> lock(md.mu);
    EXPECT_EQ(md.last_audience, "https://tm.example.com/");
  }
  ASSERT_TRUE(source.IdToken("https://tm.example.com/").ok());
  EXPECT_EQ(md.identity_calls.load(), 1);
  ASSERT_TRUE(source.IdToken("https://other").ok());
  EXPECT_EQ(md.identity_calls.load(), 2);
}

TEST(GcpCredentialsTest, UnreachableMetadataServerSaysWhatToDo) {
  MetadataAccessTokenSource source("http://127.0.0.1:" + std::to_string(testing::PickUnusedPort()));
  auto t = source.Token();
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(t.status().message().find("GOOGLE_OAUTH_ACCESS_TOKEN"), std::string::npos);
}

TEST(GcpCredentialsTest, DefaultChainPrefersEmulatorThenEnvironment) {
  ::setenv("STORAGE_EMULATOR_HOST", "127.0.0.1:1", 1);
  EXPECT_EQ(*DefaultStorageCredentials()->Token(), "");
  ::unsetenv("STORAGE_EMULATOR_HOST");
  ::setenv("GOOGLE_OAUTH_ACCESS_TOKEN", "from-env", 1);
  EXPECT_EQ(*DefaultStorageCredentials()->Token(), "from-env");
  ::unsetenv("GOOGLE_OAUTH_ACCESS_TOKEN");
  ::setenv("GCE_METADATA_HOST", "127.0.0.1:7", 1);
  EXPECT_EQ(MetadataServerBase(), "http://127.0.0.1:7");
  ::unsetenv("GCE_METADATA_HOST");
  EXPECT_EQ(MetadataServerBase(), "http://metadata.google.internal");
}

TEST(GcpCredentialsTest, CloudStorageRequestsCarryTheBearerToken) {
  MetadataServer md;
  std::mutex mu;
  std::vector<std::string> auth;
  auto gcs = http::Server::Start({.address = "127.0.0.1"}, [&](const http::ServerRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    auth.push_back(r.Header("Authorization"));
    return http::ServerResponse{.status = 200, .content_type = "application/json", .headers = {},
                                .body = R"({"name":"o","bucket":"bkt","size":"3"})"};
  });
  ASSERT_TRUE(gcs.ok());
  GcsOptions o;
  o.endpoint = "http://127.0.0.1:" + std::to_string((*gcs)->port());
  o.credentials = std::make_shared<MetadataAccessTokenSource>(md.base());
  GcsBlobStore store(o);
  ASSERT_TRUE(store.Stat("gs://bkt/o").ok());
  ASSERT_TRUE(store.Stat("gs://bkt/o").ok());
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(auth.size(), 2u);
  EXPECT_EQ(auth[0], "Bearer ya29.token-1");
  EXPECT_EQ(auth[1], "Bearer ya29.token-1");
}

}  // namespace
}  // namespace tb::storage
