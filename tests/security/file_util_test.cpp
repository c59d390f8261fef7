#include "security/file_util.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/security/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace timecoin::security;
using namespace timecoin::security::test;

namespace {

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

/// Sets the umask for one scope.
struct scoped_umask {
  mode_t old;
  explicit scoped_umask(mode_t mask) : old(::umask(mask)) {}
  ~scoped_umask() { ::umask(old); }
};

} // namespace

TEST_CASE("write_file creates the file with exactly its mode") {
  temp_dir dir;
  auto path = dir.file("f");
  std::string err;
  {
    // The umask would leave the owner without write permission.
    scoped_umask mask{0277};
    CHECK(write_file(path, "one", 0600, if_exists::replace, err)
          == write_status::written);
  }
  CHECK(slurp(path) == "one");
  CHECK(mode_of(path) == 0600);
  CHECK(dir.entries() == 1);
}

TEST_CASE("replace_file replaces an old file and leaves no temporary file") {
  temp_dir dir;
  auto path = dir.file("f");
  std::ofstream{path} << "old contents, longer than the new";
  fs::permissions(path, fs::perms::all);
  std::string err;
  REQUIRE(replace_file(path, "new", 0600, err));
  CHECK(err.empty());
  CHECK(slurp(path) == "new");
  CHECK(mode_of(path) == 0600);
  CHECK(dir.entries() == 1);
  REQUIRE(replace_file(path, "", 0640, err));
  CHECK(slurp(path).empty());
  CHECK(mode_of(path) == 0640);
}

TEST_CASE("write_file with if_exists::keep leaves an existing file alone") {
  temp_dir dir;
  auto path = dir.file("f");
  std::string err;
  CHECK(write_file(path, "first", 0600, if_exists::keep, err)
        == write_status::written);
  CHECK(write_file(path, "second", 0600, if_exists::keep, err)
        == write_status::exists);
  CHECK(err.empty());
  CHECK(slurp(path) == "first");
  CHECK(dir.entries() == 1);
}

TEST_CASE("write_file fails cleanly when the directory is missing") {
  temp_dir dir;
  auto path = dir.file("missing/f");
  std::string err;
  for (auto existing : {if_exists::replace, if_exists::keep}) {
    err.clear();
    CHECK(write_file(path, "x", 0600, existing, err) == write_status::failed);
    CHECK(err.find("cannot create " + path + ".tmp-") == 0);
  }
  CHECK_FALSE(replace_file(path, "x", 0600, err));
  CHECK(dir.entries() == 0);
}

TEST_CASE("write_file does not replace a directory at the path") {
  temp_dir dir;
  auto path = dir.file("d");
  fs::create_directory(path);
  std::ofstream{path + "/inside"} << "x";
  std::string err;
  CHECK(write_file(path, "x", 0600, if_exists::replace, err)
        == write_status::failed);
  CHECK(err.find("cannot rename") == 0);
  CHECK(fs::is_directory(path));
  CHECK(dir.entries() == 1);
}

TEST_CASE("rename_no_replace refuses an existing target") {
  temp_dir dir;
  auto from = dir.file("a");
  auto to = dir.file("b");
  std::ofstream{from} << "a";
  std::ofstream{to} << "b";
  CHECK(rename_no_replace(from, to) == -1);
  CHECK(errno == EEXIST);
  CHECK(slurp(to) == "b");
  fs::remove(to);
  CHECK(rename_no_replace(from, to) == 0);
  CHECK(slurp(to) == "a");
  CHECK_FALSE(fs::exists(from));
}

TEST_CASE("parent_dir") {
  CHECK(parent_dir("f") == ".");
  CHECK(parent_dir("/f") == "/");
  CHECK(parent_dir("a/b/f") == "a/b");
  CHECK(parent_dir("/a/f") == "/a");
}
