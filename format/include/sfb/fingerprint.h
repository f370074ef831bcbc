// The machine fingerprint, the one recipe both bench_sendfile (its "machine_fingerprint" context
// key) and sfb (the folder a result is stored in) use: format/contract.json, "fingerprint".
#pragma once

#include <sfb/format_contract.h>

#include <string>
#include <string_view>

namespace sfb::format {

// Lower case; every run of characters other than ASCII [a-z0-9] becomes one '-'; no leading or
// trailing '-'. Empty for text without a letter or digit.
inline std::string fingerprint_slug(std::string_view text) {
    std::string out;
    bool pending_dash = false;
    for (const char c : text) {
        const bool digit = c >= '0' && c <= '9';
        const bool lower = c >= 'a' && c <= 'z';
        const bool upper = c >= 'A' && c <= 'Z';
        if (!digit && !lower && !upper) {
            pending_dash = true;
            continue;
        }
        if (pending_dash && !out.empty()) {
            out += '-';
        }
        pending_dash = false;
        out += upper ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

// "<os>-<kernel_release>-<cpu_model>-<cpu_count>cpu", slugified.
inline std::string machine_fingerprint(std::string_view os, std::string_view kernel_release,
                                       std::string_view cpu_model, std::string_view cpu_count) {
    std::string raw;
    raw.append(os).append("-").append(kernel_release).append("-").append(cpu_model);
    raw.append("-").append(cpu_count).append("cpu");
    return fingerprint_slug(raw);
}

// The CPU model from the text of /proc/cpuinfo: after the ':' of the first line that starts
// with "model name", blanks trimmed; unknown_value ("unknown") when there is no such line or
// it is empty, as on ARM, whose /proc/cpuinfo has no "model name".
inline std::string cpu_model_from_cpuinfo(std::string_view proc_cpuinfo_text) {
    constexpr std::string_view blanks = " \t\r";
    while (!proc_cpuinfo_text.empty()) {
        const auto end = proc_cpuinfo_text.find('\n');
        const std::string_view line = proc_cpuinfo_text.substr(0, end);
        proc_cpuinfo_text =
            end == std::string_view::npos ? std::string_view{} : proc_cpuinfo_text.substr(end + 1);
        const auto colon = line.find(':');
        if (line.substr(0, cpu_model_line_prefix.size()) != cpu_model_line_prefix ||
            colon == std::string_view::npos) {
            continue;
        }
        std::string_view model = line.substr(colon + 1);
        const auto first = model.find_first_not_of(blanks);
        if (first == std::string_view::npos) {
            break;
        }
        model = model.substr(first, model.find_last_not_of(blanks) - first + 1);
        return std::string(model);
    }
    return std::string(unknown_value);
}

}  // namespace sfb::format
