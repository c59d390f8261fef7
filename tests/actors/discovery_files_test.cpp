// The discovery actor's files: a corrupt book is moved aside and an empty
// one used; anchors are read once.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "../security/temp_dir.hpp"
#include "actors/discovery_files.hpp"

using namespace timecoin;

namespace {

constexpr int64_t now = 1'800'000'000;

/// A book key that is all `b`.
std::array<uint8_t, address_book_key_bytes> key_of(uint8_t b) {
  std::array<uint8_t, address_book_key_bytes> k{};
  k.fill(b);
  return k;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream f{path, std::ios::binary};
  f << text;
}

} // namespace

TEST_CASE("peers.json: written, read back, a corrupt one moved aside") {
  security::test::temp_dir d{"disc"};
  auto path = (d.path / "peers.json").string();
  auto fresh = load_book(path, false, 1, key_of(1), now);
  CHECK(fresh.warning.empty()); // no file: an empty book, nothing to say
  CHECK(fresh.book.size() == 0);
  CHECK(fresh.book.key() == key_of(1));
  book_address a;
  a.host = "20.1.2.3";
  a.port = 24100;
  a.last_seen = now;
  REQUIRE(fresh.book.add(a, "30.0.0.1", now));
  std::string err;
  REQUIRE(save_book(path, fresh.book, err));
  auto again = load_book(path, false, 2, key_of(2), now);
  CHECK(again.warning.empty());
  CHECK(again.book.size() == 1);
  CHECK(again.book.key() == key_of(1)); // the stored key, not the new one
  for (const std::string& bad :
       {std::string{"{\"version\": 1, \"key\": \"00"}, std::string{"\0\1\2", 3},
        std::string{"[]"}, std::string{"{\"version\": 99}"}}) {
    write(path, bad);
    auto loaded = load_book(path, false, 3, key_of(3), now);
    CHECK(loaded.book.size() == 0);
    CHECK(loaded.book.key() == key_of(3));
    CHECK(loaded.warning.find("moved to " + path + ".corrupt")
          != std::string::npos);
    CHECK(!std::filesystem::exists(path));
    CHECK(std::filesystem::exists(path + ".corrupt"));
  }
}

TEST_CASE("anchors.json: read once, bounded, malformed entries skipped") {
  security::test::temp_dir d{"disc"};
  auto path = (d.path / "anchors.json").string();
  CHECK(take_anchors(path, 2).empty());
  std::string err;
  REQUIRE(save_anchors(path, {"10.0.0.1:24100", "[2001:db8::1]:24100"}, err));
  auto got = take_anchors(path, 2);
  CHECK(got
        == std::vector<std::string>{"10.0.0.1:24100", "[2001:db8::1]:24100"});
  CHECK(!std::filesystem::exists(path));
  CHECK(take_anchors(path, 2).empty());
  write(path, "{\"anchors\": [\"nohost\", 7, \"10.0.0.2:1\", \"10.0.0.3:1\", "
              "\"10.0.0.4:1\"]}");
  CHECK(take_anchors(path, 2)
        == std::vector<std::string>{"10.0.0.2:1", "10.0.0.3:1"});
  write(path, "garbage");
  CHECK(take_anchors(path, 2).empty());
  CHECK(!std::filesystem::exists(path));
}
