// Checks a bench_sendfile JSON result against the contract the harness and plots rely on:
// every context key, every available path present as a family, every counter on every
// benchmark, byte counts equal to the file size, no benchmark in error, and (with
// --no-files-in DIR) no benchmark file left behind. Exit status 0 when all hold.
//
//   check_bench_json RESULT.json [--verified] [--all-paths] [--no-files-in DIR]
//
// --verified: the run used --sfb_verify, so bytes_verified must equal the file size.
// --all-paths: the run selected every path, so each must be available or skipped with a
// reason in paths_skipped.
#include <dirent.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

int failures = 0;

void fail(const std::string& what) {
    std::cerr << "check_bench_json: " << what << "\n";
    ++failures;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> items;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, separator)) {
        item.erase(0, item.find_first_not_of(' '));
        if (!item.empty()) {
            items.push_back(item);
        }
    }
    return items;
}

const std::vector<std::string> kPaths{
    "read_write", "read_send",    "sendfile",      "sendfile_emulated", "mmap_send",
    "splice",     "msg_zerocopy", "io_uring_send", "io_uring_send_zc",  "io_uring_splice"};

const std::vector<std::string> kContextKeys{"sfb_version",
                                            "sfb_git_commit",
                                            "os",
                                            "kernel_release",
                                            "libc",
                                            "cpu_model",
                                            "cpu_count",
                                            "cpu_governor",
                                            "loopback_mtu",
                                            "tcp_rmem",
                                            "tcp_wmem",
                                            "tcp_congestion_control",
                                            "transport",
                                            "receiver",
                                            "file_dir",
                                            "file_fs",
                                            "page_cache",
                                            "paths_available",
                                            "paths_skipped",
                                            "machine_fingerprint"};

const std::vector<std::string> kCounters{
    "receiver_cpu_us",   "system_cpu_us",  "softirq_us",     "service_demand_us_per_kib",
    "syscalls_per_pass", "bytes_received", "bytes_verified", "pass_bytes"};

bool is_zero_copy(const std::string& path) {
    return path == "msg_zerocopy" || path == "io_uring_send_zc";
}

void check_context(const nlohmann::json& context, bool all_paths,
                   std::set<std::string>& available) {
    for (const auto& key : kContextKeys) {
        if (!context.contains(key) || !context[key].is_string()) {
            fail("context lacks the string key " + key);
        }
    }
    if (failures > 0) {
        return;
    }
    if (!std::regex_match(context["machine_fingerprint"].get<std::string>(),
                          std::regex("^[a-z0-9]+(-[a-z0-9]+)*-[0-9]+cpu$"))) {
        fail("machine_fingerprint is not a slug: " +
             context["machine_fingerprint"].get<std::string>());
    }
    for (const auto& path : split(context["paths_available"].get<std::string>(), ',')) {
        available.insert(path);
    }
    const auto skipped = context["paths_skipped"].get<std::string>();
    for (const auto& path : kPaths) {
        if (all_paths && available.count(path) == 0 &&
            skipped.find(path + "/") == std::string::npos) {
            fail("path " + path + " is neither available nor listed as skipped with a reason");
        }
    }
}

