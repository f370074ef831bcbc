// Expanding result folders into files (benchmark_json.h): every entry is read or named.
#include "benchmark_json.h"
#include "safe_text.h"

#include <fmt/format.h>
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

namespace sfb::harness {

namespace {

std::vector<std::string>& unread_list() {
    static std::vector<std::string> list;
    return list;
}

// Why a folder entry that is not a folder is left out, or nullopt when it is read: a *.json
// regular file, or a link to one. input_error for a *.json entry that cannot be (a FIFO, a
// link loop), which is an error rather than a note, as it always was.
std::optional<std::string> why_not_read(const std::filesystem::path& entry,
                                        const std::filesystem::file_status& link_status) {
    std::error_code ec;
    const auto status = std::filesystem::status(entry, ec);
    const bool link = std::filesystem::is_symlink(link_status);
    if (link && std::filesystem::is_directory(status)) {
        return "a symbolic link to a folder, not followed (links can loop); name the folder "
               "itself to read it";
    }
    if (entry.extension() != ".json") {
        if (link && (ec || !std::filesystem::exists(status))) {
            return "a broken symbolic link (or a loop), not read";
        }
        return std::filesystem::is_regular_file(status)
                   ? std::string("not read: results are read from *.json files only")
                   : std::string("not read: not a regular file and not a *.json file");
    }
    if (ec) {
        throw input_error(entry, fmt::format("cannot read: {}", ec.message()));
    }
    if (!std::filesystem::is_regular_file(status)) {
        throw input_error(entry, "not a regular file; results are read from regular files only");
    }
    return std::nullopt;
}

// Every *.json under `folder`, recursively. Each folder is read to its end and every error is
// checked (std::filesystem::recursive_directory_iterator ends the loop on a failed increment
// before the error can be seen, which once made a folder with an unreadable subfolder look
// complete).
void collect_json_files(const std::filesystem::path& folder,
                        std::vector<std::filesystem::path>& found) {
    std::error_code ec;
    std::filesystem::directory_iterator it(folder, ec);
    if (ec) {
        throw input_error(folder, fmt::format("cannot read folder: {}", ec.message()));
    }
    std::vector<std::filesystem::path> subfolders;
    for (const std::filesystem::directory_iterator end; it != end;) {
        const std::filesystem::path entry = it->path();
        const auto link_status = std::filesystem::symlink_status(entry, ec);
        if (ec) {
            throw input_error(entry, fmt::format("cannot read: {}", ec.message()));
        }
        if (std::filesystem::is_directory(link_status)) {
            subfolders.push_back(entry);
        } else if (auto why = why_not_read(entry, link_status)) {
            note_unread(entry, *why);
        } else {
            found.push_back(entry);
        }
        it.increment(ec);
        if (ec) {
            throw input_error(folder, fmt::format("cannot read folder: {}", ec.message()));
        }
    }
    for (const auto& subfolder : subfolders) {
        collect_json_files(subfolder, found);
    }
}

}  // namespace

std::vector<std::filesystem::path> expand_inputs(std::span<const std::filesystem::path> inputs) {
    std::vector<std::filesystem::path> files;
    for (const auto& input : inputs) {
        std::error_code ec;
        const auto status = std::filesystem::status(input, ec);
        if (ec && ec != std::errc::no_such_file_or_directory) {
            throw input_error(input, fmt::format("cannot read: {}", ec.message()));
        }
        if (ec || !std::filesystem::exists(status)) {
            throw input_error(input, "no such file or folder");
        }
        if (!std::filesystem::is_directory(status)) {
            files.push_back(input);
            continue;
        }
        std::vector<std::filesystem::path> found;
        collect_json_files(input, found);
        if (found.empty()) {
            throw input_error(input, "folder holds no .json files");
        }
        std::sort(found.begin(), found.end());
        files.insert(files.end(), found.begin(), found.end());
    }
    return files;
}

void note_unread(const std::filesystem::path& entry, const std::string& why) {
    const std::string note = fmt::format("{}: {}", quoted_value(entry.string(), 512), why);
    static std::set<std::string> seen;  // a set: a tree of a million entries stays linear
    if (seen.insert(note).second) {
        unread_list().push_back(note);
    }
}

const std::vector<std::string>& unread_entries() {
    return unread_list();
}

}  // namespace sfb::harness
