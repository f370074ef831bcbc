#include "benchmark_json.h"

#include "contract.h"
#include "posix_io.h"
#include "safe_text.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sfb/unique_fd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <string_view>

namespace sfb::harness {

namespace {

// Inputs are Google Benchmark output: a few MiB even for large sweeps. The bound keeps a
// mistaken input (a disk image, a log) from exhausting memory.
constexpr long long kMaxInputBytes = 256LL << 20;
// Google Benchmark's output nests 4 levels deep; the bound keeps a hostile file from
// exhausting the stack in the recursive parts of the JSON library (copies, destruction).
constexpr std::size_t kMaxNesting = 256;
// Google Benchmark's names are a few hundred bytes at most. A longer one is refused: matching
// --filter against it (std::regex recurses once per character) would overflow the stack, and
// every table and message would carry it.
constexpr std::size_t kMaxNameBytes = 4096;

const char* file_kind(mode_t mode) {
    if (S_ISDIR(mode)) {
        return "a folder";
    }
    if (S_ISFIFO(mode)) {
        return "a FIFO";
    }
    if (S_ISCHR(mode)) {
        return "a character device";
    }
    if (S_ISBLK(mode)) {
        return "a block device";
    }
    if (S_ISSOCK(mode)) {
        return "a socket";
    }
    return "not a regular file";
}

// Refuses documents nested deeper than kMaxNesting before the parser sees them.
void check_nesting(std::string_view text, const std::filesystem::path& file) {
    std::size_t depth = 0;
    std::size_t line = 1;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
        }
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxNesting) {
                throw input_error(file, fmt::format("malformed JSON: nested more than {} levels "
                                                    "deep (line {})",
                                                    kMaxNesting, line));
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
}

std::string entry_label(const ordered_json& entry, std::size_t index) {
    if (entry.is_object() && entry.contains("name") && entry["name"].is_string()) {
        return fmt::format("benchmark \"{}\" (entry {})",
                           quoted_value(entry["name"].get<std::string>()), index);
    }
    return fmt::format("benchmark entry {}", index);
}

bool is_aggregate(const ordered_json& entry) {
    if (entry.contains("run_type") && entry["run_type"].is_string()) {
        return entry["run_type"].get<std::string>() == "aggregate";
    }
    // Before run_type existed (Google Benchmark < 1.5) aggregates carried only this key.
    return entry.contains("aggregate_name");
}

bool failed(const ordered_json& entry, std::string& message) {
    const bool error = entry.contains("error_occurred") && entry["error_occurred"].is_boolean() &&
                       entry["error_occurred"].get<bool>();
    const bool skipped =
        entry.contains("skipped") && entry["skipped"].is_boolean() && entry["skipped"].get<bool>();
    if (!error && !skipped) {
        return false;
    }
    for (const char* key : {"error_message", "skip_message"}) {
        if (entry.contains(key) && entry[key].is_string()) {
            message = entry[key].get<std::string>();
            return true;
        }
    }
    message = error ? "error occurred" : "skipped";
    return true;
}

double required_number(const ordered_json& entry, std::size_t index, const char* key,
                       const std::filesystem::path& file) {
    if (!entry.contains(key)) {
        throw input_error(file,
                          fmt::format("{}: missing field \"{}\"", entry_label(entry, index), key));
    }
    if (!entry[key].is_number()) {
        throw input_error(
            file, fmt::format("{}: field \"{}\" is not a number", entry_label(entry, index), key));
    }
    return entry[key].get<double>();
}

// Google Benchmark's bookkeeping keys, when present, have these types; anything else is a
// foreign program's mistake, reported with its JSON pointer rather than found later by a
// type error of the JSON library.
void check_key_types(const ordered_json& entry, std::size_t index,
                     const std::filesystem::path& file) {
    struct expected_key {
        const char* key;
        ordered_json::value_t type;
        const char* what;
    };
    static constexpr expected_key kExpected[] = {
        {"family_index", ordered_json::value_t::number_unsigned, "a number"},
        {"per_family_instance_index", ordered_json::value_t::number_unsigned, "a number"},
        {"repetitions", ordered_json::value_t::number_unsigned, "a number"},
        {"repetition_index", ordered_json::value_t::number_unsigned, "a number"},
        {"threads", ordered_json::value_t::number_unsigned, "a number"},
        {"iterations", ordered_json::value_t::number_unsigned, "a number"},
        {"run_name", ordered_json::value_t::string, "a string"},
        {"run_type", ordered_json::value_t::string, "a string"},
        {"aggregate_name", ordered_json::value_t::string, "a string"},
        {"error_message", ordered_json::value_t::string, "a string"},
        {"error_occurred", ordered_json::value_t::boolean, "true or false"},
    };
    for (const auto& expected : kExpected) {
        if (!entry.contains(expected.key)) {
            continue;
        }
        const ordered_json& value = entry[expected.key];
        const bool count = expected.type == ordered_json::value_t::number_unsigned;
        const bool ok = count ? value.is_number() : value.type() == expected.type;
        const bool whole = value.is_number_unsigned() ||
                           (value.is_number_integer() && value.get<std::int64_t>() >= 0);
        if (ok && count && !whole) {
            // A count or an index is a whole number: -1, 2.5 or 1e30 would wrap or be cut
            // wherever it is used as one.
            throw input_error(file,
                              fmt::format("{}: field \"{}\" is {}, not a whole number from "
                                          "0 to 2^64 - 1 (at /benchmarks/{}/{})",
                                          entry_label(entry, index), expected.key,
                                          quoted_value(value.dump(), 64), index, expected.key));
        }
        if (!ok) {
            throw input_error(file, fmt::format("{}: field \"{}\" is not {} (at /benchmarks/{}/{})",
                                                entry_label(entry, index), expected.key,
                                                expected.what, index, expected.key));
        }
    }
}

// A time must be a finite, non-negative number of microseconds after conversion (1.7e308 s
// is finite as written and infinite in microseconds).
double checked_time(double value, double scale, const ordered_json& entry, std::size_t index,
                    const char* key, const std::filesystem::path& file) {
    const double us = value * scale;
    if (!std::isfinite(us) || us < 0) {
        throw input_error(file,
                          fmt::format("{}: field \"{}\" is {} (at /benchmarks/{}/{}); a time "
                                      "must be finite and not negative",
                                      entry_label(entry, index), key,
                                      std::isfinite(us) ? "negative" : "not finite", index, key));
    }
    return us;
}

}  // namespace

