// `taskbuilder task-management`: the embedded ODP task-management service on its own, over HTTP, so a local
// ODP build loop (or several builders) can share one TM. Tasks persist in SQLite; artifacts URLs point into
// --storage. CREATED tasks whose artifacts never arrived are cancelled after --recover_after_minutes.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "base/logging.h"
#include "cli/command.h"
#include "http/server.h"
#include "nlohmann/json.hpp"
#include "storage/uri_blob_store.h"
#include "tm/task_management_http.h"
#include "tm/task_management_ports.h"

namespace tb::cli {
namespace {

constexpr char kUsage[] =
    "taskbuilder task-management --storage=DIR|gs://BUCKET[/PREFIX] [--port=8082] [--host=127.0.0.1]\n"
    "                            [--database=PATH] [--recover_after_minutes=10] [--workers=4]\n\n"
    "  --storage                where artifact URLs point: an absolute directory or gs://BUCKET[/PREFIX]\n"
    "  --port                   TCP port (default 8082, ODP's; 0 picks a free one)\n"
    "  --host                   address to bind (default 127.0.0.1; 0.0.0.0 for every interface)\n"
    "  --database               the SQLite task database (default: DIR/.taskbuilder/task_management.db, or\n"
    "                           ~/.local/share/taskbuilder/task_management-BUCKET.db for gs://)\n"
    "  --recover_after_minutes  cancel CREATED tasks still missing artifacts this long after creation (checked\n"
    "                           at start-up and every minute; default 10; 0 checks every CREATED task)\n"
    "  --workers                request handler threads (default 4)\n\n"
    "Prints one JSON line with the URL once it is listening. Stops on SIGTERM/SIGINT.\n";

int RunTaskManagement(const Flags& flags) {
  if (absl::Status s = flags.CheckKnown({"storage", "port", "host", "database", "recover_after_minutes", "workers",
                                         "quiet", "verbose", "help"});
      !s.ok()) {
    std::cerr << "taskbuilder task-management: " << s.message() << "\n" << kUsage;
    return 2;
  }
  std::string storage_root = flags.GetOr("storage", "");
  if (!storage_root.empty() && storage_root.rfind("gs://", 0) != 0 && storage_root.rfind("file://", 0) != 0) {
    storage_root = std::filesystem::absolute(storage_root).lexically_normal().string();  // relative dirs are fine
  }
  auto port = flags.GetInt("port", 8082);
  auto recover_after = flags.GetInt("recover_after_minutes", 10);
  auto workers = flags.GetInt("workers", 4);
  for (const absl::Status& s : {port.status(), recover_after.status(), workers.status()}) {
    if (!s.ok()) {
      std::cerr << "taskbuilder task-management: " << s.message() << "\n";
      return 2;
    }
  }
  if (storage_root.empty() || *port < 0 || *port > 65535 || *recover_after < 0 || *workers < 1 || *workers > 64) {
    std::cerr << "taskbuilder task-management: --storage is required; --port must be 0..65535, "
                 "--recover_after_minutes >= 0, --workers 1..64\n"
              << kUsage;
    return 2;
  }
  const bool local = storage_root.rfind("gs://", 0) != 0;
  storage::UriBlobStore artifacts(local ? storage_root : "/");
  tm::EmbeddedTaskManagementOptions options;
  options.storage_root = storage_root;
  options.database_path = flags.GetOr("database", "");
  auto tm = tm::EmbeddedTaskManagement::Open(options);
  if (!tm.ok()) {
    std::cerr << "taskbuilder task-management: " << tm.status().message() << "\n";
    return 1;
  }
  tm::TaskManagementService& service = (*tm)->service();
  const int64_t grace_ms = *recover_after * 60 * 1000;
  auto recover = [&] {
    auto report = service.RecoverIncompleteTasks(artifacts, grace_ms);
    if (!report.ok()) {
      TB_LOG(WARNING) << "task management recovery failed: " << report.status().message();
      return;
    }
    for (const auto& t : report->cancelled) {
      TB_LOG(WARNING) << "recovery: cancelled " << t.population_name() << "/" << t.task_id()
                      << ": CREATED without its artifacts for more than " << *recover_after << " minutes";
    }
    for (const auto& u : report->unverified) TB_LOG(WARNING) << "recovery: could not check " << u;
  };
  recover();

  http::ServerOptions server_options;
  server_options.address = flags.GetOr("host", "127.0.0.1");
  server_options.port = static_cast<int>(*port);
  server_options.worker_threads = static_cast<int>(*workers);
  server_options.body_limit = 8 << 20;
  server_options.run_inline = &tm::IsTaskManagementHealthCheck;
  auto server = http::Server::Start(server_options, tm::MakeTaskManagementHandler(&service));
  if (!server.ok()) {
    std::cerr << "taskbuilder task-management: " << server.status().message() << "\n";
    return 1;
  }
  const std::string host = server_options.address == "0.0.0.0" ? "127.0.0.1" : server_options.address;
  nlohmann::json ready = {{"task_management_server", "http://" + host + ":" + std::to_string((*server)->port())},
                          {"storage", service.storage_root()},
                          {"database", service.store().path()}};
  std::cout << ready.dump() << std::endl;
  TB_LOG(INFO) << "task management: listening on http://" << server_options.address << ":" << (*server)->port()
               << ", artifacts under " << service.storage_root() << ", tasks in " << service.store().path();

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread sweeper([&] {
    std::unique_lock<std::mutex> lock(mu);
    while (!cv.wait_for(lock, std::chrono::minutes(1), [&] { return stopping; })) {
      lock.unlock();
      recover();
      lock.lock();
    }
  });
  http::WaitForSignalAndShutdown(**server, std::chrono::seconds(10));
  {
    std::lock_guard<std::mutex> lock(mu);
    stopping = true;
  }
  cv.notify_all();
  sweeper.join();
  TB_LOG(INFO) << "task management: stopped";
  return 0;
}

}  // namespace

TB_REGISTER_COMMAND({.name = "task-management",
                     .summary = "Run the embedded ODP task-management service over HTTP (SQLite-backed).",
                     .usage = kUsage,
                     .bool_flags = {},
                     .run = &RunTaskManagement});

}  // namespace tb::cli
