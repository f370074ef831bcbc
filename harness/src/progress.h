// Progress on standard error while rounds run.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace sfb::harness {

// done/total, what finished last, elapsed time and an estimate of what is left. On a terminal
// one line is rewritten in place; otherwise one line per step.
class progress_meter {
  public:
    progress_meter(std::size_t total, bool terminal);
    void step(const std::string& what);
    void finish();

  private:
    std::size_t total_;
    std::size_t done_ = 0;
    bool terminal_;
    std::chrono::steady_clock::time_point start_;
};

// "42s", "3m05s", "1h02m03s".
std::string format_duration(std::chrono::steady_clock::duration d);

}  // namespace sfb::harness
