#include <doctest/doctest.h>

#include "actors/fork_resolution.hpp"
#include "sync_machine_helpers.hpp"

using namespace timecoin;
using namespace timecoin::test;

namespace {

const auto t0 = sync_clock::time_point{} + std::chrono::hours{1};

/// The hash at `height` of chain `which` (synthetic: only compared).
proto::hash256 hash_at(uint64_t height, uint8_t which) {
  proto::hash256 h{};
  for (std::size_t i = 0; i < 8; ++i)
    h[i] = static_cast<uint8_t>(height >> (8 * i));
  h[31] = which;
  return h;
}

/// Hashes of chain 0 at `range`.
std::vector<proto::hash256> our_hashes(std::pair<uint64_t, uint16_t> range) {
  std::vector<proto::hash256> out;
  for (uint64_t h = range.first; h < range.first + range.second; ++h)
    out.push_back(hash_at(h, 0));
  return out;
}

/// The peer's hashes at `range`: ours up to `fork`, chain 1 above it.
proto::body their_hashes(std::pair<uint64_t, uint16_t> range, uint64_t fork,
                         std::size_t n = SIZE_MAX) {
  proto::hashes out;
  for (uint64_t h = range.first;
       h < range.first + range.second && out.items.size() < n; ++h)
    out.items.push_back(hash_at(h, h <= fork ? 0 : 1));
  return out;
}

proto::body blocks(std::vector<proto::block> items) {
  return proto::blocks{std::move(items)};
}

/// A machine that started on our tip `tip` with "p" and was told the fork
/// is at `fork`; returns the actions of that answer.
sync_actions found_fork(fork_resolution& f, uint64_t tip, uint64_t fork,
                        fork_view view) {
  auto range = fork_resolution::search_range(tip);
  auto out = f.start("p", tip, our_hashes(range), t0);
  auto req = one_of<send_request>(out);
  return f.on_answer(req.seq, their_hashes(range, fork), view);
}

} // namespace

TEST_CASE("the fork point is looked for among our last max_reorg_depth "
          "blocks") {
  CHECK(fork_resolution::search_range(0)
        == std::pair<uint64_t, uint16_t>{0, 1});
  CHECK(fork_resolution::search_range(100)
        == std::pair<uint64_t, uint16_t>{0, 101});
  CHECK(fork_resolution::search_range(250)
        == std::pair<uint64_t, uint16_t>{150, 101});
}

TEST_CASE("a fork is found, its branch fetched until longer, then "
          "reorganised") {
  fork_resolution f{devnet()};
  auto out = f.start("p", 50, our_hashes({0, 51}), t0);
  CHECK(f.active());
  CHECK(f.current() == fork_resolution::phase::finding);
  CHECK(logged(out, "our tip 50 is not on p's chain"));
  auto req = one_of<send_request>(out);
  CHECK(req.peer == "p");
  auto* gh = std::get_if<proto::get_hashes>(&req.body);
  REQUIRE(gh);
  CHECK(gh->start == 0);
  CHECK(gh->count == 51);
  // Shared up to 45; the peer knows 53 blocks.
  out = f.on_answer(req.seq, their_hashes({0, 51}, 45), {50, 53, t0});
  CHECK(f.current() == fork_resolution::phase::fetching);
  req = one_of<send_request>(out);
  auto* gb = std::get_if<proto::get_blocks>(&req.body);
  REQUIRE(gb);
  CHECK(gb->start == 46);
  CHECK(gb->count == 6); // up to our tip + 1: then it is longer
  out = f.on_answer(req.seq, blocks(signed_chain(46, 6, hash_at(45, 0), 1)),
                    {50, 53, t0});
  auto r = one_of<reorganise>(out);
  CHECK(r.fork_height == 45);
  CHECK(r.branch.size() == 6);
  CHECK(f.current() == fork_resolution::phase::reorganising);
  CHECK_FALSE(has<resume_download>(out));

  write_outcome w;
  w.tip_height = 51;
  out = f.on_written(w);
  CHECK(logged(out, "reorganised: 5 blocks above 45 replaced, new tip 51"));
  CHECK(has<announce_new_tip>(out));
  CHECK(one_of<resume_download>(out).restart);
  CHECK_FALSE(f.active());
  CHECK(f.reorgs() == 1);
}

