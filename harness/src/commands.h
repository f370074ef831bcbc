// sfb's entry point: the subcommand named first, with its arguments (one file each,
// cmd_<name>.cpp; their exit codes: exit_codes.h).
#pragma once

#include "exit_codes.h"

#include <span>
#include <string>

namespace sfb::harness {

// argv without the program name: the subcommand and its arguments.
int sfb_main(std::span<const std::string> args);

}  // namespace sfb::harness
