// The suite's part of the JSON "context": the result format's version (format_version, from
// format/contract.json), how this invocation was configured (transports, receivers, the file
// directory, pinning, socket options, the flags as given) and which paths ran or were skipped.
// machine_context() adds the machine's part.
#pragma once

#include <string>

#include "machine_context.h"
#include "options.h"
#include "suite_plan.h"

namespace sfb::bench {

context_entries suite_context(const suite_options& options, const std::string& file_fs,
                              const suite_plan& plan);

}  // namespace sfb::bench
