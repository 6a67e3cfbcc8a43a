// The HTTP surface of behavior.md §1 without sockets: routes, methods, bodies, content types, API keys.
#include "server/build_routes.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/config/good_config.h"
#include "tests/pipeline/pipeline_fakes.h"

namespace tb::server {
namespace {

namespace odp = ::google::ondevicepersonalization::federatedcompute::proto;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

http::ServerRequest Req(std::string method, std::string target, std::string body = "") {
  http::ServerRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.path = r.target.substr(0, r.target.find('?'));
  const size_t q = r.target.find('?');
  if (q != std::string::npos) {
    const std::string query = r.target.substr(q + 1);
    const size_t eq = query.find('=');
    r.query.emplace(query.substr(0, eq), eq == std::string::npos ? "" : query.substr(eq + 1));
  }
  r.body = std::move(body);
  return r;
}

std::string HeaderOf(const http::ServerResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class RoutesTest : public ::testing::Test {
 protected:
  pipeline::PipelineServices services_;  // no ports: builds fail early, which is all routing needs
  BuildRoutes routes_{&services_, {}};
};

TEST_F(RoutesTest, Probes) {
  for (const char* method : {"GET", "HEAD"}) {
    http::ServerResponse ready = routes_.Handle(Req(method, "/ready"));
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(ready.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(ready.body, "Greetings from Task Builder Flask! Ready check. \n");
    EXPECT_EQ(routes_.Handle(Req(method, "/healthz?x=1")).body,
              "Greetings from Task Builder Flask! Health check. \n");
  }
  http::ServerResponse options = routes_.Handle(Req("OPTIONS", "/healthz"));
  EXPECT_EQ(options.status, 200);
  EXPECT_EQ(options.body, "");
  EXPECT_EQ(HeaderOf(options, "Allow"), "GET, HEAD, OPTIONS");
  http::ServerResponse post = routes_.Handle(Req("POST", "/ready"));
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(HeaderOf(post, "Allow"), "GET, HEAD, OPTIONS");
  EXPECT_TRUE(routes_.IsCheap(Req("GET", "/healthz")));
}

TEST_F(RoutesTest, UnknownPathsAreWerkzeug404s) {
  for (const char* path : {"/", "/ready/", "/taskbuilder/v1:build-task", "/taskbuilder/v1/build-task-group",
                           "/READY"}) {
    http::ServerResponse r = routes_.Handle(Req("GET", path));
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(r.body,
              "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested "
              "URL was not found on the server. If you entered the URL manually please check your spelling and try "
              "again.</p>\n");
  }
}

TEST_F(RoutesTest, WrongMethodsOnBuildRoutesAre405WithAllow) {
  for (const char* path : {kBuildTaskGroupPath, kBuildArtifactsPath}) {
    for (const char* method : {"GET", "HEAD", "PUT", "DELETE", "PATCH"}) {
      http::ServerResponse r = routes_.Handle(Req(method, path));
      EXPECT_EQ(r.status, 405) << method << " " << path;
      EXPECT_EQ(HeaderOf(r, "Allow"), "OPTIONS, POST");
      EXPECT_EQ(r.body,
                "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not "
                "Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n");
      EXPECT_TRUE(routes_.IsCheap(Req(method, path)));
    }
    http::ServerResponse options = routes_.Handle(Req("OPTIONS", path));
    EXPECT_EQ(options.status, 200);
    EXPECT_EQ(HeaderOf(options, "Allow"), "OPTIONS, POST");
  }
}

TEST_F(RoutesTest, BuildRoutesAnswerProtobufOnHttp200) {
  http::ServerResponse r = routes_.Handle(Req("POST", kBuildTaskGroupPath));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/x-protobuf");
  odp::BuildTaskResponse response;
  ASSERT_TRUE(response.ParseFromString(r.body));
  EXPECT_EQ(response.error_info().error_type(), odp::ErrorType::INVALID_REQUEST);
  EXPECT_THAT(response.error_info().error_message(), HasSubstr("population_name"));
  EXPECT_FALSE(routes_.IsCheap(Req("POST", kBuildTaskGroupPath)));
  // The colon may arrive percent-encoded; Werkzeug routes on the decoded path.
  EXPECT_EQ(routes_.Handle(Req("POST", "/taskbuilder/v1%3Abuild-artifacts")).content_type, "application/x-protobuf");
}

TEST_F(RoutesTest, ArtifactOnlyRouteRunsWithoutTaskManagement) {
  pipeline::PipelineServices services;
  ::tb::testing::TempDir dir;
  pipeline::testing::DirectoryBlobStore store(dir.path());
  pipeline::testing::ScriptedArtifactBuilder builder;
  services.blob_store = &store;
  services.artifact_builder = &builder;
  services.model_loader = [](const std::string&) -> absl::StatusOr<std::shared_ptr<const tf::FunctionalModel>> {
    return pipeline::testing::OpaqueModel();
  };
  services.dp_deriver = [](const odp::TaskConfig&, const odp::ExperimentFlags&) -> absl::StatusOr<pipeline::DpSettings> {
    return pipeline::testing::GoodDp();
  };
  BuildRoutes routes(&services, {});
  odp::BuildTaskRequest request;
  request.mutable_saved_model()->set_uri(dir.path());
  *request.mutable_task_config() = ::tb::testing::GoodTaskConfig();
  odp::BuildTaskResponse response;
  ASSERT_TRUE(response.ParseFromString(routes.Handle(Req("POST", kBuildArtifactsPath, request.SerializeAsString())).body));
  EXPECT_TRUE(response.has_task_group()) << response.error_info().error_message();
  ASSERT_TRUE(response.ParseFromString(routes.Handle(Req("POST", kBuildTaskGroupPath, request.SerializeAsString())).body));
  EXPECT_EQ(response.error_info().error_message(), "Cannot find task management server.");
}

TEST_F(RoutesTest, ApiKeyGuardsOnlyTheBuildRoutes) {
  BuildRoutes guarded(&services_, {.api_key = "s3cret"});
  EXPECT_EQ(guarded.Handle(Req("GET", "/healthz")).status, 200);
  EXPECT_EQ(guarded.Handle(Req("POST", kBuildTaskGroupPath)).status, 401);
  EXPECT_EQ(guarded.Handle(Req("POST", std::string(kBuildTaskGroupPath) + "?key=wrong")).status, 401);
  EXPECT_EQ(guarded.Handle(Req("POST", std::string(kBuildTaskGroupPath) + "?key=s3cre")).status, 401);
  EXPECT_EQ(guarded.Handle(Req("POST", std::string(kBuildTaskGroupPath) + "?key=s3cret!")).status, 401);
  EXPECT_TRUE(guarded.IsCheap(Req("POST", kBuildTaskGroupPath)));
  http::ServerResponse ok = guarded.Handle(Req("POST", std::string(kBuildTaskGroupPath) + "?key=s3cret"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.content_type, "application/x-protobuf");
  http::ServerRequest with_header = Req("POST", kBuildArtifactsPath);
  with_header.headers.emplace_back("X-Api-Key", "s3cret");
  EXPECT_EQ(guarded.Handle(with_header).status, 200);
  EXPECT_FALSE(guarded.IsCheap(with_header));
}

TEST(PercentDecodePathTest, DecodesValidEscapesOnly) {
  EXPECT_EQ(PercentDecodePath("/a%3Ab%3a"), "/a:b:");
  EXPECT_EQ(PercentDecodePath("/a%zz%4"), "/a%zz%4");
  EXPECT_EQ(PercentDecodePath("%"), "%");
}

}  // namespace
}  // namespace tb::server
