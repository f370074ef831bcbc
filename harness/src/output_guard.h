// An output must never be one of the inputs: `sfb export --output F F` would replace the
// result it reads, and `sfb compare --summary F BASE F` would append Markdown to a JSON file,
// which then no longer parses. Checked before anything is read or run.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace sfb::harness {

// An output file and the option that names it ("output", "summary", ...).
using named_output = std::pair<std::string, std::filesystem::path>;

// usage_error (exit 2) when an output is the same file as an input (the same device and
// inode, or the same path) or as another output. Folders among `inputs` stand for every
// *.json file below them, as the commands read them.
void refuse_outputs_among_inputs(std::span<const named_output> outputs,
                                 std::span<const std::filesystem::path> inputs);

}  // namespace sfb::harness
