#include "security/node_key.hpp"

#include <doctest/doctest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/security/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace timecoin;
using namespace timecoin::security;
using namespace timecoin::security::test;

namespace {

void write_file(const std::string& path, const std::string& text,
                mode_t mode = 0600) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::size_t entries_in(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(dir))
    ++n;
  return n;
}

hash256 blake2b(const std::string& s) {
  hash256 out{};
  crypto_generichash(out.data(), out.size(),
                     reinterpret_cast<const uint8_t*>(s.data()), s.size(),
                     nullptr, 0);
  return out;
}

const std::string valid_line = "ed25519-seed:" + std::string(64, 'a') + "\n";

/// Checks that loading `path` fails with a message naming it, and that the
/// file (or directory) is still exactly what it was.
void expect_refused(const temp_dir& dir, const std::string& path) {
  bool is_file = fs::is_regular_file(path);
  auto before = is_file ? slurp(path) : std::string{};
  auto entries = entries_in(dir.path);
  auto key = node_key::load_or_create(path);
  REQUIRE_FALSE(key);
  CHECK(key.error().message.find(path) != std::string::npos);
  CHECK(key.error().message.find("refusing to start with a new identity")
        != std::string::npos);
  if (is_file)
    CHECK(slurp(path) == before);
  CHECK(entries_in(dir.path) == entries); // no temp file left behind
}

} // namespace

TEST_CASE("node key: created on first start, the same on the next") {
  temp_dir dir;
  auto path = dir.file("node_key");
  auto first = node_key::load_or_create(path);
  REQUIRE(first);
  CHECK(mode_of(path) == 0600);
  auto text = slurp(path);
  CHECK(text == "ed25519-seed:" + proto::to_hex(first->seed()) + "\n");
  auto second = node_key::load_or_create(path);
  REQUIRE(second);
  CHECK(second->public_key() == first->public_key());
  CHECK(second->seed() == first->seed());
  CHECK(slurp(path) == text);
  CHECK(entries_in(dir.path) == 1);
}

TEST_CASE("node key: missing parent directories are created, private") {
  temp_dir dir;
  auto path = dir.file("a/b/node_key");
  auto key = node_key::load_or_create(path);
  REQUIRE(key);
  CHECK(mode_of(path) == 0600);
  CHECK(mode_of(dir.file("a")) == 0700);
  CHECK(mode_of(dir.file("a/b")) == 0700);
}

TEST_CASE("node key: mode is 0600 whatever the umask") {
  temp_dir dir;
  auto old = ::umask(0);
  auto key = node_key::load_or_create(dir.file("k1"));
  ::umask(0277);
  auto key2 = node_key::load_or_create(dir.file("k2"));
  ::umask(old);
  REQUIRE(key);
  REQUIRE(key2);
  CHECK(mode_of(dir.file("k1")) == 0600);
  CHECK(mode_of(dir.file("k2")) == 0600);
}

TEST_CASE("node key: a valid file is read; trailing newline optional") {
  temp_dir dir;
  auto path = dir.file("node_key");
  write_file(path, "ed25519-seed:" + std::string(64, 'A'));
  auto key = node_key::load_or_create(path);
  REQUIRE(key);
  hash256 seed;
  seed.fill(0xaa);
  CHECK(key->seed() == seed);
  CHECK(key->public_key() == node_key::from_seed(seed).public_key());
}

TEST_CASE("node key: malformed or unreadable files are refused, untouched") {
  temp_dir dir;
  auto path = dir.file("node_key");
  SUBCASE("garbage") {
    write_file(path, "this is not a key\n");
  }
  SUBCASE("truncated") {
    write_file(path, valid_line.substr(0, valid_line.size() - 2));
  }
  SUBCASE("too long") {
    write_file(path, "ed25519-seed:" + std::string(66, 'a') + "\n");
  }
  SUBCASE("not hex") {
    write_file(path, "ed25519-seed:" + std::string(63, 'a') + "g\n");
  }
  SUBCASE("empty") {
    write_file(path, "");
  }
  SUBCASE("only whitespace") {
    write_file(path, "\n\n");
  }
  SUBCASE("raw binary seed") {
    write_file(path, std::string(32, '\x01'));
  }
  SUBCASE("huge file") {
    write_file(path, std::string(100000, 'a'));
  }
  SUBCASE("directory instead of a file") {
    fs::create_directory(path);
  }
  SUBCASE("dangling symlink") {
    fs::create_symlink(dir.file("elsewhere"), path);
  }
  expect_refused(dir, path);
}

TEST_CASE("node key: an unreadable file is refused, not replaced") {
  if (::geteuid() == 0)
    return; // root reads mode 000 files: nothing to test
  temp_dir dir;
  auto path = dir.file("node_key");
  write_file(path, valid_line, 0000);
  auto key = node_key::load_or_create(path);
  REQUIRE_FALSE(key);
  CHECK(key.error().message.find(path) != std::string::npos);
  CHECK(mode_of(path) == 0000);
  ::chmod(path.c_str(), 0600);
  CHECK(slurp(path) == valid_line);
}

TEST_CASE("node key: permissions wider than 0600 are tightened, reported") {
  temp_dir dir;
  auto path = dir.file("node_key");
  write_file(path, valid_line, 0644);
  std::string warning;
  auto key = node_key::load_or_create(path, &warning);
  REQUIRE(key);
  CHECK(mode_of(path) == 0600);
  CHECK(warning.find("0644") != std::string::npos);
  CHECK(warning.find(path) != std::string::npos);
  warning.clear();
  REQUIRE(node_key::load_or_create(path, &warning));
  CHECK(warning.empty());
}

TEST_CASE("node key: from_seed is deterministic (devnet producer)") {
  auto seed = blake2b("timecoin devnet producer");
  auto a = node_key::from_seed(seed);
  auto b = node_key::from_seed(seed);
  CHECK(proto::to_hex(a.public_key())
        == "f678e8649bf637e43c42a2383499b7b358ea88e40262c9ef0c02a072ccc51208");
  CHECK(a.public_key() == b.public_key());
  CHECK(a.sign(bytes{1, 2, 3}) == b.sign(bytes{1, 2, 3})); // deterministic
}

TEST_CASE("node key: generate gives distinct keys") {
  auto a = node_key::generate();
  auto b = node_key::generate();
  CHECK(a.public_key() != b.public_key());
  CHECK(a.seed() != b.seed());
}

TEST_CASE("node key: sign and verify") {
  auto key = node_key::generate();
  auto other = node_key::generate();
  bytes msg{'h', 'e', 'l', 'l', 'o'};
  auto sig = key.sign(msg);
  CHECK(verify(key.public_key(), msg, sig));
  CHECK_FALSE(verify(other.public_key(), msg, sig));
  auto bad_msg = msg;
  bad_msg[0] ^= 1;
  CHECK_FALSE(verify(key.public_key(), bad_msg, sig));
  auto bad_sig = sig;
  bad_sig[63] ^= 0x80;
  CHECK_FALSE(verify(key.public_key(), msg, bad_sig));
  CHECK(verify(key.public_key(), bytes{}, key.sign(bytes{})));
  CHECK_FALSE(verify(key.public_key(), msg.data(), msg.size(), nullptr));
}