TEST_CASE("a fork is not looked at twice at once") {
  fork_resolution f{devnet()};
  CHECK_FALSE(f.start("p", 50, our_hashes({0, 51}), t0).empty());
  CHECK(f.start("q", 50, our_hashes({0, 51}), t0).empty());
  CHECK(f.peer() == "p");
}

TEST_CASE("a peer that announces a tip it cannot serve is taken at its "
          "word no longer") {
  fork_resolution f{devnet()};
  auto out = found_fork(f, 50, 45, {50, 60, t0});
  auto req = one_of<send_request>(out);
  // Three blocks, then nothing.
  out = f.on_answer(req.seq, blocks(signed_chain(46, 3, hash_at(45, 0), 1)),
                    {50, 60, t0});
  req = one_of<send_request>(out);
  CHECK(std::get<proto::get_blocks>(req.body).start == 49);
  out = f.on_answer(req.seq, blocks({}), {50, 60, t0});
  CHECK(logged(out, "fork with p: its branch ends at 48, not above our 50"));
  auto lacks = one_of<peer_lacks_from>(out);
  CHECK(lacks.peer == "p");
  CHECK(lacks.height == 49);
  CHECK_FALSE(has<charge_peer>(out));
  CHECK_FALSE(has<exclude_peer>(out));
  CHECK_FALSE(one_of<resume_download>(out).restart);
  CHECK_FALSE(f.active());
}

TEST_CASE("a NOT_FOUND instead of the branch ends the fork uncharged") {
  fork_resolution f{devnet()};
  auto req = one_of<send_request>(found_fork(f, 50, 45, {50, 60, t0}));
  auto out = f.on_answer(req.seq, proto::not_found{"busy"}, {50, 60, t0});
  CHECK(one_of<peer_lacks_from>(out).height == 46);
  CHECK_FALSE(has<charge_peer>(out));
  CHECK_FALSE(f.active());
}

TEST_CASE("blocks that do not continue the fork point are not held") {
  fork_resolution f{devnet()};
  auto req = one_of<send_request>(found_fork(f, 50, 45, {50, 60, t0}));
  // Signed, but at heights the branch does not need.
  auto out = f.on_answer(req.seq, blocks(signed_chain(100, 4, {}, 1)),
                         {50, 60, t0});
  CHECK_FALSE(has<reorganise>(out));
  CHECK(one_of<peer_lacks_from>(out).height == 46);
  CHECK(f.branch_blocks() == 0);
  CHECK_FALSE(f.active());
}

TEST_CASE("a branch that does not link is refused by the chain and charged") {
  fork_resolution f{devnet()};
  auto req = one_of<send_request>(found_fork(f, 50, 45, {50, 53, t0}));
  // Heights right, but every block on an unknown parent.
  std::vector<proto::block> bs;
  for (uint64_t h = 46; h <= 51; ++h)
    bs.push_back(signed_block(h, hash_at(h, 7), 1));
  auto out = f.on_answer(req.seq, blocks(std::move(bs)), {50, 53, t0});
  REQUIRE(has<reorganise>(out));
  write_outcome w;
  w.ok = false;
  w.reason = chain::reject_reason::bad_prev_hash;
  w.height = 46;
  w.detail = "does not link";
  out = f.on_written(w);
  CHECK(logged(out, "branch from p refused: bad_prev_hash at height 46"));
  auto c = one_of<charge_peer>(out);
  CHECK(c.peer == "p");
  CHECK(c.v == security::violation::invalid_block);
  CHECK(c.what
        == "invalid block in its branch: bad_prev_hash at height 46: does "
           "not link");
  CHECK(one_of<exclude_peer>(out).peer == "p");
  CHECK_FALSE(one_of<resume_download>(out).restart);
  CHECK(f.rejected_blocks() == 1);
  CHECK(f.reorgs() == 0);
}

