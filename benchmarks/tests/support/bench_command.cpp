#include "bench_command.h"

namespace sfb::bench::testing_support {

std::string bench_sendfile_path() {
    return SFB_BENCH_EXECUTABLE;
}

std::vector<std::string> bench_command(const std::string& dir,
                                       const std::vector<std::string>& extra) {
    std::vector<std::string> args{bench_sendfile_path(), "--sfb_dir=" + dir, "--sfb_placement=free",
                                  "--benchmark_min_time=0.01", "--benchmark_format=json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

}  // namespace sfb::bench::testing_support
