// Where results live: results/<machine fingerprint>/<UTC date>-<commit>.json, written
// atomically and never over an existing file.
#pragma once

#include "benchmark_json.h"

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace sfb::harness {

// Lowercase; every run of characters other than [a-z0-9] becomes one '-'; no leading or
// trailing '-'.
std::string slugify(std::string_view text);

// The machine fingerprint (format/contract.json's recipe, the one bench_sendfile writes as its
// "machine_fingerprint" context key) for uname's `os` and `kernel_release`, the text of
// /proc/cpuinfo and sysconf(_SC_NPROCESSORS_ONLN).
std::string fingerprint_from_proc(std::string_view os, std::string_view kernel_release,
                                  std::string_view proc_cpuinfo, long online_cpus);

// fingerprint_from_proc() of this machine, for output of other programs.
std::string local_machine_fingerprint();

// The context's "machine_fingerprint" (slugified again, so it is a safe folder name), or
// local_machine_fingerprint() when the context has none.
std::string machine_fingerprint(const ordered_json& context);

// The commit recorded by bench_sendfile ("sfb_git_commit"), or "unknown".
std::string result_commit(const ordered_json& context);

// "20261126T093000Z-<commit>".
std::string result_stem(std::chrono::system_clock::time_point when, std::string_view commit);

// Writes `content` to results_dir/fingerprint/stem.json: a temporary file in the same folder,
// flushed to disk, then linked to its final name with link(2), which fails instead of
// replacing an existing file; on a clash the name gets a suffix (-1, -2, ...). Returns the
// path written. Throws std::system_error on failure, leaving no temporary file behind.
std::filesystem::path store_result(const std::filesystem::path& results_dir,
                                   const std::string& fingerprint, const std::string& stem,
                                   const std::string& content);

}  // namespace sfb::harness
