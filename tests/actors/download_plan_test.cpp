#include <doctest/doctest.h>

#include <set>

#include "actors/download_plan.hpp"
#include "protocol/codec.hpp"

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
                      blocks_from(reqs[i].second.start, reqs[i].second.count))
          == answer_outcome::buffered);
  CHECK_FALSE(p.take_ready());
  CHECK(p.on_answer(reqs[0].first, reqs[0].second,
                    blocks_from(1, reqs[0].second.count))
        == answer_outcome::buffered);
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
  CHECK(p.on_answer("a", r->second, blocks_from(1, r->second.count))
        == answer_outcome::stale);
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

// -- memory bounds
// -------------------------------------------------------------

namespace {

/// A window whose first block holds `bytes` of decoded transactions
/// (capacity reserved, as a decoder's vector holds it; untouched, so the
/// test itself stays light).
std::vector<proto::block> heavy_from(uint64_t start, std::size_t n,
                                     std::size_t bytes) {
  auto out = blocks_from(start, n);
  out.front().transactions.reserve(bytes / sizeof(proto::transaction));
  return out;
}

proto::transaction spend(uint8_t seed, std::size_t ins, std::size_t outs) {
  proto::transaction tx;
  tx.lock_time = seed * 1000u;
  for (std::size_t i = 0; i < ins; ++i) {
    proto::tx_input in;
    in.prev_txid[0] = seed;
    in.vout = static_cast<uint32_t>(i * 300);
    tx.inputs.push_back(in);
  }
  for (std::size_t i = 0; i < outs; ++i) {
    proto::tx_output out;
    out.value = uint64_t{1} << (i * 9 % 64);
    tx.outputs.push_back(out);
  }
  return tx;
}

constexpr auto t0 = sync_clock::time_point{} + std::chrono::hours{1};

} // namespace

