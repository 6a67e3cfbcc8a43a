#include "cli/command.h"

#include <algorithm>

namespace tb::cli {
namespace {

std::vector<Command>& MutableCommands() {
  static auto* commands = new std::vector<Command>();
  return *commands;
}

}  // namespace

const std::vector<Command>& Commands() { return MutableCommands(); }

CommandRegistrar::CommandRegistrar(Command command) {
  auto& commands = MutableCommands();
  commands.push_back(std::move(command));
  std::sort(commands.begin(), commands.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
}

}  // namespace tb::cli
