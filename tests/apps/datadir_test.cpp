#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "apps/timed/datadir.hpp"

namespace fs = std::filesystem;
using namespace timecoin;

namespace {

/// A fresh directory under the system temp dir, removed on scope exit.
struct temp_dir {
  fs::path path;
  temp_dir() {
    auto tmpl
      = (fs::temp_directory_path() / "timecoin-datadir-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

} // namespace

TEST_CASE("datadir: created 0700 with its parents") {
  temp_dir tmp;
  auto dir = tmp.path / "data" / "devnet";
  auto state = prepare_datadir(dir.string());
  CHECK(state.error.empty());
  CHECK(state.warning.empty());
  CHECK(mode_of(tmp.path / "data") == 0700);
  CHECK(mode_of(dir) == 0700);
  // Again: nothing to say.
  state = prepare_datadir(dir.string());
  CHECK(state.error.empty());
  CHECK(state.warning.empty());
}

TEST_CASE("datadir: an existing open directory is reported, left alone") {
  temp_dir tmp;
  auto dir = tmp.path / "open";
  fs::create_directory(dir);
  REQUIRE(::chmod(dir.c_str(), 0755) == 0);
  auto state = prepare_datadir(dir.string());
  CHECK(state.error.empty());
  CHECK(state.warning.find("has mode 0755") != std::string::npos);
  CHECK(state.warning.find("chmod 700 " + dir.string()) != std::string::npos);
  CHECK(mode_of(dir) == 0755);
}

TEST_CASE("datadir: a file in the way is an error") {
  temp_dir tmp;
  auto file = tmp.path / "file";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    REQUIRE(f);
    std::fclose(f);
  }
  auto state = prepare_datadir(file.string());
  CHECK(state.error.find(file.string()) != std::string::npos);
  auto below = prepare_datadir((file / "sub").string());
  CHECK_FALSE(below.error.empty());
}
