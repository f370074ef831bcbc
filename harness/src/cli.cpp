#include "cli.h"

#include "safe_text.h"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace sfb::harness {

std::optional<std::string> parsed_args::value(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) {
        return std::nullopt;
    }
    return it->second;
}

void reject_operands(const parsed_args& args, const std::string& command) {
    if (!args.positional.empty()) {
        throw usage_error(fmt::format("{} takes no operand (\"{}\"); program arguments go after --",
                                      command, args.positional.front()));
    }
}

parsed_args parse_args(std::span<const std::string> args, std::span<const option_spec> specs) {
    parsed_args parsed;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") {
            parsed.passthrough.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                      args.end());
            break;
        }
        if (arg == "-h" || arg == "--help") {
            parsed.help = true;
            continue;
        }
        if (arg.size() < 2 || arg[0] != '-' || arg == "-") {
            parsed.positional.push_back(arg);
            continue;
        }
        if (arg[1] != '-') {
            throw usage_error(fmt::format("unknown option \"{}\"", arg));
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inline_value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name.resize(eq);
        }
        auto spec = std::find_if(specs.begin(), specs.end(),
                                 [&](const option_spec& s) { return s.name == name; });
        if (spec == specs.end()) {
            throw usage_error(fmt::format("unknown option \"--{}\"", name));
        }
        if (spec->value_name.empty()) {
            if (inline_value) {
                throw usage_error(fmt::format("option \"--{}\" takes no value", name));
            }
            parsed.flags[name] = true;
            continue;
        }
        if (inline_value) {
            parsed.values[name] = *inline_value;
        } else if (i + 1 < args.size()) {
            parsed.values[name] = args[++i];
        } else {
            throw usage_error(
                fmt::format("option \"--{}\" needs a value ({})", name, spec->value_name));
        }
    }
    return parsed;
}

std::string format_help(const std::string& usage, const std::string& description,
                        std::span<const option_spec> specs, const std::string& epilogue) {
    std::string out = fmt::format("usage: {}\n\n{}\n", usage, description);
    if (!specs.empty()) {
        out += "\noptions:\n";
        for (const auto& spec : specs) {
            std::string left = fmt::format("  --{}", spec.name);
            if (!spec.value_name.empty()) {
                left += fmt::format(" {}", spec.value_name);
            }
            if (left.size() < 26) {
                out += fmt::format("{:<26}{}\n", left, spec.help);
            } else {
                out += fmt::format("{}\n{:26}{}\n", left, "", spec.help);
            }
        }
        out += fmt::format("{:<26}{}\n", "  -h, --help", "show this help and exit");
    }
    if (!epilogue.empty()) {
        out += fmt::format("\n{}\n", epilogue);
    }
    return out;
}

namespace {

double parse_double(const std::string& option, const std::string& text) {
    double value = 0;
    const char* begin = text.data();
    const char* end = begin + text.size();
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr != end || !std::isfinite(value)) {
        throw usage_error(
            fmt::format("--{}: \"{}\" is not a number", option, quoted_value(text, 64)));
    }
    return value;
}

}  // namespace

double parse_fraction(const std::string& option, const std::string& text) {
    if (!text.empty() && text.back() == '%') {
        const double percent = parse_double(option, text.substr(0, text.size() - 1));
        if (percent < 0 || percent >= 100) {
            throw usage_error(fmt::format("--{}: {} is outside 0%..100%", option, text));
        }
        return percent / 100;
    }
    const double value = parse_double(option, text);
    if (value < 0 || value >= 1) {
        throw usage_error(fmt::format(
            "--{}: \"{}\" is ambiguous or out of range; write a percentage (\"5%\") or a "
            "fraction below 1 (\"0.05\")",
            option, text));
    }
    return value;
}

double parse_positive_double(const std::string& option, const std::string& text, double maximum) {
    const double value = parse_double(option, text);
    if (value < 0) {
        throw usage_error(
            fmt::format("--{}: \"{}\" must not be negative", option, quoted_value(text)));
    }
    if (value > maximum) {
        throw usage_error(fmt::format("--{}: {} is above the largest accepted value, {:g}", option,
                                      quoted_value(text), maximum));
    }
    return value;
}

unsigned parse_count(const std::string& option, const std::string& text, unsigned minimum,
                     unsigned maximum) {
    unsigned long long value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec == std::errc::result_out_of_range ||
        (ec == std::errc() && ptr == end && value > maximum)) {
        throw usage_error(fmt::format("--{}: {} is out of range ({} to {})", option,
                                      quoted_value(text, 64), minimum, maximum));
    }
    if (ec != std::errc() || ptr != end || text.empty()) {
        throw usage_error(
            fmt::format("--{}: \"{}\" is not a whole number", option, quoted_value(text, 64)));
    }
    if (value < minimum) {
        throw usage_error(fmt::format("--{}: {} is less than {}", option, value, minimum));
    }
    return static_cast<unsigned>(value);
}

unsigned long long parse_bytes(const std::string& option, const std::string& text) {
    unsigned long long value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec == std::errc::result_out_of_range) {
        throw usage_error(fmt::format("--{}: {} is out of range (at most 2^64 - 1 bytes)", option,
                                      quoted_value(text, 64)));
    }
    if (ec != std::errc() || text.empty()) {
        throw usage_error(
            fmt::format("--{}: \"{}\" is not a byte count", option, quoted_value(text, 64)));
    }
    std::string suffix(ptr, end);
    std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (suffix.ends_with("ib")) {
        suffix.resize(suffix.size() - 2);
    } else if (suffix.size() > 1 && suffix.ends_with("b")) {
        suffix.resize(suffix.size() - 1);
    }
    unsigned shift = 0;
    if (suffix == "k") {
        shift = 10;
    } else if (suffix == "m") {
        shift = 20;
    } else if (suffix == "g") {
        shift = 30;
    } else if (!suffix.empty()) {
        throw usage_error(fmt::format("--{}: \"{}\" is not a byte count (e.g. 65536, 64K, 1M)",
                                      option, quoted_value(text, 64)));
    }
    if (value > (~0ULL >> shift)) {
        throw usage_error(fmt::format("--{}: {} is out of range (at most 2^64 - 1 bytes)", option,
                                      quoted_value(text, 64)));
    }
    return value << shift;
}

std::vector<std::string_view> split_at(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(separator, start), text.size());
        parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    for (const std::string_view part : split_at(text, ',')) {
        if (!part.empty()) {
            out.emplace_back(part);
        }
    }
    return out;
}

}  // namespace sfb::harness
