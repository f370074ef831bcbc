#include "progress.h"

#include "safe_text.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <cstdio>

namespace sfb::harness {

std::string format_duration(std::chrono::steady_clock::duration d) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(d);
    const auto count = seconds.count();
    if (count >= 3600) {
        return fmt::format("{}h{:%Mm%Ss}", count / 3600, seconds);
    }
    if (count >= 60) {
        return fmt::format("{}m{:%Ss}", count / 60, seconds);
    }
    return fmt::format("{}s", count);
}

progress_meter::progress_meter(std::size_t total, bool terminal)
    : total_(total), terminal_(terminal), start_(std::chrono::steady_clock::now()) {}

void progress_meter::step(const std::string& what) {
    ++done_;
    const auto elapsed = std::chrono::steady_clock::now() - start_;
    std::string left;
    if (done_ < total_) {
        const auto estimate =
            elapsed * static_cast<long>(total_ - done_) / static_cast<long>(done_);
        left = fmt::format(", about {} left", format_duration(estimate));
    }
    // `what` names a benchmark as the program listed it: escaped, one short line.
    const std::string line = fmt::format("[{}/{}, {} to go, {} elapsed{}] {}", done_, total_,
                                         total_ > done_ ? total_ - done_ : 0,
                                         format_duration(elapsed), left, quoted_value(what, 512));
    if (terminal_) {
        std::fprintf(stderr, "\r\033[K%s", line.c_str());
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
}

void progress_meter::finish() {
    if (terminal_) {
        std::fprintf(stderr, "\n");
    }
    std::fprintf(stderr, "done in %s\n",
                 format_duration(std::chrono::steady_clock::now() - start_).c_str());
}

}  // namespace sfb::harness
