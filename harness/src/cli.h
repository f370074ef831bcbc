// A small command-line parser: --name=value, --name value, boolean --flag, positionals, and
// everything after "--" passed through untouched (to the benchmark program).
#pragma once

#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sfb::harness {

// Wrong usage: unknown option, missing value, bad number. Exit code 2.
class usage_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct option_spec {
    std::string name;        // without the leading dashes
    std::string value_name;  // empty: a flag without a value
    std::string help;
};

struct parsed_args {
    std::map<std::string, std::string> values;  // options that take a value (the last one wins)
    std::map<std::string, bool> flags;
    std::vector<std::string> positional;
    std::vector<std::string> passthrough;  // after "--"
    bool help = false;

    std::optional<std::string> value(const std::string& name) const;
    bool flag(const std::string& name) const { return flags.contains(name); }
};

parsed_args parse_args(std::span<const std::string> args, std::span<const option_spec> specs);
// usage_error unless `args` has no operand: `command`'s program arguments go after "--".
void reject_operands(const parsed_args& args, const std::string& command);

std::string format_help(const std::string& usage, const std::string& description,
                        std::span<const option_spec> specs, const std::string& epilogue);

// "5%" -> 0.05, "0.05" -> 0.05. A bare number of 1 or more is refused as ambiguous.
double parse_fraction(const std::string& option, const std::string& text);
// A number from 0 to `maximum`; usage_error naming the option and the value otherwise.
double parse_positive_double(const std::string& option, const std::string& text,
                             double maximum = 1e9);
// A whole number from `minimum` to `maximum`: nothing is wrapped or clamped, a value outside
// is refused with a message naming the option, the value and the range.
unsigned parse_count(const std::string& option, const std::string& text, unsigned minimum,
                     unsigned maximum = 1'000'000);
// Byte counts: "65536", "64K", "64KiB", "1M", "1G" (powers of 1024); usage_error for a count
// beyond 2^64 - 1 bytes.
unsigned long long parse_bytes(const std::string& option, const std::string& text);
// The parts of `text` between every `separator`, empty ones included: "a,,b" -> a, "", b.
std::vector<std::string_view> split_at(std::string_view text, char separator);
// A comma-separated list, empty entries dropped.
std::vector<std::string> split_list(const std::string& text);

}  // namespace sfb::harness
