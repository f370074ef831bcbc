// Whether an answer over results trees is complete: every entry that was not read is named on
// standard error, and an answer that would otherwise exit 0 exits kExitIncomplete instead, so
// that a script cannot mistake a partial report for a whole one.
#pragma once

#include "exit_codes.h"  // kExitIncomplete

namespace sfb::harness {

// At most this many unread entries are named one by one; the rest are counted.
inline constexpr unsigned kUnreadNamed = 50;

// Warns about unread_entries() (benchmark_json.h) and returns the exit code: `code`, or
// kExitIncomplete when `code` is 0 and something was not read.
int finish_answer(int code);

}  // namespace sfb::harness
