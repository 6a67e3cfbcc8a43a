// The task builder's HTTP API (behavior.md §1): the two build routes, the two probes, and the original's
// status codes, content types, bodies and 404/405/OPTIONS behaviour, plus an optional API-key check on the build
// routes. Maps requests to the pipeline; it never parses sockets (http/server.h does) and never throws.
#ifndef TASKBUILDER_SERVER_BUILD_ROUTES_H_
#define TASKBUILDER_SERVER_BUILD_ROUTES_H_

#include <string>

#include "http/server.h"
#include "pipeline/build_pipeline.h"
#include "pipeline/idempotency.h"

namespace tb::server {

inline constexpr char kBuildTaskGroupPath[] = "/taskbuilder/v1:build-task-group";
inline constexpr char kBuildArtifactsPath[] = "/taskbuilder/v1:build-artifacts";
inline constexpr char kReadyBody[] = "Greetings from Task Builder Flask! Ready check. \n";
inline constexpr char kHealthBody[] = "Greetings from Task Builder Flask! Health check. \n";

struct RouteOptions {
  // When non-empty, the build routes need `?key=<api_key>` (as ODP's API gateway passes it) or an
  // `x-api-key: <api_key>` header; the probes stay open.
  std::string api_key;
  // When set, build requests carrying an Idempotency-Key header run through this journal (pipeline/idempotency.h).
  pipeline::BuildJournal* journal = nullptr;
};

class BuildRoutes {
 public:
  // `services` must outlive this object.
  BuildRoutes(const pipeline::PipelineServices* services, RouteOptions options);

  http::ServerResponse Handle(const http::ServerRequest& request) const;

  // True for requests that never run a build (probes, OPTIONS, 404/405, auth failures): they are answered on the
  // I/O thread so they stay fast while every worker is building.
  bool IsCheap(const http::ServerRequest& request) const;

 private:
  bool Authorized(const http::ServerRequest& request) const;

  const pipeline::PipelineServices* services_;
  RouteOptions options_;
};

// Decodes %XX escapes in a request path (Werkzeug routes on the decoded path). Invalid escapes stay as they are.
std::string PercentDecodePath(std::string_view path);

}  // namespace tb::server

#endif  // TASKBUILDER_SERVER_BUILD_ROUTES_H_
