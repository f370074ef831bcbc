#include "suite_plan.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <map>
#include <utility>

#include "ktls_paths.h"
#include "machine_context.h"
#include "transport_route.h"

namespace sfb::bench {

namespace {

using availability_map = std::map<std::pair<path_id, transport>, path_availability>;

// The transports over which a connection can be made at all. A remote one is usable once main
// has connected to the sink (and failed the run otherwise).
std::vector<transport> usable_transports(const suite_options& options,
                                         std::vector<std::string>& skipped) {
    std::vector<transport> usable;
    for (const transport t : options.transports) {
        std::string connect_error;
        if (is_remote(t) ? options.sink != nullptr
                         : bool(connect_local(t, {}, options.mtu, connect_error).sender)) {
            usable.push_back(t);
        } else {
            skipped.push_back("*/" + std::string(transport_name(t)) +
                              ": cannot connect: " + connect_error);
        }
    }
    return usable;
}

// What a path supports depends on the kind of socket, which the loopback equivalent of a veth
// or remote transport has too; kernel TLS also needs a receiver that decrypts.
path_availability probe_over(path_id p, transport t) {
    if (is_remote(t) && is_ktls(p)) {
        return {false, "sfb-sink does not decrypt kernel TLS"};
    }
    return probe_path(p, loopback_equivalent(t));
}

availability_map probe_paths(const suite_options& options, const std::vector<transport>& usable,
                             suite_plan& plan) {
    availability_map availability;
    const std::vector<path_id> paths =
        options.paths.empty() ? std::vector<path_id>(all_paths.begin(), all_paths.end())
                              : options.paths;
    for (const path_id p : paths) {
        bool anywhere = false;
        for (const transport t : usable) {
            const auto found = probe_over(p, t);
            availability[{p, t}] = found;
            if (found.available) {
                anywhere = true;
            } else {
                plan.skipped.push_back(std::string(path_name(p)) + "/" +
                                       std::string(transport_name(t)) + ": " + found.reason);
            }
        }
        if (anywhere) {
            plan.available.emplace_back(path_name(p));
        }
    }
    return availability;
}

}  // namespace

bool check_file_directory(suite_options& options, std::string& file_fs, std::string& error) {
    char resolved[PATH_MAX];
    struct stat info {};
    if (::realpath(options.directory.c_str(), resolved) == nullptr ||
        ::stat(resolved, &info) != 0 || !S_ISDIR(info.st_mode) || ::access(resolved, W_OK) != 0) {
        error = "--sfb_dir=" + options.directory + " is not a writable directory";
        return false;
    }
    options.directory = resolved;
    file_fs = file_system_of(options.directory);
    const bool cold = std::find(options.caches.begin(), options.caches.end(), cache_mode::cold) !=
                      options.caches.end();
    if (cold && (file_fs == "tmpfs" || file_fs == "ramfs")) {
        error = "--sfb_cache=cold needs a disk-backed --sfb_dir; " + options.directory + " is " +
                file_fs + ", whose pages cannot be dropped";
        return false;
    }
    return true;
}

suite_plan plan_runnable_benchmarks(const suite_options& options) {
    suite_plan plan;
    const auto cases = plan_benchmarks(options, plan.skipped);
    const auto usable = usable_transports(options, plan.skipped);
    const availability_map availability = probe_paths(options, usable, plan);
    for (const auto& bc : cases) {
        const auto found = availability.find({bc.path, bc.transport_kind});
        if (found != availability.end() && found->second.available) {
            plan.runnable.push_back(bc);
        }
    }
    return plan;
}

}  // namespace sfb::bench
