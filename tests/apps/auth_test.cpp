#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "apps/rpc/auth.hpp"

using namespace timecoin;
using namespace timecoin::rpc;
namespace fs = std::filesystem;

TEST_CASE("base64 follows RFC 4648's test vectors") {
  const std::pair<const char*, const char*> vectors[] = {
    {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
    {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    CHECK(base64_decode(encoded) == std::string{plain});
  }
  std::string binary{"\0\xff\x10", 3};
  CHECK(base64_decode(base64_encode(binary)) == binary);
  for (auto bad : {"Zg=", "Zg", "Z===", "====", "Zm9v!", "Zg==Zm9v", "Z=g=",
                   "Zm 9v"})
    CHECK_MESSAGE(!base64_decode(bad), bad);
}

TEST_CASE("check_basic_auth") {
  std::string creds = "__cookie__:secret";
  CHECK(check_basic_auth(basic_auth_header(creds), creds));
  CHECK(check_basic_auth("Basic " + base64_encode(creds), creds));
  CHECK_FALSE(check_basic_auth("", creds));
  CHECK_FALSE(check_basic_auth("Basic", creds));
  CHECK_FALSE(check_basic_auth("Bearer " + base64_encode(creds), creds));
  CHECK_FALSE(check_basic_auth("basic " + base64_encode(creds), creds));
  CHECK_FALSE(check_basic_auth(basic_auth_header("__cookie__:secreT"), creds));
  CHECK_FALSE(check_basic_auth(basic_auth_header("__cookie__:secret2"), creds));
  CHECK_FALSE(check_basic_auth(basic_auth_header("__cookie__:secre"), creds));
  CHECK_FALSE(check_basic_auth("Basic !!!!", creds));
}

TEST_CASE("make_cookie") {
  auto a = make_cookie();
  auto b = make_cookie();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->size() == cookie_user.size() + 1 + 2 * cookie_secret_bytes);
  CHECK(a->rfind("__cookie__:", 0) == 0);
  CHECK(a->find_first_not_of("0123456789abcdef", cookie_user.size() + 1)
        == std::string::npos);
  CHECK(*a != *b);
}

TEST_CASE("cookie files: mode 0600, replaced, read back") {
  auto dir = fs::temp_directory_path()
             / ("timecoin-auth-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto path = (dir / ".cookie").string();

  // An old cookie, readable by everyone, is replaced.
  std::ofstream{path} << "old:old";
  fs::permissions(path, fs::perms::all);
  REQUIRE(write_cookie(path, "__cookie__:abc"));
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto back = read_cookie(path);
  REQUIRE(back);
  CHECK(*back == "__cookie__:abc");
  CHECK_FALSE(fs::exists(path + ".tmp"));

  std::ofstream{path, std::ios::trunc} << "__cookie__:x\r\n";
  CHECK(read_cookie(path).value() == "__cookie__:x");
  std::ofstream{path, std::ios::trunc} << "no colon";
  CHECK_FALSE(read_cookie(path));
  std::ofstream{path, std::ios::trunc} << std::string(5000, 'a') << ":";
  CHECK_FALSE(read_cookie(path));
  CHECK_FALSE(read_cookie((dir / "missing").string()));
  CHECK_FALSE(write_cookie((dir / "no" / "such" / "dir").string(), "a:b"));
  fs::remove_all(dir);
}
