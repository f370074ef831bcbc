#include "output_guard.h"

#include "benchmark_json.h"
#include "cli.h"
#include "safe_text.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <optional>
#include <system_error>

namespace sfb::harness {

namespace {

// What identifies a file: its device and inode when it exists, and its absolute path without
// "." and ".." either way (an output that does not exist yet can still be named twice).
struct file_identity {
    std::optional<std::pair<dev_t, ino_t>> inode;
    std::filesystem::path path;

    bool same_as(const file_identity& other) const {
        return (inode && other.inode && *inode == *other.inode) || path == other.path;
    }
};

file_identity identify(const std::filesystem::path& file) {
    file_identity id;
    std::error_code ec;
    id.path = std::filesystem::weakly_canonical(std::filesystem::absolute(file, ec), ec);
    if (ec) {
        id.path = std::filesystem::absolute(file, ec).lexically_normal();
    }
    struct stat info {};
    if (::stat(file.c_str(), &info) == 0) {
        id.inode = std::pair{info.st_dev, info.st_ino};
    }
    return id;
}

// The inputs as files: a folder stands for the *.json files it holds. A folder that cannot be
// listed is left to the command, which names the problem when it reads it.
std::vector<std::filesystem::path> input_files(std::span<const std::filesystem::path> inputs) {
    std::vector<std::filesystem::path> files;
    for (const auto& input : inputs) {
        std::error_code ec;
        if (!std::filesystem::is_directory(input, ec)) {
            files.push_back(input);
            continue;
        }
        try {
            const auto found = expand_inputs(std::span(&input, 1));
            files.insert(files.end(), found.begin(), found.end());
        } catch (const input_error&) {
            files.push_back(input);
        }
    }
    return files;
}

}  // namespace

void refuse_outputs_among_inputs(std::span<const named_output> outputs,
                                 std::span<const std::filesystem::path> inputs) {
    const auto files = input_files(inputs);
    std::vector<file_identity> input_ids;
    for (const auto& file : files) {
        input_ids.push_back(identify(file));
    }
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        const auto& [option, path] = outputs[i];
        const file_identity id = identify(path);
        for (std::size_t j = 0; j < input_ids.size(); ++j) {
            if (id.same_as(input_ids[j])) {
                throw usage_error(fmt::format(
                    "--{} {}: is also an input ({}); writing it would destroy what is read", option,
                    quoted_value(path.string()), quoted_value(files[j].string())));
            }
        }
        for (std::size_t j = 0; j < i; ++j) {
            if (id.same_as(identify(outputs[j].second))) {
                throw usage_error(
                    fmt::format("--{} {}: is also --{}; one would overwrite the "
                                "other",
                                option, quoted_value(path.string()), outputs[j].first));
            }
        }
    }
}

}  // namespace sfb::harness
