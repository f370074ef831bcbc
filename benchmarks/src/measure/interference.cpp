#include "interference.h"

#include <time.h>

namespace sfb::bench {

double process_cpu_us() noexcept {
    timespec now{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

void interference_meter::start() {
    system_.start();
    if (system_.running()) {
        process_at_start_ = process_cpu_us();
    }
}

void interference_meter::stop() {
    if (!system_.running()) {
        return;
    }
    process_us_ += process_cpu_us() - process_at_start_;
    system_.stop();
}

double interference_meter::other_cpu_us() const noexcept {
    const double other = system_.busy_us() - process_us_;
    return other < 0 ? 0.0 : other;
}

}  // namespace sfb::bench
