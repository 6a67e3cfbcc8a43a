#include "tm/task_management_http.h"

#include "base/deterministic_serialization.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"

namespace tb::tm {
namespace {

constexpr std::string_view kPrefix = "/taskmanagement/v1/population/";
constexpr uint64_t kMaxCreateBody = 4 << 20;  // a Task is a few hundred bytes

http::ServerResponse Text(int status, std::string body) {
  http::ServerResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back(kIdempotencySupportHeader, "supported");
  return r;
}

http::ServerResponse Proto(const google::protobuf::Message& m) {
  http::ServerResponse r;
  r.status = 200;
  r.content_type = "application/x-protobuf";
  r.body = SerializeDeterministic(m);
  r.headers.emplace_back(kIdempotencySupportHeader, "supported");
  return r;
}

// The service's messages start with "<code>: <reason>: "; the HTTP status is that code.
http::ServerResponse FromStatus(const absl::Status& s) {
  int code = 500;
  std::string_view msg = FromAbsl(s.message());
  const size_t colon = msg.find(": ");
  if (colon == 3 && absl::SimpleAtoi(ToAbsl(msg.substr(0, 3)), &code) && code >= 400 && code < 600) {
    const size_t second = msg.find(": ", colon + 2);
    msg = second == std::string_view::npos ? msg.substr(colon + 2) : msg.substr(second + 2);
  } else {
    code = 500;
  }
  if (code >= 500) {
    TB_LOG(ERROR) << "task management: " << s.message();
  }
  return Text(code, std::string(msg) + "\n");
}

// Decodes %XX escapes of one path segment; InvalidArgument on a malformed escape.
absl::StatusOr<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (i + 2 >= s.size()) return absl::InvalidArgumentError("bad percent escape in the population name");
    const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return absl::InvalidArgumentError("bad percent escape in the population name");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

struct Route {
  enum Kind { kCreate, kGet, kCancel, kNone } kind = kNone;
  std::string population;
  int64_t task_id = 0;
};

// Parses everything after kPrefix: "{pop}:create-task" or "{pop}/tasks/{id}:get|:cancel".
absl::StatusOr<Route> ParseRoute(std::string_view rest) {
  Route r;
  std::string_view pop_enc;
  if (absl::EndsWith(ToAbsl(rest), ":create-task") && rest.find('/') == std::string_view::npos) {
    r.kind = Route::kCreate;
    pop_enc = rest.substr(0, rest.size() - std::string_view(":create-task").size());
  } else {
    const size_t tasks = rest.find("/tasks/");
    if (tasks == std::string_view::npos) return r;
    pop_enc = rest.substr(0, tasks);
    std::string_view tail = rest.substr(tasks + 7);
    std::string_view id_text;
    if (absl::EndsWith(ToAbsl(tail), ":get")) {
      r.kind = Route::kGet;
      id_text = tail.substr(0, tail.size() - 4);
    } else if (absl::EndsWith(ToAbsl(tail), ":cancel")) {
      r.kind = Route::kCancel;
      id_text = tail.substr(0, tail.size() - 7);
    } else {
      return r;
    }
    if (!absl::SimpleAtoi(ToAbsl(id_text), &r.task_id) || r.task_id <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("task id '", ToAbsl(id_text), "' is not a positive integer"));
    }
  }
  TB_ASSIGN_OR_RETURN(r.population, PercentDecode(pop_enc));
  return r;
}

}  // namespace

bool IsTaskManagementHealthCheck(const http::ServerRequest& request) {
  return request.method == "GET" && (request.path == "/ready" || request.path == "/healthz");
}

http::Handler MakeTaskManagementHandler(TaskManagementService* service) {
  return [service](const http::ServerRequest& req) -> http::ServerResponse {
    if (req.path == "/ready" || req.path == "/healthz") {
      if (req.method != "GET") return Text(405, "method not allowed\n");
      return Text(200, req.path == "/ready" ? "Greetings from Task Management Spring Boot! Ready check. \n"
                                            : "Greetings from Task Management Spring Boot! Health check. \n");
    }
    if (!absl::StartsWith(req.path, ToAbsl(kPrefix))) return Text(404, "no such route: " + req.path + "\n");
    absl::StatusOr<Route> route = ParseRoute(std::string_view(req.path).substr(kPrefix.size()));
    if (!route.ok()) return Text(400, std::string(route.status().message()) + "\n");
    switch (route->kind) {
      case Route::kCreate: {
        if (req.method != "POST") return Text(405, "create-task takes POST\n");
        const std::string type = req.Header("Content-Type");
        if (!absl::StartsWith(type, "application/x-protobuf")) {
          return Text(415, "create-task takes Content-Type: application/x-protobuf, got '" + type + "'\n");
        }
        if (req.body.size() > kMaxCreateBody) return Text(413, "create-task body too large\n");
        odp::CreateTaskRequest create;
        if (!create.ParseFromString(req.body)) return Text(400, "unreadable CreateTaskRequest\n");
        absl::StatusOr<odp::Task> task =
            service->CreateTask(route->population, create.task(), req.Header(kIdempotencyKeyHeader));
        if (!task.ok()) return FromStatus(task.status());
        odp::CreateTaskResponse resp;
        *resp.mutable_task() = *task;
        return Proto(resp);
      }
      case Route::kGet: {
        if (req.method != "GET") return Text(405, ":get takes GET\n");
        absl::StatusOr<odp::Task> task = service->GetTask(route->population, route->task_id);
        if (!task.ok()) return FromStatus(task.status());
        odp::GetTaskByIdResponse resp;
        *resp.mutable_task() = *task;
        return Proto(resp);
      }
      case Route::kCancel: {
        if (req.method != "POST") return Text(405, ":cancel takes POST\n");
        absl::StatusOr<odp::Task> task =
            service->CancelTask(route->population, route->task_id,
                                absl::StrCat("cancelled over HTTP from ", req.remote_address));
        if (!task.ok()) return FromStatus(task.status());
        odp::GetTaskByIdResponse resp;
        *resp.mutable_task() = *task;
        return Proto(resp);
      }
      case Route::kNone:
        break;
    }
    return Text(404, "no such route: " + req.path + "\n");
  };
}

}  // namespace tb::tm