input_error::input_error(const std::filesystem::path& file, const std::string& what)
    : std::runtime_error(fmt::format("{}: {}", quoted_value(file.string(), 512), what)) {}

std::vector<double> benchmark_series::values(const std::string& metric) const {
    std::vector<double> result;
    for (const auto& repetition : repetitions) {
        if (auto it = repetition.find(metric); it != repetition.end()) {
            result.push_back(it->second);
        }
    }
    return result;
}

const benchmark_series* result_set::find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &benchmarks[it->second];
}

benchmark_series& result_set::series(const std::string& name) {
    auto [it, inserted] = index_.try_emplace(name, benchmarks.size());
    if (inserted) {
        benchmark_series series;
        series.name = name;
        benchmarks.push_back(std::move(series));
    }
    return benchmarks[it->second];
}

double microseconds_per(const std::string& time_unit) {
    if (time_unit == "ns") {
        return 1e-3;
    }
    if (time_unit == "us") {
        return 1.0;
    }
    if (time_unit == "ms") {
        return 1e3;
    }
    if (time_unit == "s") {
        return 1e6;
    }
    throw std::invalid_argument(fmt::format("unknown time unit \"{}\"", time_unit));
}

double from_microseconds(double us, const std::string& time_unit) {
    return us / microseconds_per(time_unit);
}

ordered_json read_json_file(const std::filesystem::path& file) {
    // Plain POSIX reads, so a failing read reports its errno instead of looking like an
    // empty file. O_NONBLOCK: opening a FIFO must not wait for a writer; anything but a
    // regular file is then refused before a byte is read.
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        throw input_error(file, fmt::format("cannot read: {}", std::strerror(errno)));
    }
    const unique_fd guard(fd);
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        throw input_error(file, fmt::format("cannot read: {}", std::strerror(errno)));
    }
    if (!S_ISREG(info.st_mode)) {
        throw input_error(file, fmt::format("not a regular file ({}); results are read from "
                                            "regular files only",
                                            file_kind(info.st_mode)));
    }
    if (info.st_size > kMaxInputBytes) {
        throw input_error(file, fmt::format("too large: {} bytes (results are read up to {} bytes)",
                                            info.st_size, kMaxInputBytes));
    }
    std::string text;
    const int error = read_to_end(fd, [&](std::string_view chunk) {
        text += chunk;
        if (text.size() > static_cast<std::size_t>(kMaxInputBytes)) {
            throw input_error(file, fmt::format("too large: more than {} bytes", kMaxInputBytes));
        }
    });
    if (error != 0) {
        throw input_error(file, fmt::format("cannot read: {}", std::strerror(error)));
    }
    return parse_json_text(text, file);
}

namespace {

// Refuses an object that names a key twice, at any depth: the JSON library would keep one of
// the two silently, and which one a reader sees would then be a matter of chance. Follows the
// parser's events to name where the repeated key is (as a JSON pointer).
class duplicate_key_check {
  public:
    explicit duplicate_key_check(const std::filesystem::path& file) : file_(file) {}

