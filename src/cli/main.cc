// taskbuilder: one binary, many subcommands (DESIGN.md §3). Machine-readable output goes to stdout as JSON;
// progress and logs go to stderr.
#include <cstdio>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "base/logging.h"
#include "cli/command.h"
#include "cli/flags.h"

namespace {

void PrintHelp() {
  std::cout << "taskbuilder: builds On-Device Personalization federated-learning tasks natively.\n\n"
               "Usage: taskbuilder <command> [--flag=value ...]\n\nCommands:\n";
  for (const auto& c : tb::cli::Commands()) {
    std::printf("  %-16s %s\n", c.name.c_str(), c.summary.c_str());
  }
  std::cout << "\nCommon flags: --help, --quiet (warnings and errors only), --verbose (debug logs).\n"
               "Run `taskbuilder <command> --help` for a command's flags.\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    PrintHelp();
    return args.empty() ? 2 : 0;
  }
  const std::string name = args[0];
  args.erase(args.begin());
  for (const auto& command : tb::cli::Commands()) {
    if (command.name != name) continue;
    std::set<std::string> bool_flags(command.bool_flags.begin(), command.bool_flags.end());
    bool_flags.insert({"help", "quiet", "verbose"});
    auto flags = tb::cli::Flags::Parse(args, bool_flags);
    if (!flags.ok()) {
      std::cerr << "taskbuilder " << name << ": " << flags.status().message() << "\n" << command.usage;
      return 2;
    }
    if (flags->GetBool("help")) {
      std::cout << "taskbuilder " << name << ": " << command.summary << "\n\n" << command.usage;
      return 0;
    }
    if (flags->GetBool("quiet")) tb::SetMinLogLevel(tb::LogLevel::kWarning);
    if (flags->GetBool("verbose")) tb::SetMinLogLevel(tb::LogLevel::kDebug);
    return command.run(*flags);
  }
  std::cerr << "taskbuilder: unknown command '" << name << "'\n\n";
  PrintHelp();
  return 2;
}
