#pragma once

// A scratch directory for the file tests of security/, and reading a file
// back whole.

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace timecoin::security::test {

/// A fresh directory under the system temp dir, removed on scope exit (its
/// permissions restored first, for tests that take them away).
struct temp_dir {
  std::filesystem::path path;

  explicit temp_dir(const std::string& tag = "test") {
    auto tmpl = (std::filesystem::temp_directory_path()
                 / ("timecoin-" + tag + "-XXXXXX"))
                  .string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  std::string file(const std::string& name) const {
    return (path / name).string();
  }
  /// Entries in the directory (left-over temporary files show here).
  std::size_t entries() const {
    std::size_t n = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(path))
      ++n;
    return n;
  }
};

/// The whole content of the file at `path` ("" if unreadable).
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace timecoin::security::test
