// A builder process for the "builder killed mid-request" test: runs one idempotent :build-task-group against
// the embedded TM in DIR with slow artifact writes, printing "created <pop>/<id>" as tasks are created, so the
// test can SIGKILL it in the middle of uploading. Usage: tm_killed_builder DIR KEY
#include <iostream>
#include <thread>

#include "tests/tm/build_world.h"

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  tb::tm::testing_support::BuildWorld world(argv[1], /*slow_put_ms=*/400);
  auto& services = world.services();
  services.on_task_created = [](const tb::tm::odp::Task& t) {
    std::cout << "created " << t.population_name() << "/" << t.task_id() << std::endl;
  };
  auto result = world.Build(argv[2], world.Request());
  std::cout << (result.response.has_error_info() ? "failed " + result.response.error_info().error_message()
                                                  : std::string("done"))
            << std::endl;
  return 0;
}
