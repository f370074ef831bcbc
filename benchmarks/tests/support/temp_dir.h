// A scratch directory on a real disk (/var/tmp), removed at the end of the test; tests check
// it is empty first, which is how they see that the code under test cleaned up.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace sfb::bench {

class temp_dir {
  public:
    temp_dir() {
        char name[] = "/var/tmp/sfb-bench-test-XXXXXX";
        if (::mkdtemp(name) != nullptr) {
            path_ = name;
        }
    }
    ~temp_dir() {
        for (const auto& entry : entries()) {
            ::unlink((path_ + "/" + entry).c_str());
        }
        ::rmdir(path_.c_str());
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::string& path() const noexcept { return path_; }

    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        if (DIR* dir = ::opendir(path_.c_str())) {
            while (const dirent* entry = ::readdir(dir)) {
                const std::string name = entry->d_name;
                if (name != "." && name != "..") {
                    names.push_back(name);
                }
            }
            ::closedir(dir);
        }
        return names;
    }

  private:
    std::string path_;
};

}  // namespace sfb::bench