    bool operator()(int /*depth*/, nlohmann::detail::parse_event_t event, ordered_json& parsed) {
        using event_t = nlohmann::detail::parse_event_t;
        switch (event) {
            case event_t::object_start:
            case event_t::array_start:
                frames_.push_back(frame{event == event_t::object_start, {}, {}, 0});
                break;
            case event_t::key:
                on_key(parsed.get<std::string>());
                break;
            case event_t::object_end:
            case event_t::array_end:
                frames_.pop_back();
                element_done();
                break;
            case event_t::value:
                element_done();
                break;
        }
        return true;
    }

  private:
    struct frame {
        bool object;
        std::set<std::string> keys;
        std::string current;
        std::size_t index;
    };

    void on_key(const std::string& key) {
        frame& top = frames_.back();
        if (!top.keys.insert(key).second) {
            throw input_error(file_,
                              fmt::format("ambiguous JSON: the key \"{}\" appears twice in the "
                                          "object at {}",
                                          quoted_value(key), quoted_value(pointer(), 512)));
        }
        top.current = key;
    }
    void element_done() {
        if (!frames_.empty() && !frames_.back().object) {
            ++frames_.back().index;
        }
    }
    std::string pointer() const {
        std::string out;
        for (std::size_t i = 0; i + 1 < frames_.size(); ++i) {
            out +=
                "/" + (frames_[i].object ? frames_[i].current : std::to_string(frames_[i].index));
        }
        return out.empty() ? "/ (the top level)" : out;
    }

    const std::filesystem::path& file_;
    std::vector<frame> frames_;
};

}  // namespace

ordered_json parse_json_text(std::string_view raw, const std::filesystem::path& file) {
    if (raw.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        throw input_error(file, "malformed JSON: the file is empty");
    }
    check_nesting(raw, file);
    const std::string text = replace_non_finite_numbers(raw);
    try {
        return ordered_json::parse(text, duplicate_key_check(file));
    } catch (const ordered_json::exception& e) {
        // e.what() reads "[json.exception.parse_error.101] parse error at line 3, column 1:
        // ..."; the part after the bracket is what a user needs. A number beyond the range of
        // a double (1e400) is an out_of_range error of the parser.
        std::string_view what = e.what();
        if (auto bracket = what.find("] "); bracket != std::string_view::npos) {
            what.remove_prefix(bracket + 2);
        }
        throw input_error(file, fmt::format("malformed JSON: {}", what));
    }
}

namespace {

// One per-repetition entry of a Google Benchmark document, checked.
struct parsed_entry {
    std::string run_name;
    std::string time_unit;
    std::map<std::string, double> metrics;
    bool failed = false;
    std::string error;
};

// The context's "format_version" as a number: a JSON integer, or a string of decimal digits
// (Google Benchmark writes every custom context value as a string). nullopt for one too large
// for an unsigned 64-bit number; input_error for anything else.
std::optional<std::uint64_t> format_version_number(const ordered_json& value,
                                                   const std::filesystem::path& file) {
    if (value.is_number_unsigned() ||
        (value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
        return value.get<std::uint64_t>();
    }
    if (value.is_string()) {
        const std::string text = value.get<std::string>();
        std::uint64_t number = 0;
        const char* end = text.data() + text.size();
        const auto [stop, error] = std::from_chars(text.data(), end, number);
        const bool digits_only = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
            return c >= '0' && c <= '9';
        });
        if (digits_only && error == std::errc::result_out_of_range) {
            return std::nullopt;
        }
        if (digits_only && error == std::errc() && stop == end) {
            return number;
        }
    }
    throw input_error(file, fmt::format("the context's \"{}\" is {}, not a whole number from 0 "
                                        "(the result format's major version)",
                                        contract::names::context_key_name::format_version,
                                        quoted_value(value.dump(), 64)));
}

// The document's "context" (an empty object when it has none), after checking that the
// document is Google Benchmark output with at least one benchmark.
ordered_json checked_context(const ordered_json& document, const std::filesystem::path& file) {
    if (!document.is_object() || !document.contains("benchmarks") ||
        !document["benchmarks"].is_array()) {
        throw input_error(file,
                          "not Google Benchmark output: no \"benchmarks\" array at the top level");
    }
    ordered_json context = ordered_json::object();
    if (document.contains("context")) {
        if (!document["context"].is_object()) {
            throw input_error(file, "not Google Benchmark output: \"context\" is not an object");
        }
        context = document["context"];
    }
    check_format_version(context, file);
    if (document["benchmarks"].empty()) {
        throw input_error(file, "contains no benchmarks (the \"benchmarks\" array is empty)");
    }
    return context;
}

