#include <doctest/doctest.h>

#include <sys/resource.h>

#include <cstdint>
#include <limits>

#include "apps/timed/fd_limit.hpp"

using namespace timecoin;

namespace {

constexpr uint64_t overhead = reserved_fds + pending_handshake_fds;

fd_limit limit(uint64_t before, uint64_t soft, uint64_t hard) {
  fd_limit l;
  l.soft_before = before;
  l.soft = soft;
  l.hard = hard;
  return l;
}

} // namespace

TEST_CASE("fd budget: connections plus handshakes plus the reserve") {
  CHECK(fds_needed(125) == 125 + overhead);
  CHECK(fds_needed(10'000) == 10'000 + overhead);
  CHECK(connections_within(1024, 125) == 125);
  CHECK(connections_within(fds_needed(125), 125) == 125);
  CHECK(connections_within(fds_needed(125) - 1, 125) == 124);
  CHECK(connections_within(overhead + 1, 125) == 1);
  CHECK(connections_within(overhead, 125) == 0);
  CHECK(connections_within(0, 125) == 0);
  CHECK(connections_within(std::numeric_limits<uint64_t>::max(), 10'000)
        == 10'000);
}

TEST_CASE("fd budget: enough from the start says nothing") {
  auto d = decide_fd_budget(125, limit(1024, 1024, 4096));
  CHECK(d.maxconnections == 125);
  CHECK_FALSE(d.reduced);
  CHECK(d.message.empty());
}

TEST_CASE("fd budget: a raised limit is reported") {
  auto d = decide_fd_budget(2000, limit(1024, fds_needed(2000), 1'048'576));
  CHECK(d.maxconnections == 2000);
  CHECK_FALSE(d.reduced);
  CHECK(d.message.find("raised the open-file limit from 1024 to "
                       + std::to_string(fds_needed(2000)))
        != std::string::npos);
}

TEST_CASE("fd budget: a hard limit too low reduces maxconnections") {
  // The soft limit could be raised only to the hard one.
  auto d = decide_fd_budget(2000, limit(1024, 1500, 1500));
  CHECK(d.reduced);
  CHECK(d.maxconnections == 1500 - overhead);
  CHECK(d.message.find("reducing maxconnections from 2000 to "
                       + std::to_string(1500 - overhead))
        != std::string::npos);
  CHECK(d.message.find("hard limit 1500") != std::string::npos);
  CHECK(d.message.find("ulimit -n") != std::string::npos);
}

TEST_CASE("fd budget: not even one connection is fatal") {
  auto d = decide_fd_budget(125, limit(64, 64, 64));
  CHECK(d.maxconnections == 0);
  CHECK(d.reduced);
  CHECK(d.message.find("not enough for a single connection")
        != std::string::npos);
}

TEST_CASE("fd budget: unlimited is named so") {
  auto max = std::numeric_limits<uint64_t>::max();
  auto d = decide_fd_budget(125, limit(100, 100, max));
  CHECK(d.maxconnections == 0);
  CHECK(d.message.find("hard limit unlimited") != std::string::npos);
}

TEST_CASE(
  "raise_fd_limit never lowers the limit and stays within the hard one") {
  struct rlimit before {};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &before) == 0);
  auto same = raise_fd_limit(1);
  CHECK(same.error == 0);
  CHECK(same.soft == same.soft_before);
  auto raised = raise_fd_limit(std::numeric_limits<uint64_t>::max());
  CHECK(raised.soft >= raised.soft_before);
  CHECK(raised.soft <= raised.hard);
  ::setrlimit(RLIMIT_NOFILE, &before);
}
