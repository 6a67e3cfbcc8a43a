// The task-management HTTP face takes paths and protobuf bodies from the network. Input: the request path, a
// newline, then the body; it is sent as a create/get/cancel to the real handler over a real SQLite store.
// Nothing may crash, and every answer must be a well-formed HTTP status.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "tm/task_management_http.h"
#include "tm/task_management_service.h"

namespace {

struct World {
  std::unique_ptr<tb::tm::TaskStore> store;
  std::unique_ptr<tb::tm::TaskManagementService> service;
  tb::http::Handler handler;
  World() {
    char dir[] = "/tmp/tm-fuzz-XXXXXX";
    const std::string root = ::mkdtemp(dir);
    store = std::move(*tb::tm::TaskStore::Open(root + "/tm.db"));
    service = std::move(*tb::tm::TaskManagementService::Create(store.get(), {.storage_root = root, .now_ms = nullptr}));
    handler = tb::tm::MakeTaskManagementHandler(service.get());
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  tb::http::ServerRequest req;
  req.path = "/taskmanagement/v1/population/" + input.substr(0, nl);
  req.target = req.path;
  req.body = nl == std::string::npos ? "" : input.substr(nl + 1);
  req.headers = {{"Content-Type", "application/x-protobuf"}};
  for (const char* method : {"POST", "GET"}) {
    req.method = method;
    tb::http::ServerResponse resp = world->handler(req);
    if (resp.status < 200 || resp.status > 599) __builtin_trap();
  }
  return 0;
}
