#include "strict_json.h"

#include <array>
#include <sstream>

namespace sfb::bench {

namespace {

// The words Google writes for non-finite doubles (std::isnan, std::isinf in its FormatKV).
constexpr std::array<std::string_view, 4> kNonFinite{"-Infinity", "Infinity", "-NaN", "NaN"};

// The length of the non-finite word at the start of `rest`, or 0.
std::size_t non_finite_word(std::string_view rest) {
    for (const std::string_view word : kNonFinite) {
        if (rest.starts_with(word)) {
            return word.size();
        }
    }
    return 0;
}

}  // namespace

std::string null_for_non_finite(std::string_view json_text) {
    std::string out;
    out.reserve(json_text.size());
    bool in_string = false;
    bool escaped = false;
    std::size_t i = 0;
    while (i < json_text.size()) {
        const char c = json_text[i];
        if (in_string) {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if (c == '"') {
            in_string = true;
        } else if (const std::size_t length = non_finite_word(json_text.substr(i)); length > 0) {
            out += "null";
            i += length;
            continue;
        }
        out += c;
        ++i;
    }
    return out;
}

namespace {

// Runs `report` with the reporter's output going to a buffer, then writes the buffer, made
// strict, to the real output.
template <typename Report>
void strictly(benchmark::BenchmarkReporter& reporter, Report report) {
    std::ostream& real = reporter.GetOutputStream();
    std::ostringstream buffer;
    reporter.SetOutputStream(&buffer);
    report();
    reporter.SetOutputStream(&real);
    real << null_for_non_finite(buffer.str());
    real.flush();
}

}  // namespace

bool strict_json_reporter::ReportContext(const Context& context) {
    bool ok = false;
    strictly(*this, [&] { ok = JSONReporter::ReportContext(context); });
    return ok;
}

void strict_json_reporter::ReportRuns(const std::vector<Run>& runs) {
    strictly(*this, [&] { JSONReporter::ReportRuns(runs); });
}

void strict_json_reporter::Finalize() {
    strictly(*this, [&] { JSONReporter::Finalize(); });
}

}  // namespace sfb::bench
