#include "completeness.h"

#include "benchmark_json.h"
#include "safe_text.h"

#include <fmt/format.h>

namespace sfb::harness {

int finish_answer(int code) {
    const auto& unread = unread_entries();
    if (unread.empty()) {
        return code;
    }
    for (std::size_t i = 0; i < unread.size() && i < kUnreadNamed; ++i) {
        print_message("sfb: warning: " + unread[i]);
    }
    if (unread.size() > kUnreadNamed) {
        print_message(fmt::format("sfb: warning: and {} more entries not read",
                                  unread.size() - kUnreadNamed));
    }
    print_message(
        fmt::format("sfb: warning: the answer is incomplete: {} entr{} of the results "
                    "tree{} not read (exit {} unless another code applies)",
                    unread.size(), unread.size() == 1 ? "y" : "ies",
                    unread.size() == 1 ? " was" : " were", kExitIncomplete));
    return code == 0 ? kExitIncomplete : code;
}

}  // namespace sfb::harness
