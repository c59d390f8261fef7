// A node's random streams and keys: from the operating system, or derived
// from a seed (the same every run, independent per purpose).

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "actors/gossip.hpp"
#include "actors/node_rng.hpp"

using namespace timecoin;

namespace {

std::vector<uint64_t> first(std::mt19937_64 rng, std::size_t n = 8) {
  std::vector<uint64_t> out(n);
  std::generate(out.begin(), out.end(), rng);
  return out;
}

} // namespace

TEST_CASE("a seeded rng gives the same stream twice") {
  node_rng a{uint64_t{42}};
  node_rng b{uint64_t{42}};
  CHECK(a.seeded());
  CHECK(first(a.stream("gossip fanout")) == first(b.stream("gossip fanout")));
  CHECK(a.bytes<32>("node key") == b.bytes<32>("node key"));
  CHECK(a.number("eviction salt") == b.number("eviction salt"));
  // Any length of key material.
  CHECK(a.bytes<100>("long") == b.bytes<100>("long"));
}

TEST_CASE("a seeded rng gives different streams per purpose and per seed") {
  node_rng a{uint64_t{42}};
  node_rng other{uint64_t{43}};
  CHECK(first(a.stream("gossip fanout")) != first(a.stream("backoff")));
  CHECK(first(a.stream("gossip fanout"))
        != first(other.stream("gossip fanout")));
  CHECK(a.bytes<32>("node key") != a.bytes<32>("address book key"));
  CHECK(a.bytes<32>("node key") != other.bytes<32>("node key"));
  CHECK(a.number("eviction salt") != other.number("eviction salt"));
}

TEST_CASE("an unseeded rng is unpredictable") {
  node_rng a;
  node_rng b{std::nullopt};
  CHECK(!a.seeded());
  CHECK(!b.seeded());
  // Two draws of 256 bits agree with probability 2^-256.
  CHECK(a.bytes<32>("node key") != b.bytes<32>("node key"));
  CHECK(a.bytes<32>("node key") != a.bytes<32>("node key"));
  CHECK(first(a.stream("x")) != first(a.stream("x")));
}

TEST_CASE("gossip routers seeded alike relay to the same peers") {
  node_config cfg;
  cfg.gossip_fanout = 3;
  std::vector<std::string> peers;
  for (char c = 'a'; c <= 'p'; ++c)
    peers.emplace_back(1, c);
  node_rng seeded{uint64_t{5}};
  gossip_router a{cfg, nullptr, seeded.stream("gossip fanout")};
  gossip_router b{cfg, nullptr, seeded.stream("gossip fanout")};
  for (int i = 0; i < 10; ++i) {
    auto picked = a.relay_targets(peers, "a");
    CHECK(picked.size() == 3);
    CHECK(std::find(picked.begin(), picked.end(), "a") == picked.end());
    CHECK(picked == b.relay_targets(peers, "a"));
  }
}
