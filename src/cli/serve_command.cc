// `taskbuilder serve`: the task builder HTTP service (behavior.md §1) on Boost.Beast. With no flags it is a
// complete local build service: artifacts in the local data directory and the embedded task management.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "base/logging.h"
#include "cli/command.h"
#include "http/server.h"
#include "pipeline/build_pipeline.h"
#include "server/build_routes.h"
#include "server/build_services.h"

namespace tb::cli {
namespace {

constexpr char kUsage[] =
    "taskbuilder serve [--port=5000] [--host=0.0.0.0] [--storage=DIR|gs://BUCKET]\n"
    "                  [--task_management_server=URL] [--api_key=KEY] [--workers=N] [--model_root=DIR]\n"
    "                  [--shutdown_grace_seconds=30]\n\n"
    "  --port                    TCP port (default 5000, the original's; 0 picks a free one)\n"
    "  --host                    address to bind (default 0.0.0.0)\n"
    "  --storage                 where artifacts go: a directory or gs://BUCKET (default: $TASKBUILDER_HOME,\n"
    "                            $XDG_DATA_HOME/taskbuilder or ~/.local/share/taskbuilder)\n"
    "  --task_management_server  an ODP task-management server URL (default: $TASK_MANAGEMENT_SERVER_URL, else the\n"
    "                            embedded service)\n"
    "  --api_key                 require ?key=KEY or an x-api-key header on the build routes\n"
    "  --workers                 concurrent builds (default: the number of cores, at least 2)\n"
    "  --model_root              local SavedModel paths must lie under this directory (default /)\n"
    "  --shutdown_grace_seconds  on SIGTERM, how long in-flight builds may take to finish (default 30)\n";

int RunServe(const Flags& flags) {
  if (absl::Status s = flags.CheckKnown({"port", "host", "storage", "task_management_server", "api_key", "workers",
                                         "model_root", "shutdown_grace_seconds", "quiet", "verbose", "help"});
      !s.ok()) {
    std::cerr << "taskbuilder serve: " << s.message() << "\n" << kUsage;
    return 2;
  }
  auto port = flags.GetInt("port", 5000);
  auto workers = flags.GetInt("workers", std::max(2u, std::thread::hardware_concurrency()));
  auto grace = flags.GetInt("shutdown_grace_seconds", 30);
  for (const absl::Status& s : {port.status(), workers.status(), grace.status()}) {
    if (!s.ok()) {
      std::cerr << "taskbuilder serve: " << s.message() << "\n";
      return 2;
    }
  }
  if (*port < 0 || *port > 65535 || *workers < 1 || *workers > 256 || *grace < 0) {
    std::cerr << "taskbuilder serve: --port must be 0..65535, --workers 1..256, --shutdown_grace_seconds >= 0\n";
    return 2;
  }

  server::ServiceOptions service_options;
  service_options.storage = flags.GetOr("storage", "");
  service_options.task_management_server = flags.GetOr("task_management_server", "");
  service_options.model_root = flags.GetOr("model_root", "/");
  auto services = server::BuildServices::Create(service_options);
  if (!services.ok()) {
    std::cerr << "taskbuilder serve: " << services.status().message() << "\n";
    return 1;
  }
  server::RouteOptions route_options;
  route_options.api_key = flags.GetOr("api_key", "");
  route_options.journal = (*services)->journal();
  server::BuildRoutes routes(&(*services)->pipeline(), route_options);

  http::ServerOptions options;
  options.address = flags.GetOr("host", "0.0.0.0");
  options.port = static_cast<int>(*port);
  options.io_threads = 1;
  options.worker_threads = static_cast<int>(*workers);
  options.header_limit = 16 * 1024;
  options.body_limit = pipeline::kMaxRequestBytes;
  options.run_inline = [&routes](const http::ServerRequest& r) { return routes.IsCheap(r); };
  auto server =
      http::Server::Start(options, [&routes](const http::ServerRequest& r) { return routes.Handle(r); });
  if (!server.ok()) {
    std::cerr << "taskbuilder serve: " << server.status().message() << "\n";
    return 1;
  }
  for (const std::string& line : (*services)->Describe()) TB_LOG(INFO) << line;
  if (!route_options.api_key.empty()) {
    TB_LOG(INFO) << "build routes require the API key";
  }
  TB_LOG(INFO) << "taskbuilder serve: listening on http://" << options.address << ":" << (*server)->port() << " ("
               << *workers << " build workers)";
  http::WaitForSignalAndShutdown(**server, std::chrono::seconds(*grace));
  TB_LOG(INFO) << "taskbuilder serve: stopped";
  return 0;
}

}  // namespace

TB_REGISTER_COMMAND({.name = "serve",
                     .summary = "Run the task builder HTTP service (ODP's API on :5000).",
                     .usage = kUsage,
                     .bool_flags = {},
                     .run = &RunServe});

}  // namespace tb::cli
