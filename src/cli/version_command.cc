// `taskbuilder version`: prints the build's version as JSON.
#include <iostream>

#include "cli/command.h"

namespace tb::cli {
namespace {

int RunVersion(const Flags& flags) {
  std::cout << "{\"name\": \"taskbuilder\", \"version\": \"" << TB_VERSION << "\"}\n";
  return 0;
}

}  // namespace

TB_REGISTER_COMMAND({.name = "version",
                     .summary = "Print the version as JSON.",
                     .usage = "taskbuilder version\n",
                     .bool_flags = {},
                     .run = &RunVersion});

}  // namespace tb::cli
