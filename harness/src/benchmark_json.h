// Reading Google Benchmark JSON output, from bench_sendfile or from any other program.
//
// Only the per-repetition entries ("run_type": "iteration") are kept; aggregates (mean,
// median, stddev, cv, big-O) are recomputed by whoever needs them from the repetitions.
// Times are converted to microseconds whatever "time_unit" a file uses.
#pragma once

#include <sfb/json_text.h>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sfb::harness {

using ordered_json = nlohmann::ordered_json;

// Bad input: the message names the file and what is wrong with it. Exit code 2.
class input_error : public std::runtime_error {
  public:
    input_error(const std::filesystem::path& file, const std::string& what);
    explicit input_error(const std::string& what) : std::runtime_error(what) {}
};

// One benchmark's repetitions, merged over every input file that holds it.
struct benchmark_series {
    std::string name;  // "run_name": the name without an aggregate suffix
    // One map per repetition: "real_time" and "cpu_time" in microseconds, then every counter
    // (bytes_per_second, items_per_second and user counters) as written.
    std::vector<std::map<std::string, double>> repetitions;
    std::string time_unit;            // as written in the first file, for display
    std::vector<std::string> errors;  // messages of repetitions that failed
    std::filesystem::path first_file;

    std::vector<double> values(const std::string& metric) const;
};

struct result_file {
    std::filesystem::path path;
    ordered_json context;  // the "context" object, empty when absent
};

struct result_set {
    std::vector<result_file> files;
    std::vector<benchmark_series> benchmarks;  // in order of first appearance

    const benchmark_series* find(const std::string& name) const;
    benchmark_series& series(const std::string& name);

  private:
    std::map<std::string, std::size_t> index_;
};

// Microseconds per unit for Google Benchmark's time units; throws std::invalid_argument for
// anything else.
double microseconds_per(const std::string& time_unit);
// The inverse, for display: a value in microseconds expressed in time_unit.
double from_microseconds(double us, const std::string& time_unit);

// Google Benchmark writes non-finite doubles as the bare words NaN, Infinity and -Infinity
// (JSON has no such numbers); outside strings they become null, which the reader then treats
// as "no value" (a counter is skipped, a missing time is an error).
using sfb::format::replace_non_finite_numbers;  // <sfb/json_text.h>

// Reads and parses one JSON file. input_error when it cannot be read, is not a regular file,
// is larger than 256 MiB, nests deeper than 256 levels or is not valid JSON (numbers beyond
// the range of a double included).
ordered_json read_json_file(const std::filesystem::path& file);
// The parsing part of read_json_file, for text already in memory; `file` names it in errors.
ordered_json parse_json_text(std::string_view text, const std::filesystem::path& file);

// The result format's major version that a document's context says it was written in (its
// "format_version": a string of decimal digits, as Google Benchmark writes context values, or
// a JSON integer); 1 when the context has none, as in files written before it was recorded.
// input_error when the value is not a whole number from 0, or when it is newer than the
// contract's format_version (the message names both and says to use a newer sfb).
std::uint64_t check_format_version(const ordered_json& context, const std::filesystem::path& file);

// Records the contract's format_version in `context`, as every result sfb writes carries it.
void stamp_format_version(ordered_json& context);

// Adds the per-repetition entries of one parsed Google Benchmark document to `set`.
// input_error when the document is not benchmark output, was written in a newer format
// (check_format_version) or an entry lacks a field.
void add_benchmark_document(result_set& set, const ordered_json& document,
                            const std::filesystem::path& file);

// Expands files and folders (folders recursively, *.json only, sorted) into a file list.
// input_error for a missing path, a folder without JSON files, a subfolder that cannot be
// read, or a *.json entry that is not a regular file (a FIFO, a symlink loop, ...).
// Symbolic links to folders are not followed. Every entry of a folder that is not read (a
// file without the .json suffix, a FIFO, a link to a folder, a broken link) is noted with
// note_unread(), so that the answer can say it is incomplete.
std::vector<std::filesystem::path> expand_inputs(std::span<const std::filesystem::path> inputs);

// The entries of results trees that were left out, each once, as "PATH: why", in the order
// found. A command's answer is complete only when this is empty.
void note_unread(const std::filesystem::path& entry, const std::string& why);
const std::vector<std::string>& unread_entries();

// The benchmarks of `set` whose name `pattern` finds (std::regex_search, ECMAScript: anchor
// with ^ to match from the start, as in "^sendfile/"), with the same files.
result_set filter_benchmarks(const result_set& set, const std::regex& pattern);

// `document` as indented JSON text. Strings that are not valid UTF-8 (a path, a line of a
// program's output) get U+FFFD for their bad bytes instead of an exception; `ascii` escapes
// everything else above U+007F too, for output that must be safe on any terminal.
std::string dump_json(const ordered_json& document, bool ascii = false);

// expand_inputs + read_json_file + add_benchmark_document for each.
result_set load_results(std::span<const std::filesystem::path> inputs);

}  // namespace sfb::harness