TEST_CASE("a branch refused for what is not the peer's fault costs it "
          "nothing") {
  for (auto reason :
       {chain::reject_reason::not_longer, chain::reject_reason::storage,
        chain::reject_reason::too_deep, chain::reject_reason::bad_height}) {
    fork_resolution f{devnet()};
    auto req = one_of<send_request>(found_fork(f, 50, 45, {50, 53, t0}));
    auto out = f.on_answer(
      req.seq, blocks(signed_chain(46, 6, hash_at(45, 0), 1)), {50, 53, t0});
    REQUIRE(has<reorganise>(out));
    write_outcome w;
    w.ok = false;
    w.reason = reason;
    out = f.on_written(w);
    CHECK_FALSE(has<charge_peer>(out));
    CHECK_FALSE(has<exclude_peer>(out));
    CHECK(has<resume_download>(out));
    CHECK(f.rejected_blocks() == 1);
  }
}

TEST_CASE("a branch its producer did not sign is charged before it is "
          "held") {
  fork_resolution f{devnet()};
  auto req = one_of<send_request>(found_fork(f, 50, 45, {50, 53, t0}));
  auto stranger = security::node_key::from_seed(proto::hash256{1});
  std::vector<proto::block> bs;
  bs.push_back(signed_block(46, hash_at(45, 0), 1, stranger));
  auto out = f.on_answer(req.seq, blocks(std::move(bs)), {50, 53, t0});
  auto c = one_of<charge_peer>(out);
  CHECK(c.v == security::violation::invalid_block);
  CHECK(c.what == "block 46 not signed by an authorised producer");
  CHECK(logged(out, "fork with p: block 46 not signed"));
  CHECK(one_of<exclude_peer>(out).peer == "p");
  CHECK_FALSE(has<reorganise>(out));
  CHECK(f.rejected_blocks() == 1);
  CHECK_FALSE(f.active());
}

TEST_CASE("no common block in a full answer: the chain is not followed") {
  fork_resolution f{devnet()};
  auto range = fork_resolution::search_range(250);
  auto req = one_of<send_request>(f.start("p", 250, our_hashes(range), t0));
  // Every hash differs: a fork deeper than max_reorg_depth.
  auto out = f.on_answer(req.seq, their_hashes(range, 0), {250, 400, t0});
  CHECK(logged(out, "no common block with p in our last 101 blocks"));
  CHECK(one_of<exclude_peer>(out).peer == "p");
  CHECK_FALSE(has<charge_peer>(out));
  CHECK(has<resume_download>(out));
}

TEST_CASE("no common block in a short answer: a peer behind us, not "
          "excluded") {
  fork_resolution f{devnet()};
  auto range = fork_resolution::search_range(250);
  auto req = one_of<send_request>(f.start("p", 250, our_hashes(range), t0));
  auto out = f.on_answer(req.seq, their_hashes(range, 0, 20), {250, 400, t0});
  CHECK_FALSE(has<exclude_peer>(out));
  CHECK(has<resume_download>(out));
  CHECK_FALSE(f.active());
}

