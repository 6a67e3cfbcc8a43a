// The HTTP face of the embedded task-management service, with ODP's routes and wire format (behavior.md §7.4):
//   POST /taskmanagement/v1/population/{pop}:create-task        CreateTaskRequest -> CreateTaskResponse
//   GET  /taskmanagement/v1/population/{pop}/tasks/{id}:get      -> GetTaskByIdResponse (404 when unknown)
//   POST /taskmanagement/v1/population/{pop}/tasks/{id}:cancel   -> GetTaskByIdResponse{the cancelled task}
//   GET  /ready, /healthz                                        -> the Java service's greeting texts
// Bodies are application/x-protobuf; errors are text/plain with the service's message. An Idempotency-Key
// request header makes create-task safe to retry. It only routes and encodes: semantics live in the service.
#ifndef TASKBUILDER_TM_TASK_MANAGEMENT_HTTP_H_
#define TASKBUILDER_TM_TASK_MANAGEMENT_HTTP_H_

#include "http/server.h"
#include "tm/task_management_service.h"

namespace tb::tm {

inline constexpr char kIdempotencyKeyHeader[] = "Idempotency-Key";
// Sent on every answer so clients know create-task honours Idempotency-Key (ODP's Java service does not).
inline constexpr char kIdempotencySupportHeader[] = "X-Taskbuilder-Idempotency";

// A handler for http::Server; `service` must outlive the server.
http::Handler MakeTaskManagementHandler(TaskManagementService* service);

// Requests the HTTP server may run on its I/O thread (health checks).
bool IsTaskManagementHealthCheck(const http::ServerRequest& request);

}  // namespace tb::tm

#endif  // TASKBUILDER_TM_TASK_MANAGEMENT_HTTP_H_
