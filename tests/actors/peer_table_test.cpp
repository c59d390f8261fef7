#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "actors/peer_table.hpp"
#include "actors/registry.hpp"

using timecoin::peer_entry;
using timecoin::peer_snapshot;
using timecoin::peer_table;

namespace {

std::unique_ptr<const peer_snapshot> snapshot_of(int n) {
  auto s = std::make_unique<peer_snapshot>();
  for (int i = 0; i < n; ++i) {
    peer_entry e;
    e.node_id = "id" + std::to_string(i);
    e.inbound = i % 2 == 0;
    s->by_id.emplace(e.node_id, e);
    ++(e.inbound ? s->inbound : s->outbound);
  }
  return s;
}

} // namespace

TEST_CASE("peer table starts empty and shows what was published") {
  peer_table t;
  CHECK(t.connected_count() == 0);
  CHECK(!t.is_connected("id0"));
  t.publish(snapshot_of(3));
  CHECK(t.connected_count() == 3);
  CHECK(t.is_connected("id2"));
  CHECK(!t.is_connected("id3"));
  CHECK(t.connected_peers().size() == 3);
}

TEST_CASE("peer table readers on other threads see whole snapshots") {
  peer_table t;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      while (!done.load()) {
        t.read([&](const peer_snapshot& s) {
          // Every snapshot is internally consistent.
          if (s.inbound + s.outbound != s.by_id.size())
            ++torn;
          return 0;
        });
      }
    });
  for (int i = 0; i < 20000; ++i)
    t.publish(snapshot_of(i % 17));
  done = true;
  for (auto& th : readers)
    th.join();
  CHECK(torn.load() == 0);
  CHECK(t.connected_count() == 19999 % 17);
}

TEST_CASE("the duplicate rule keeps the connection dialled by the smaller id") {
  using timecoin::newer_connection_wins;
  const std::string a = "0a";
  const std::string b = "0b";
  // existing dialled by b, newer dialled by a: a is smaller, newer wins
  CHECK(newer_connection_wins(b, a));
  // existing dialled by a, newer by b: existing stays
  CHECK(!newer_connection_wins(a, b));
  // both dialled by the same side: the newer one is kept
  CHECK(newer_connection_wins(a, a));
  CHECK(newer_connection_wins(b, b));
}
