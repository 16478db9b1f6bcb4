// Golden files: text a test makes, compared with a file under version
// control. With INTAKE_UPDATE_GOLDEN=1 in the environment the files are
// written instead (scripts/golden), and the diff is then reviewed like code.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace intake::golden {

class Directory {
 public:
  explicit Directory(std::string path) : path_(std::move(path)), update_(std::getenv("INTAKE_UPDATE_GOLDEN") != nullptr) {
    if (update_) std::filesystem::create_directories(path_);
  }

  void check(const std::string& name, const std::string& made) {
    seen_.insert(name);
    const std::filesystem::path file = std::filesystem::path(path_) / name;
    if (update_) {
      std::ofstream(file, std::ios::binary) << made;
      return;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      ADD_FAILURE() << file << " is missing: run scripts/golden to write it, and review it";
      return;
    }
    std::stringstream expected;
    expected << in.rdbuf();
    if (expected.str() == made) return;
    ADD_FAILURE() << name << " differs from its golden file " << file << " (first difference at byte "
                  << first_difference(expected.str(), made) << "); if the change is meant, run scripts/golden and "
                  << "review the diff.\n--- made:\n" << made;
  }

  // Files in the directory that no check made (a renamed or dropped mail),
  // but those starting with `others` (checked by another test).
  void finish(const std::string& others) {
    for (const auto& entry : std::filesystem::directory_iterator(path_)) {
      const std::string name = entry.path().filename().string();
      if (seen_.count(name) != 0 || name.rfind(others, 0) == 0 || name == "README.md") continue;
      if (update_) std::filesystem::remove(entry.path());
      else ADD_FAILURE() << entry.path() << " is made by no test any more: remove it (scripts/golden does)";
    }
  }

 private:
  static std::size_t first_difference(const std::string& a, const std::string& b) {
    std::size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
    return i;
  }
  std::string path_;
  bool update_;
  std::set<std::string> seen_;
};

}  // namespace intake::golden
