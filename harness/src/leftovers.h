// Temporary folders whose sfb is gone. `kill -9` of sfb leaves its $TMPDIR/sfb-XXXXXX folder
// behind (no destructor runs); each folder therefore records its owner, and the next sfb
// removes the folders of owners that no longer run.
#pragma once

#include <filesystem>

namespace sfb::harness {

// The file in each temporary folder that names its owner: "PID STARTTIME" (STARTTIME from
// /proc/PID/stat, so that a reused pid is not taken for the owner).
inline constexpr const char* kOwnerFile = ".sfb-owner";

// Writes the owner record of this process into `folder`; false when it cannot.
bool record_owner(const std::filesystem::path& folder);

// Removes every folder sfb-* in `base` that this user owns and whose recorded owner no longer
// runs. Folders without a record (another program's, or one being created) are left alone.
// Returns how many were removed; never throws.
unsigned remove_dead_owners_folders(const std::filesystem::path& base);

}  // namespace sfb::harness
