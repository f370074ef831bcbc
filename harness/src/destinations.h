// Where sfb writes: checked before a run starts, so that minutes of measurements are never
// lost to a destination that could not take them; and a last resort when a write still fails.
#pragma once

#include <filesystem>
#include <string>

namespace sfb::harness {

// usage_error (exit 2) naming `option` unless `file` can be written: its folder exists and
// accepts a new file, and the file, if it exists, is a writable regular file. Creates nothing.
void check_writable_file(const std::string& option, const std::filesystem::path& file);

// usage_error (exit 2) naming `option` unless `folder` (created later if missing) can take new
// files: the nearest existing folder on its path accepts a new file. Creates nothing.
void check_writable_folder(const std::string& option, const std::filesystem::path& folder);

// Writes `content` to `file` (replacing it). std::system_error naming the file on failure.
void write_file(const std::filesystem::path& file, const std::string& content);
// The same, adding `content` at the end of `file` (created if missing).
void append_file(const std::filesystem::path& file, const std::string& content);

// Keeps `content` in a new file sfb-unsaved-XXXXXX.json in the temporary folder or, failing
// that, the current folder, and returns its path; empty when neither could take it.
std::filesystem::path keep_unsaved(const std::string& content);

}  // namespace sfb::harness