TEST_CASE("encoded_bytes is the length of the block's encoding") {
  proto::block b;
  CHECK(encoded_bytes(b) == proto::encode_block(b).size());
  b.header.height = 1'000'000;
  b.header.version = 200;
  b.header.timestamp = -5;
  b.transactions.push_back(spend(0, 0, 1));
  CHECK(encoded_bytes(b) == proto::encode_block(b).size());
  b.header.timestamp = 1'700'000'000;
  for (uint8_t i = 1; i < 40; ++i)
    b.transactions.push_back(spend(i, i % 5, i % 20));
  CHECK(encoded_bytes(b) == proto::encode_block(b).size());
  b.header.timestamp = -3'000'000'000LL;
  b.header.height = uint64_t{1} << 40;
  b.transactions.resize(70'000); // an array32 of transactions
  CHECK(encoded_bytes(b) == proto::encode_block(b).size());
}

TEST_CASE("an 8 MB block of empty transactions decodes to over 100 MB") {
  // The measured attack: 1.6 M empty transactions in one frame.
  proto::block b;
  b.transactions.resize(1'600'000);
  auto enc = encoded_bytes(b);
  CHECK(enc < 8'100'000);
  CHECK(enc > 8'000'000);
  CHECK(decoded_bytes(b) >= 1'600'000 * sizeof(proto::transaction));
  CHECK(sizeof(proto::transaction) >= 64);
  // An ordinary spend costs a few hundred bytes decoded.
  proto::block s;
  s.transactions.push_back(spend(1, 1, 2));
  auto one = decoded_bytes(s) - decoded_bytes(proto::block{});
  CHECK(one > 250);
  CHECK(one < 400);
}

TEST_CASE("a BLOCKS answer over 4 MiB is out of bound unless it is one block") {
  std::vector<proto::block> one(1);
  one[0].transactions.resize(1'600'000);
  CHECK(within_answer_bound(one)); // the first block is always sent
  auto two = one;
  two.emplace_back();
  CHECK_FALSE(within_answer_bound(two));
  std::vector<proto::block> fine(2);
  fine[0].transactions.resize(400'000); // 2 MB
  fine[1].transactions.resize(400'000);
  CHECK(within_answer_bound(fine));
  fine[1].transactions.resize(500'000);
  CHECK_FALSE(within_answer_bound(fine));
  CHECK(within_answer_bound({}));
}

TEST_CASE(
  "a peer holding the gap fills its share, then is asked nothing more") {
  download_plan p;
  p.reset(0);
  p.peer_best("attacker", 1'000'000);
  p.peer_best("honest", 1'000'000);
  std::optional<block_window> gap;
  // The attacker never answers 1-128, and answers every later window with
  // 20 MiB of decoded transactions; the honest peer answers in full.
  for (int round = 0; round < 20; ++round) {
    auto reqs = drain(p);
    if (reqs.empty())
      break;
    for (const auto& [id, w] : reqs) {
      if (id == "attacker" && w.start == 1) {
        gap = w;
        continue;
      }
      auto got = id == "attacker" ? heavy_from(w.start, w.count, 20 << 20)
                                  : blocks_from(w.start, w.count);
      p.on_answer(id, w, std::move(got), t0);
      CHECK(p.peers().at("attacker").buffered <= max_buffered_bytes_per_peer);
      CHECK(p.buffered_bytes() <= max_buffered_bytes);
    }
  }
  REQUIRE(gap);
  // It holds at most its share; once it is there, no request goes to it.
  CHECK(p.peers().at("attacker").buffered > 0);
  CHECK(p.peers().at("attacker").buffered <= max_buffered_bytes_per_peer);
  for (const auto& [id, w] : drain(p))
    CHECK(id != "attacker");
  // The gap times out (the connection's 30 s): asked of the honest peer,
  // then everything buffered applies in order.
  p.on_failure("attacker", *gap, true);
  auto again = p.next_request();
  REQUIRE(again);
  CHECK(again->first == "honest");
  CHECK(again->second.start == 1);
  p.on_answer("honest", again->second, blocks_from(1, again->second.count), t0);
  uint64_t tip = 0;
  for (int round = 0; round < 100 && tip < 3000; ++round) {
    // From here on both answer in full.
    for (const auto& [id, w] : drain(p))
      p.on_answer(id, w, blocks_from(w.start, w.count), t0);
    while (auto w = p.take_ready()) {
      CHECK(w->start == tip + 1);
      tip += w->blocks.size();
      p.advance(tip);
    }
  }
  CHECK(tip >= 3000);
  CHECK(p.buffered_bytes() <= max_buffered_bytes);
}

TEST_CASE(
  "the total budget holds across peers; past it only the gap is asked") {
  download_plan p;
  p.reset(0);
  const std::vector<std::string> ids{"a", "b", "c", "d", "e", "f"};
  for (const auto& id : ids)
    p.peer_best(id, 1'000'000);
  std::optional<std::pair<std::string, block_window>> gap;
  // Every window but 1-128 comes back with 30 MiB: under each share, over
  // the total after four.
  for (int round = 0; round < 30; ++round) {
    auto reqs = drain(p);
    if (reqs.empty())
      break;
    for (const auto& r : reqs) {
      if (r.second.start == 1) {
        gap = r;
        continue;
      }
      p.on_answer(r.first, r.second,
                  heavy_from(r.second.start, r.second.count, 30 << 20), t0);
      CHECK(p.buffered_bytes() <= max_buffered_bytes);
      for (const auto& kv : p.peers())
        CHECK(kv.second.buffered <= max_buffered_bytes_per_peer);
    }
  }
  REQUIRE(gap);
  CHECK(p.buffered_bytes() > max_buffered_bytes - (30 << 20));
  CHECK_FALSE(p.next_request());
  // An answer arriving past the budget is dropped, not held.
  p.on_failure(gap->first, gap->second, true);
  auto again = p.next_request();
  REQUIRE(again);
  CHECK(again->second.start == 1); // the gap, and only it
  CHECK(again->first != gap->first);
  CHECK_FALSE(p.next_request());
  CHECK(p.on_answer(again->first, again->second, blocks_from(1, 128), t0)
        == answer_outcome::buffered);
  auto w = p.take_ready();
  REQUIRE(w);
  p.advance(128);
  // The window after the gap was held: applied next.
  auto next = p.take_ready();
  REQUIRE(next);
  CHECK(next->start == 129);
}

TEST_CASE(
  "an answer that would overrun the budget is dropped and asked again") {
  download_plan p;
  p.reset(0);
  for (auto id : {"a", "b", "c"})
    p.peer_best(id, 100'000);
  auto reqs = drain(p);
  REQUIRE(reqs.size() == 6);
  // b answers 129-256; c's 257-384 is bigger than a peer's share.
  REQUIRE(reqs[1].second.start == 129);
  p.on_answer(reqs[1].first, reqs[1].second, blocks_from(129, 128), t0);
  auto held = p.buffered_bytes();
  const auto& [id, w] = reqs[2];
  REQUIRE(w.start == 257);
  CHECK(
    p.on_answer(
      id, w, heavy_from(w.start, w.count, max_buffered_bytes_per_peer + 1), t0)
    == answer_outcome::dropped);
  CHECK(p.buffered_bytes() == held);
  CHECK(p.dropped() == 1);
  CHECK(p.peers().at(id).share_full);
  // Asked again, of another peer.
  auto r = p.next_request();
  REQUIRE(r);
  CHECK(r->second.start == 257);
  CHECK(r->first != id);
  // The same size at tip + 1 is taken: it is applied next.
  const auto& [id1, w1] = reqs[0];
  REQUIRE(w1.start == 1);
  CHECK(
    p.on_answer(id1, w1, heavy_from(1, w1.count, max_buffered_bytes + 1), t0)
    == answer_outcome::buffered);
  CHECK(p.take_ready());
}

TEST_CASE("a peer that leaves takes its buffered windows with it") {
  download_plan p;
  p.reset(0);
  p.peer_best("leaver", 1000);
  p.peer_best("stayer", 1000);
  auto reqs = drain(p);
  std::set<uint64_t> leaver_windows;
  for (const auto& [id, w] : reqs) {
    if (w.start == 1)
      continue; // the gap stays out
    p.on_answer(id, w, heavy_from(w.start, w.count, 1 << 20), t0);
    if (id == "leaver")
      leaver_windows.insert(w.start);
  }
  REQUIRE_FALSE(leaver_windows.empty());
  auto before = p.buffered_bytes();
  p.peer_gone("leaver");
  CHECK(p.buffered_bytes() < before);
  CHECK(p.buffered_windows() == reqs.size() - 1 - leaver_windows.size());
  CHECK(p.peers().count("leaver") == 0);
  // Its windows (and the gap it held) are asked of the peer that stayed.
  std::set<uint64_t> asked;
  for (const auto& [id, w] : drain(p)) {
    CHECK(id == "stayer");
    asked.insert(w.start);
  }
  CHECK(asked.count(1) == 1);
  CHECK(asked.count(*leaver_windows.begin()) == 1);
}

TEST_CASE("windows waiting longer than max_buffered_age are dropped") {
  download_plan p;
  p.reset(0);
  p.peer_best("a", 1000);
  p.peer_best("b", 1000);
  auto reqs = drain(p);
  REQUIRE(reqs.size() == 4);
  for (std::size_t i = 1; i < reqs.size(); ++i)
    p.on_answer(reqs[i].first, reqs[i].second,
                blocks_from(reqs[i].second.start, reqs[i].second.count),
                t0 + std::chrono::seconds{i});
  CHECK(p.buffered_windows() == 3);
  CHECK(p.expire(t0 + max_buffered_age) == 0);
  // The first to arrive.
  CHECK(p.expire(t0 + std::chrono::seconds{1} + max_buffered_age) == 1);
  CHECK(p.buffered_windows() == 2);
  CHECK(p.expire(t0 + std::chrono::seconds{2} + max_buffered_age) == 1);
  // The window at tip + 1 never ages out: it is applied next.
  CHECK(p.on_answer(reqs[0].first, reqs[0].second, blocks_from(1, 128), t0)
        == answer_outcome::buffered);
  CHECK(p.expire(t0 + std::chrono::hours{1}) == 1);
  CHECK(p.buffered_windows() == 1);
  CHECK(p.take_ready());
  CHECK(p.buffered_bytes() == 0);
  // What aged out is asked again.
  auto r = p.next_request();
  REQUIRE(r);
  CHECK(r->second.start == 129);
}