void check_benchmark(const nlohmann::json& b, bool verified, std::set<std::string>& families) {
    static const std::regex name_format(
        R"(^([a-z_]+)/(tcp4|tcp6|unix)/(copy|discard)/(warm|cold)/file:(\d+)/block:(\d+)/conns:(\d+)/real_time(/threads:(\d+))?$)");
    const std::string name = b.value("name", "");
    std::smatch m;
    if (!std::regex_match(name, m, name_format)) {
        fail("benchmark name does not follow the contract: " + name);
        return;
    }
    const std::string path = m[1];
    if (std::find(kPaths.begin(), kPaths.end(), path) == kPaths.end()) {
        fail("unknown path in " + name);
    }
    if (m[9].matched && m[9] != m[7]) {
        fail("threads and conns disagree in " + name);
    }
    if (b.value("error_occurred", false)) {
        fail(name + " failed: " + b.value("error_message", std::string{}));
        return;
    }
    if (b.value("run_type", "iteration") != "iteration") {
        return;  // aggregates carry the same counters, checked on the iterations
    }
    families.insert(path);
    if (b.value("time_unit", "") != "us") {
        fail(name + ": time_unit is not us");
    }
    if (!(b.value("real_time", 0.0) > 0.0) || !(b.value("cpu_time", -1.0) >= 0.0)) {
        fail(name + ": real_time/cpu_time missing or not positive");
    }
    if (!(b.value("bytes_per_second", 0.0) > 0.0)) {
        fail(name + ": bytes_per_second missing");
    }
    for (const auto& counter : kCounters) {
        if (!b.contains(counter) || !b[counter].is_number()) {
            fail(name + ": counter " + counter + " missing");
        }
    }
    if (failures > 0) {
        return;
    }
    const double file = std::stod(m[5]);
    const auto near = [](double x, double y) { return std::fabs(x - y) <= 0.5 + 1e-9 * y; };
    if (!near(b["pass_bytes"].get<double>(), file)) {
        fail(name + ": pass_bytes differs from the file size");
    }
    if (!near(b["bytes_received"].get<double>(), file)) {
        fail(name + ": bytes_received per pass differs from the file size");
    }
    if (verified && !near(b["bytes_verified"].get<double>(), file)) {
        fail(name + ": bytes_verified per pass differs from the file size");
    }
    if (!(b["syscalls_per_pass"].get<double>() >= 1.0)) {
        fail(name + ": fewer than one system call per pass");
    }
    if (is_zero_copy(path)) {
        const double copied = b.value("zerocopy_copied", -1.0);
        if (copied < 0.0 || copied > 1.0) {
            fail(name + ": zerocopy_copied missing or outside 0..1");
        }
    } else if (b.contains("zerocopy_copied")) {
        fail(name + ": zerocopy_copied on a path that is not zero-copy");
    }
}

void check_no_files(const std::string& directory) {
    DIR* dir = ::opendir(directory.c_str());
    if (dir == nullptr) {
        fail("cannot open " + directory);
        return;
    }
    while (const dirent* entry = ::readdir(dir)) {
        if (std::string(entry->d_name).rfind("sfb-bench-", 0) == 0) {
            fail(std::string("benchmark file left behind: ") + entry->d_name);
        }
    }
    ::closedir(dir);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: check_bench_json RESULT.json [--verified] [--all-paths] "
                     "[--no-files-in DIR]\n";
        return 2;
    }
    bool verified = false;
    bool all_paths = false;
    for (int i = 2; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--verified") {
            verified = true;
        } else if (arg == "--all-paths") {
            all_paths = true;
        } else if (arg == "--no-files-in" && i + 1 < argc) {
            check_no_files(argv[++i]);
        } else {
            std::cerr << "check_bench_json: unknown argument " << arg << "\n";
            return 2;
        }
    }
    std::ifstream in(argv[1]);
    nlohmann::json result;
    try {
        in >> result;
    } catch (const nlohmann::json::exception& e) {
        std::cerr << "check_bench_json: " << argv[1] << ": " << e.what() << "\n";
        return 1;
    }
    std::set<std::string> available;
    check_context(result.value("context", nlohmann::json::object()), all_paths, available);
    std::set<std::string> families;
    const auto benchmarks = result.value("benchmarks", nlohmann::json::array());
    if (benchmarks.empty()) {
        fail("no benchmarks in the result");
    }
    for (const auto& b : benchmarks) {
        check_benchmark(b, verified, families);
    }
    for (const auto& path : available) {
        if (families.count(path) == 0) {
            fail("available path " + path + " has no benchmark in the result");
        }
    }
    if (failures == 0) {
        std::cout << "check_bench_json: " << benchmarks.size() << " benchmarks, " << families.size()
                  << " families, context complete\n";
    }
    return failures == 0 ? 0 : 1;
}