// Entry `i`, checked; nullopt for an aggregate (mean, median...).
std::optional<parsed_entry> parse_entry(const ordered_json& entry, std::size_t i,
                                        const std::filesystem::path& file) {
    if (!entry.is_object()) {
        throw input_error(file, fmt::format("benchmark entry {} is not an object", i));
    }
    if (!entry.contains("name") || !entry["name"].is_string()) {
        throw input_error(file, fmt::format("benchmark entry {}: missing field \"name\"", i));
    }
    check_key_types(entry, i, file);
    if (is_aggregate(entry)) {
        return std::nullopt;
    }
    parsed_entry p;
    p.run_name = entry["name"].get<std::string>();
    if (entry.contains("run_name") && entry["run_name"].is_string()) {
        p.run_name = entry["run_name"].get<std::string>();
    }
    if (p.run_name.size() > kMaxNameBytes) {
        throw input_error(file,
                          fmt::format("{}: the name is {} bytes long; names are read up to "
                                      "{} bytes",
                                      entry_label(entry, i), p.run_name.size(), kMaxNameBytes));
    }
    if (failed(entry, p.error)) {
        p.failed = true;
        return p;
    }
    const double real_time = required_number(entry, i, "real_time", file);
    const double cpu_time = required_number(entry, i, "cpu_time", file);
    if (!entry.contains("time_unit") || !entry["time_unit"].is_string()) {
        throw input_error(file,
                          fmt::format("{}: missing field \"time_unit\"", entry_label(entry, i)));
    }
    p.time_unit = entry["time_unit"].get<std::string>();
    double scale = 0;
    try {
        scale = microseconds_per(p.time_unit);
    } catch (const std::invalid_argument&) {
        throw input_error(file, fmt::format("{}: unknown time_unit \"{}\" (expected ns, us, "
                                            "ms or s)",
                                            entry_label(entry, i), quoted_value(p.time_unit)));
    }
    p.metrics["real_time"] = checked_time(real_time, scale, entry, i, "real_time", file);
    p.metrics["cpu_time"] = checked_time(cpu_time, scale, entry, i, "cpu_time", file);
    for (const auto& [key, value] : entry.items()) {
        if (value.is_number() && !contract::is_bookkeeping_key(key)) {
            p.metrics[key] = value.get<double>();
        }
    }
    return p;
}

}  // namespace

std::uint64_t check_format_version(const ordered_json& context, const std::filesystem::path& file) {
    const std::string key(contract::names::context_key_name::format_version);
    if (!context.is_object() || !context.contains(key)) {
        return 1;
    }
    constexpr auto ours = static_cast<std::uint64_t>(contract::names::format_version);
    const std::optional<std::uint64_t> version = format_version_number(context[key], file);
    if (!version || *version > ours) {
        throw input_error(
            file,
            fmt::format("written in result format version {}; this sfb reads format "
                        "version {} and older: use a newer sfb to read it",
                        version ? std::to_string(*version) : quoted_value(context[key].dump(), 64),
                        ours));
    }
    return *version;
}

void stamp_format_version(ordered_json& context) {
    context[std::string(contract::names::context_key_name::format_version)] =
        std::to_string(contract::names::format_version);
}

void add_benchmark_document(result_set& set, const ordered_json& document,
                            const std::filesystem::path& file) {
    const ordered_json context = checked_context(document, file);
    const ordered_json& entries = document["benchmarks"];
    // Validate everything before touching `set`, so a bad file adds nothing.
    std::vector<parsed_entry> parsed;
    std::size_t aggregates = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (auto p = parse_entry(entries[i], i, file)) {
            parsed.push_back(std::move(*p));
        } else {
            ++aggregates;
        }
    }
    if (parsed.empty()) {
        throw input_error(file, fmt::format("holds only aggregates ({} entries), no per-repetition "
                                            "results; rerun without "
                                            "--benchmark_report_aggregates_only",
                                            aggregates));
    }

    set.files.push_back(result_file{file, context});
    for (auto& p : parsed) {
        benchmark_series& series = set.series(p.run_name);
        if (series.first_file.empty()) {
            series.first_file = file;
        }
        if (p.failed) {
            series.errors.push_back(std::move(p.error));
            continue;
        }
        if (series.time_unit.empty()) {
            series.time_unit = p.time_unit;
        }
        series.repetitions.push_back(std::move(p.metrics));
    }
}

result_set filter_benchmarks(const result_set& set, const std::regex& pattern) {
    result_set out;
    out.files = set.files;
    for (const auto& series : set.benchmarks) {
        if (std::regex_search(series.name, pattern)) {
            out.series(series.name) = series;
        }
    }
    return out;
}

std::string dump_json(const ordered_json& document, bool ascii) {
    return document.dump(2, ' ', ascii, ordered_json::error_handler_t::replace);
}

result_set load_results(std::span<const std::filesystem::path> inputs) {
    result_set set;
    for (const auto& file : expand_inputs(inputs)) {
        add_benchmark_document(set, read_json_file(file), file);
    }
    return set;
}

}  // namespace sfb::harness