TEST_CASE("a branch that never ends is abandoned after max_fork_duration") {
  fork_resolution f{devnet()};
  // Our tip 1000, the fork at 900, the peer claims 5000 and serves one
  // block an answer, slowly.
  fork_view v{1000, 5000, t0};
  auto out = found_fork(f, 1000, 900, v);
  auto prev = hash_at(900, 0);
  uint64_t next = 901;
  for (;;) {
    auto req = one_of<send_request>(out);
    REQUIRE(std::get<proto::get_blocks>(req.body).start == next);
    v.now += std::chrono::seconds{25};
    auto b = signed_block(next++, prev, 1);
    prev = proto::block_hash(b.header);
    out = f.on_answer(req.seq, blocks({b}), v);
    if (!has<send_request>(out))
      break;
    REQUIRE(v.now - t0 <= max_fork_duration);
  }
  CHECK(v.now - t0 > max_fork_duration);
  CHECK(logged(out, "fork with p: abandoned (too slow or too large)"));
  CHECK(one_of<exclude_peer>(out).peer == "p");
  CHECK_FALSE(has<reorganise>(out));
  CHECK_FALSE(f.active());
}

TEST_CASE("a branch over max_branch_bytes is abandoned") {
  fork_resolution f{devnet()};
  fork_view v{1000, 5000, t0};
  auto req = one_of<send_request>(found_fork(f, 1000, 900, v));
  // Three blocks whose (unused, never touched) capacity decodes to more
  // than the bound together.
  auto bs = signed_chain(901, 3, hash_at(900, 0), 1);
  auto per_block = max_branch_bytes / 3 / sizeof(proto::transaction) + 1;
  for (auto& b : bs)
    b.transactions.reserve(per_block);
  auto out = f.on_answer(req.seq, blocks(std::move(bs)), v);
  CHECK(logged(out, "abandoned (too slow or too large)"));
  CHECK(one_of<exclude_peer>(out).peer == "p");
  CHECK_FALSE(has<send_request>(out));
  CHECK_FALSE(f.active());
  CHECK(f.branch_bytes() == 0);
}

TEST_CASE("an answer that times out ends the fork; its late answer is "
          "ignored") {
  fork_resolution f{devnet()};
  auto req = one_of<send_request>(found_fork(f, 50, 45, {50, 60, t0}));
  CHECK(f.on_failure(req.seq + 1).empty()); // not ours
  auto out = f.on_failure(req.seq);
  CHECK(has<resume_download>(out));
  CHECK_FALSE(has<charge_peer>(out));
  CHECK_FALSE(f.active());
  CHECK(f.on_answer(req.seq, blocks(signed_chain(46, 6, hash_at(45, 0), 1)),
                    {50, 60, t0})
          .empty());
  // Nor does it reach the next fork with the same peer.
  auto range = fork_resolution::search_range(50);
  auto next = one_of<send_request>(f.start("p", 50, our_hashes(range), t0));
  CHECK(next.seq != req.seq);
  CHECK(f.on_answer(req.seq, their_hashes(range, 45), {50, 60, t0}).empty());
  CHECK(f.current() == fork_resolution::phase::finding);
}

TEST_CASE("the peer leaving mid-way ends the fork") {
  fork_resolution f{devnet()};
  auto req = one_of<send_request>(found_fork(f, 50, 45, {50, 60, t0}));
  CHECK(f.on_peer_left("q").empty());
  CHECK(f.active());
  auto out = f.on_peer_left("p");
  CHECK(has<resume_download>(out));
  CHECK_FALSE(f.active());
  CHECK(f.on_answer(req.seq, blocks(signed_chain(46, 6, hash_at(45, 0), 1)),
                    {50, 60, t0})
          .empty());
}

TEST_CASE("the peer leaving while the branch is applied changes nothing") {
  fork_resolution f{devnet()};
  auto req = one_of<send_request>(found_fork(f, 50, 45, {50, 53, t0}));
  auto out = f.on_answer(
    req.seq, blocks(signed_chain(46, 6, hash_at(45, 0), 1)), {50, 53, t0});
  REQUIRE(has<reorganise>(out));
  CHECK(f.on_peer_left("p").empty());
  CHECK(f.current() == fork_resolution::phase::reorganising);
  CHECK(has<resume_download>(f.on_write_failed()));
  CHECK_FALSE(f.active());
  CHECK(f.reorgs() == 0);
}
