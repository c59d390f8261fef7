#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "apps/rpc/auth.hpp"

using namespace timecoin;
using namespace timecoin::rpc;
namespace fs = std::filesystem;

TEST_CASE("base64 follows RFC 4648's test vectors") {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar",
                                                          "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    CHECK(base64_decode(encoded) == std::string{plain});
  }
  std::string binary{"\0\xff\x10", 3};
  CHECK(base64_decode(base64_encode(binary)) == binary);
  for (auto bad :
       {"Zg=", "Zg", "Z===", "====", "Zm9v!", "Zg==Zm9v", "Z=g=", "Zm 9v"})
    CHECK_MESSAGE(!base64_decode(bad), bad);
}

TEST_CASE("base64 round-trips every byte value at every length") {
  std::string data;
  for (int i = 0; i < 300; ++i) {
    auto encoded = base64_encode(data);
    CHECK(encoded.size() == (data.size() + 2) / 3 * 4);
    CHECK(base64_decode(encoded) == data);
    data += static_cast<char>(i * 7 % 256);
  }
}

TEST_CASE("base64_decode refuses hostile input") {
  // Empty is the encoding of nothing; it decodes, to nothing.
  CHECK(base64_decode("") == std::string{});
  const std::string bad[] = {
    // Bad or missing padding.
    "=", "==", "===", "Zg", "Zg=", "Zg===", "Zm8", "Zm8==", "Z", "Zm9vY",
    "Zm9vYg", "Zm9vYg=", "=Zg=", "Zm=9",
    // Non-canonical: bits left over in the last character are not zero.
    "Zh==", "Zm9=",
    // Characters outside the alphabet, the URL-safe one's included.
    "Zm9v-_==", "Zm9_", "Zm9v\n", "\nZm9v", "Zm9v ", " Zm9v", "Zm\t9v",
    std::string{"Zm9v\0", 5}, std::string{"Zm\09v", 5}, "Zm9v\xff",
    "\xc3\xa9Zm9", "Zm9v.", "Zm9v:",
    // Something after the padding.
    "Zg==Zg==", "Zg==\n", "Zm8=A",
    // Long garbage.
    std::string(10000, '!'), std::string(9999, 'A')};
  for (const auto& text : bad)
    CHECK_MESSAGE(!base64_decode(text), text.substr(0, 20));
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
  CHECK_FALSE(check_basic_auth("Basic ", creds));
  CHECK_FALSE(check_basic_auth("Basic " + base64_encode(creds) + "=", creds));
  CHECK_FALSE(check_basic_auth("Basic " + base64_encode(creds) + " ", creds));
  CHECK_FALSE(check_basic_auth("Basic  " + base64_encode(creds), creds));
  CHECK_FALSE(check_basic_auth(basic_auth_header(""), creds));
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
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto back = read_cookie(path);
  REQUIRE(back);
  CHECK(*back == "__cookie__:abc");
  // No temporary file is left beside the cookie.
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator{})
        == 1);

  std::ofstream{path, std::ios::trunc} << "__cookie__:x\r\n";
  CHECK(read_cookie(path).value() == "__cookie__:x");
  std::ofstream{path, std::ios::trunc} << "no colon";
  CHECK_FALSE(read_cookie(path));
  std::ofstream{path, std::ios::trunc} << std::string(5000, 'a') << ":";
  CHECK_FALSE(read_cookie(path));
  CHECK_FALSE(read_cookie((dir / "missing").string()));
  CHECK_FALSE(read_cookie(dir.string()));
  CHECK_FALSE(write_cookie((dir / "no" / "such" / "dir").string(), "a:b"));
  fs::remove_all(dir);
}
