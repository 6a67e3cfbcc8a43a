// The `taskbuilder` binary's subcommand registry. Each subcommand lives in its own <name>_command.cc and
// registers itself with TB_REGISTER_COMMAND, so adding one never touches main.cc.
#ifndef TASKBUILDER_CLI_COMMAND_H_
#define TASKBUILDER_CLI_COMMAND_H_

#include <string>
#include <vector>

#include "cli/flags.h"

namespace tb::cli {

// Runs a subcommand with its parsed flags and positional arguments; returns the process exit code.
using CommandFn = int (*)(const Flags& flags);

struct Command {
  std::string name;
  std::string summary;                  // one line, shown by `taskbuilder help`
  std::string usage;                    // full flag list, shown by `taskbuilder <name> --help`
  std::vector<std::string> bool_flags;  // flags that take no value (--flag, --noflag)
  CommandFn run;
};

// Registered commands sorted by name.
const std::vector<Command>& Commands();

struct CommandRegistrar {
  explicit CommandRegistrar(Command command);
};

}  // namespace tb::cli

#define TB_CLI_CONCAT_INNER_(a, b) a##b
#define TB_CLI_CONCAT_(a, b) TB_CLI_CONCAT_INNER_(a, b)
// TB_REGISTER_COMMAND({.name = "dp", .summary = "...", .usage = "...", .bool_flags = {"json"}, .run = &RunDp});
#define TB_REGISTER_COMMAND(...) \
  static ::tb::cli::CommandRegistrar TB_CLI_CONCAT_(tb_command_registrar_, __LINE__)(::tb::cli::Command __VA_ARGS__)

#endif  // TASKBUILDER_CLI_COMMAND_H_
