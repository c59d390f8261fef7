#include <doctest/doctest.h>

#include <string>

#include "actors/delay_line.hpp"

using namespace std::chrono_literals;
using timecoin::delay_line;

namespace {

void put(delay_line& line, const std::string& s, delay_line::time_point now) {
  line.write(reinterpret_cast<const uint8_t*>(s.data()), s.size(), now);
}

std::string text(const std::vector<uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

} // namespace

TEST_CASE("delay_line holds bytes for its delay, then hands them on") {
  delay_line line{20ms};
  delay_line::time_point t0{};
  CHECK(line.empty());
  put(line, "hello", t0);
  CHECK_FALSE(line.empty());
  CHECK(line.held_bytes() == 5);
  CHECK(line.next_due() == t0 + 20ms);
  CHECK_FALSE(line.pop_due(t0 + 19ms));
  auto out = line.pop_due(t0 + 20ms);
  REQUIRE(out);
  CHECK(text(*out) == "hello");
  CHECK(line.empty());
  CHECK(line.held_bytes() == 0);
}

TEST_CASE("delay_line writes before a seal leave together, in order") {
  delay_line line{10ms};
  delay_line::time_point t0{};
  put(line, "ab", t0);
  put(line, "cd", t0 + 1ms);
  line.seal();
  put(line, "ef", t0 + 2ms);
  CHECK(line.held_bytes() == 6);
  auto first = line.pop_due(t0 + 10ms);
  REQUIRE(first);
  CHECK(text(*first) == "abcd");
  CHECK(line.next_due() == t0 + 12ms);
  CHECK_FALSE(line.pop_due(t0 + 11ms));
  auto second = line.pop_due(t0 + 12ms);
  REQUIRE(second);
  CHECK(text(*second) == "ef");
  CHECK_FALSE(line.pop_due(t0 + 1h));
}

TEST_CASE("delay_line starts a new batch once the open one left") {
  delay_line line{5ms};
  delay_line::time_point t0{};
  put(line, "x", t0);
  REQUIRE(line.pop_due(t0 + 5ms));
  // Not sealed, but gone: the next write is due a delay after itself.
  put(line, "y", t0 + 6ms);
  CHECK(line.next_due() == t0 + 11ms);
}

TEST_CASE("delay_line ignores empty writes and clear drops everything") {
  delay_line line{5ms};
  delay_line::time_point t0{};
  line.write(nullptr, 0, t0);
  CHECK(line.empty());
  put(line, "abc", t0);
  line.seal();
  put(line, "de", t0);
  line.clear();
  CHECK(line.empty());
  CHECK(line.held_bytes() == 0);
  CHECK_FALSE(line.pop_due(t0 + 1h));
}
