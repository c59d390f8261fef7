#include <doctest/doctest.h>

#include <set>

#include "actors/download_plan.hpp"

using namespace timecoin;

namespace {

std::vector<proto::block> blocks_from(uint64_t start, std::size_t n) {
  std::vector<proto::block> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i].header.height = start + i;
  return out;
}

/// Answers every open request in full, in the order given.
std::vector<std::pair<std::string, block_window>> drain(download_plan& p) {
  std::vector<std::pair<std::string, block_window>> out;
  while (auto r = p.next_request())
    out.push_back(*r);
  return out;
}

} // namespace

TEST_CASE("windows go to several peers, pipelined, and apply in order") {
  download_plan p;
  p.reset(0);
  for (auto id : {"a", "b", "c", "d", "e"})
    p.peer_best(id, 5000);
  auto reqs = drain(p);
  // Four peers at once, two requests each.
  REQUIRE(reqs.size() == max_download_peers * max_inflight_per_peer);
  std::set<std::string> used;
  uint64_t expect = 1;
  for (const auto& [id, w] : reqs) {
    used.insert(id);
    CHECK(w.start == expect);
    CHECK(w.count == sync_window_blocks);
    expect += w.count;
  }
  CHECK(used.size() == max_download_peers);
  // Answers out of order: nothing is ready until the first window arrives.
  for (std::size_t i = reqs.size(); i-- > 1;)
    CHECK(p.on_answer(reqs[i].first, reqs[i].second,
                      blocks_from(reqs[i].second.start, reqs[i].second.count)));
  CHECK_FALSE(p.take_ready());
  CHECK(p.on_answer(reqs[0].first, reqs[0].second,
                    blocks_from(1, reqs[0].second.count)));
  uint64_t tip = 0;
  while (auto w = p.take_ready()) {
    CHECK(w->start == tip + 1);
    tip += w->blocks.size();
    p.advance(tip);
  }
  CHECK(tip == reqs.size() * sync_window_blocks);
}

TEST_CASE("the last window stops at the target, and nothing is asked beyond") {
  download_plan p;
  p.reset(10);
  p.peer_best("a", 20);
  auto r = p.next_request();
  REQUIRE(r);
  CHECK(r->second.start == 11);
  CHECK(r->second.count == 10);
  CHECK_FALSE(p.next_request());
  CHECK(p.behind());
  p.on_answer("a", r->second, blocks_from(11, 10));
  auto w = p.take_ready();
  REQUIRE(w);
  p.advance(20);
  CHECK_FALSE(p.behind());
  CHECK(p.idle());
}

TEST_CASE("a short answer re-queues the rest; a timeout goes elsewhere") {
  download_plan p;
  p.reset(0);
  p.peer_best("slow", 300);
  auto r1 = p.next_request();
  REQUIRE(r1);
  CHECK(r1->first == "slow");
  // Only part of the window came back (the 4 MiB cap).
  p.on_answer("slow", r1->second, blocks_from(1, 50));
  p.peer_best("fast", 300);
  auto r2 = p.next_request();
  REQUIRE(r2);
  CHECK(r2->second.start == 51);
  CHECK(r2->second.count == sync_window_blocks - 50);
  // The request times out at `r2->first`; the window is asked of the other.
  p.on_failure(r2->first, r2->second, true);
  CHECK(p.timeouts() == 1);
  auto r3 = p.next_request();
  REQUIRE(r3);
  CHECK(r3->second.start == 51);
  CHECK(r3->first != r2->first);
  CHECK(p.peers().at(r2->first).max_inflight == 1);
}

TEST_CASE("a peer that timed out more than it answered waits for the others") {
  download_plan p;
  p.reset(0);
  p.peer_best("prompt", 5000);
  p.peer_best("slow", 5000);
  auto reqs = drain(p);
  REQUIRE(reqs.size() == 2 * max_inflight_per_peer);
  for (const auto& [id, w] : reqs)
    if (id == "slow")
      p.on_failure(id, w, true);
  // The prompt peer is busy: the slow one is still not asked.
  for (const auto& [id, w] : drain(p))
    CHECK(id == "prompt");
  CHECK(p.peers().at("slow").inflight == 0);
  // Alone, it is asked again.
  p.peer_gone("prompt");
  auto r = p.next_request();
  REQUIRE(r);
  CHECK(r->first == "slow");
}

TEST_CASE("stale answers are ignored after a reset") {
  download_plan p;
  p.reset(0);
  p.peer_best("a", 500);
  auto r = p.next_request();
  REQUIRE(r);
  p.reset(0);
  CHECK_FALSE(p.on_answer("a", r->second, blocks_from(1, r->second.count)));
  CHECK_FALSE(p.take_ready());
  // The same start asked again carries a new ticket.
  auto again = p.next_request();
  REQUIRE(again);
  CHECK(again->second.start == r->second.start);
  CHECK(again->second.ticket != r->second.ticket);
}

TEST_CASE("wrong heights in an answer count only up to the first mismatch") {
  download_plan p;
  p.reset(0);
  p.peer_best("a", 10);
  auto r = p.next_request();
  REQUIRE(r);
  auto got = blocks_from(1, 10);
  got[4].header.height = 99;
  p.on_answer("a", r->second, got);
  auto w = p.take_ready();
  REQUIRE(w);
  CHECK(w->blocks.size() == 4);
  p.advance(4);
  auto again = p.next_request();
  REQUIRE(again);
  CHECK(again->second.start == 5);
}

TEST_CASE("an excluded peer's windows are asked again of others, for good") {
  download_plan p;
  p.reset(0);
  p.peer_best("bad", 1000);
  p.peer_best("good", 1000);
  auto reqs = drain(p);
  for (const auto& [id, w] : reqs)
    p.on_answer(id, w, blocks_from(w.start, w.count));
  p.exclude("bad");
  // Reconnecting does not make it usable again.
  p.peer_gone("bad");
  p.peer_best("bad", 2000);
  CHECK(p.target() == 1000);
  uint64_t tip = 0;
  for (int rounds = 0; rounds < 100 && tip < 1000; ++rounds) {
    while (auto w = p.take_ready()) {
      CHECK(w->source == "good");
      tip += w->blocks.size();
      p.advance(tip);
    }
    for (const auto& [id, w] : drain(p)) {
      CHECK(id == "good");
      p.on_answer(id, w, blocks_from(w.start, w.count));
    }
  }
  CHECK(tip == 1000);
}

TEST_CASE("empty answers: a full node is past its tip, a pruned one lacks") {
  download_plan p;
  p.reset(0);
  p.peer_best("full", 500);
  auto r = p.next_request();
  REQUIRE(r);
  p.peer_lacks("full", r->second.start, true);
  p.on_answer("full", r->second, {});
  CHECK(p.peers().at("full").best == 0);
  CHECK_FALSE(p.next_request());
  p.peer_best("pruned", 500);
  auto r2 = p.next_request();
  REQUIRE(r2);
  CHECK(r2->first == "pruned");
  p.peer_lacks("pruned", r2->second.start, false);
  p.on_answer("pruned", r2->second, {});
  CHECK(p.peers().at("pruned").min_start == 2);
  CHECK_FALSE(p.next_request());
}
