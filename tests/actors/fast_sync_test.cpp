#include <doctest/doctest.h>

#include "actors/fast_sync.hpp"
#include "sync_machine_helpers.hpp"

using namespace timecoin;
using namespace timecoin::test;

namespace {

/// Headers 1 ... `n` of a devnet chain (signed, linked to genesis).
std::vector<proto::signed_header> headers_to(uint64_t n) {
  std::vector<proto::signed_header> out;
  for (auto& b : signed_chain(1, n, proto::block_hash(devnet().genesis.header)))
    out.push_back(proto::signed_header{b.header, b.producer_signature});
  return out;
}

proto::body headers_body(const std::vector<proto::signed_header>& all,
                         uint64_t start, uint16_t count) {
  proto::headers h;
  for (uint64_t i = start; i < start + count && i <= all.size(); ++i)
    h.items.push_back(all[i - 1]);
  return h;
}

proto::body chunk(uint64_t height, uint32_t index, uint32_t total,
                  std::size_t entries = 2) {
  proto::utxo_chunk c{height, index, total, {}};
  for (std::size_t i = 0; i < entries; ++i) {
    proto::utxo_entry e;
    e.txid[0] = static_cast<uint8_t>(index);
    e.vout = static_cast<uint32_t>(i);
    e.value = 1;
    c.entries.push_back(e);
  }
  return c;
}

/// Answers every GET_HEADERS of `f` from `all` until it asks for something
/// else; returns that request's actions.
sync_actions serve_headers(fast_sync& f, sync_actions out,
                           const std::vector<proto::signed_header>& all) {
  for (;;) {
    auto req = one_of<send_request>(out);
    auto* gh = std::get_if<proto::get_headers>(&req.body);
    if (!gh)
      return out;
    out = f.on_answer(req.seq, headers_body(all, gh->start, gh->count));
  }
}

/// A machine fetching the snapshot at 300 from "p" (headers done); returns
/// the first GET_UTXO_CHUNK.
send_request at_snapshot(fast_sync& f,
                         const std::vector<proto::signed_header>& all) {
  auto out = serve_headers(f, f.start({{"p", 300}}), all);
  CHECK(logged(out, "fast sync: 300 headers checked"));
  return one_of<send_request>(out);
}

} // namespace

TEST_CASE("the candidate with the highest snapshot is the source") {
  REQUIRE(devnet().snapshot_interval == 100);
  fast_sync f{devnet()};
  CHECK(f.start({{"a", 99}, {"b", 0}}).empty()); // no snapshot yet
  CHECK(f.current() == fast_sync::phase::idle);
  auto out = f.start({{"a", 250}, {"b", 399}, {"c", 350}, {"d", 120}});
  CHECK(f.peer() == "b");
  CHECK(f.height() == 300);
  CHECK(logged(out, "fast sync: headers 1-300 and the UTXO snapshot at 300 "
                    "from b"));
  auto req = one_of<send_request>(out);
  CHECK(req.peer == "b");
  auto gh = std::get<proto::get_headers>(req.body);
  CHECK(gh.start == 1);
  CHECK(gh.count == 300);
  // One attempt at a time.
  CHECK(f.start({{"e", 1000}}).empty());

  fast_sync g{devnet()};
  g.start({{"x", 310}, {"y", 399}});
  CHECK(g.peer() == "x"); // the first of equals
}

TEST_CASE("headers in batches, every chunk, then the install") {
  fast_sync f{devnet()};
  auto all = headers_to(4100);
  auto out = f.start({{"p", 4150}});
  std::vector<std::pair<uint64_t, uint16_t>> asked;
  for (;;) {
    auto req = one_of<send_request>(out);
    auto* gh = std::get_if<proto::get_headers>(&req.body);
    if (!gh)
      break;
    asked.emplace_back(gh->start, gh->count);
    CHECK(f.current() == fast_sync::phase::headers);
    out = f.on_answer(req.seq, headers_body(all, gh->start, gh->count));
  }
  CHECK(asked
        == std::vector<std::pair<uint64_t, uint16_t>>{
          {1, 2000}, {2001, 2000}, {4001, 100}});
  CHECK(f.headers_received() == 4100);
  CHECK(f.current() == fast_sync::phase::snapshot);
  for (uint32_t i = 0; i < 3; ++i) {
    auto req = one_of<send_request>(out);
    auto c = std::get<proto::get_utxo_chunk>(req.body);
    CHECK(c.height == 4100);
    CHECK(c.index == i);
    out = f.on_answer(req.seq, chunk(4100, i, 3));
  }
  auto ins = one_of<install_snapshot>(out);
  CHECK(ins.headers.size() == 4100);
  CHECK(ins.entries.size() == 6);
  CHECK(f.current() == fast_sync::phase::installing);
  CHECK_FALSE(has<resume_download>(out));

  write_outcome w;
  w.tip_height = 4100;
  out = f.on_written(w);
  CHECK(logged(out, "fast sync: snapshot at height 4100 installed (6 unspent "
                    "outputs"));
  CHECK(one_of<resume_download>(out).restart);
  CHECK(f.finished());
  CHECK_FALSE(f.active());
  CHECK(f.start({{"p", 5000}}).empty());
  CHECK(f.attempts() == 0);
}

TEST_CASE("a peer that announces a height it cannot serve") {
  fast_sync f{devnet()};
  auto req = one_of<send_request>(f.start({{"p", 300}}));
  auto out = f.on_answer(req.seq, proto::headers{});
  auto lacks = one_of<peer_lacks_from>(out);
  CHECK(lacks.peer == "p");
  CHECK(lacks.height == 1);
  CHECK(logged(out, "fast sync: no headers from p"));
  CHECK_FALSE(has<charge_peer>(out));
  CHECK_FALSE(has<mark_bad_snapshot>(out));
  CHECK_FALSE(one_of<resume_download>(out).restart);
  CHECK(f.current() == fast_sync::phase::idle);
  CHECK(f.attempts() == 1);
  // A NOT_FOUND is the same.
  req = one_of<send_request>(f.start({{"p", 300}}));
  out = f.on_answer(req.seq, proto::not_found{"no"});
  CHECK(has<peer_lacks_from>(out));
  CHECK(f.attempts() == 2);
}

TEST_CASE("headers that do not connect are charged, and the peer is never a "
          "source again") {
  fast_sync f{devnet()};
  auto all = headers_to(300);
  // A valid first batch would link to genesis; this one starts elsewhere.
  auto other = signed_chain(1, 300, proto::hash256{9});
  proto::headers bad;
  for (auto& b : other)
    bad.items.push_back(proto::signed_header{b.header, b.producer_signature});
  auto req = one_of<send_request>(f.start({{"p", 300}}));
  auto out = f.on_answer(req.seq, bad);
  auto c = one_of<charge_peer>(out);
  CHECK(c.peer == "p");
  CHECK(c.v == security::violation::invalid_block);
  CHECK(c.what == "invalid header: header does not link to the one before it");
  CHECK(one_of<mark_bad_snapshot>(out).peer == "p");
  CHECK(one_of<exclude_peer>(out).peer == "p");
  CHECK(logged(out, "fast sync: invalid header from p"));
  CHECK(f.rejected_blocks() == 1);
  CHECK(f.attempts() == 1);
  CHECK(f.current() == fast_sync::phase::idle);
}

TEST_CASE("more headers than asked are cut to the request") {
  fast_sync f{devnet()};
  auto all = headers_to(400);
  auto req = one_of<send_request>(f.start({{"p", 300}}));
  auto out = f.on_answer(req.seq, headers_body(all, 1, 400));
  CHECK(f.headers_received() == 300);
  CHECK(std::holds_alternative<proto::get_utxo_chunk>(
    one_of<send_request>(out).body));
}

TEST_CASE("a snapshot that changes between chunks is refused") {
  auto all = headers_to(300);
  struct bad_case {
    const char* name;
    proto::body second;
  };
  for (const auto& bc :
       {bad_case{"another total", chunk(300, 1, 2)},
        bad_case{"another height", chunk(200, 1, 3)},
        bad_case{"another index", chunk(300, 2, 3)},
        bad_case{"no chunks", chunk(300, 1, 0)},
        bad_case{"too many chunks", chunk(300, 1, max_snapshot_chunks + 1)}}) {
    CAPTURE(bc.name);
    fast_sync f{devnet()};
    auto req = at_snapshot(f, all);
    auto out = f.on_answer(req.seq, chunk(300, 0, 3));
    req = one_of<send_request>(out);
    out = f.on_answer(req.seq, bc.second);
    auto c = one_of<charge_peer>(out);
    CHECK(c.v == security::violation::protocol);
    CHECK(c.what == "UTXO_CHUNK does not answer its request");
    CHECK(one_of<mark_bad_snapshot>(out).peer == "p");
    CHECK(logged(out, "fast sync: malformed snapshot chunk"));
    CHECK_FALSE(has<install_snapshot>(out));
    CHECK(has<resume_download>(out));
    CHECK(f.current() == fast_sync::phase::idle);
    CHECK(f.entries_received() == 0);
  }
}

TEST_CASE("a snapshot the peer does not have ends the attempt uncharged") {
  fast_sync f{devnet()};
  auto req = at_snapshot(f, headers_to(300));
  auto out = f.on_answer(req.seq, proto::not_found{"no snapshot"});
  CHECK(logged(out, "fast sync: no snapshot at 300 from p"));
  CHECK_FALSE(has<charge_peer>(out));
  CHECK_FALSE(has<mark_bad_snapshot>(out));
  CHECK(f.attempts() == 1);
}

TEST_CASE("answers that time out end the attempt; late ones are ignored") {
  auto all = headers_to(300);
  fast_sync f{devnet()};
  auto req = one_of<send_request>(f.start({{"p", 300}}));
  CHECK(f.on_failure(req.seq + 1).empty());
  auto out = f.on_failure(req.seq);
  CHECK(logged(out, "fast sync: header request failed"));
  CHECK_FALSE(has<charge_peer>(out));
  CHECK(f.on_answer(req.seq, headers_body(all, 1, 300)).empty());
  CHECK(f.headers_received() == 0);

  req = at_snapshot(f, all);
  out = f.on_failure(req.seq);
  CHECK(logged(out, "fast sync: snapshot request failed"));
  CHECK(f.on_answer(req.seq, chunk(300, 0, 1)).empty());
  CHECK(f.attempts() == 2);
}

TEST_CASE("the peer leaving mid-way ends the attempt") {
  auto all = headers_to(300);
  fast_sync f{devnet()};
  auto req = one_of<send_request>(f.start({{"p", 300}}));
  CHECK(f.on_peer_left("q").empty());
  auto out = f.on_peer_left("p");
  CHECK(logged(out, "fast sync: peer p left"));
  CHECK(has<resume_download>(out));
  CHECK(f.current() == fast_sync::phase::idle);
  CHECK(f.on_answer(req.seq, headers_body(all, 1, 300)).empty());

  // While the writer checks the snapshot its answer decides.
  req = at_snapshot(f, all);
  out = f.on_answer(req.seq, chunk(300, 0, 1));
  REQUIRE(has<install_snapshot>(out));
  CHECK(f.on_peer_left("p").empty());
  CHECK(f.current() == fast_sync::phase::installing);
  out = f.on_write_failed();
  CHECK(logged(out, "fast sync: chain writer gone"));
  CHECK(f.attempts() == 2);
}

TEST_CASE("three failed attempts: every block is downloaded instead") {
  fast_sync f{devnet()};
  for (uint32_t i = 1; i <= max_fastsync_attempts; ++i) {
    auto req = one_of<send_request>(f.start({{"p", 300}}));
    auto out = f.on_failure(req.seq);
    CHECK(f.attempts() == i);
    CHECK(logged(out, "giving up after") == (i == max_fastsync_attempts));
  }
  CHECK(f.finished());
  CHECK(f.start({{"p", 300}}).empty());
}

TEST_CASE("a snapshot the chain refuses: the peer is charged if its header "
          "is still the one checked") {
  auto all = headers_to(300);
  for (bool same_header : {true, false}) {
    CAPTURE(same_header);
    fast_sync f{devnet()};
    auto req = at_snapshot(f, all);
    auto out = f.on_answer(req.seq, chunk(300, 0, 1));
    REQUIRE(has<install_snapshot>(out));
    write_outcome w;
    w.ok = false;
    w.reason = chain::reject_reason::bad_snapshot;
    w.detail = "utxo_root differs";
    out = f.on_written(w);
    CHECK(one_of<mark_bad_snapshot>(out).peer == "p");
    CHECK(f.rejected_snapshots() == 1);
    CHECK(f.current() == fast_sync::phase::rechecking);
    req = one_of<send_request>(out);
    auto gh = std::get<proto::get_headers>(req.body);
    CHECK(gh.start == 300);
    CHECK(gh.count == 1);
    // A peer that reorganised across 300 meanwhile is not at fault.
    auto header = same_header
                    ? headers_body(all, 300, 1)
                    : proto::body{proto::headers{{proto::signed_header{
                      signed_block(300, proto::hash256{3}).header, {}}}}};
    out = f.on_answer(req.seq, header);
    CHECK(has<charge_peer>(out) == same_header);
    if (same_header) {
      auto c = one_of<charge_peer>(out);
      CHECK(c.v == security::violation::invalid_block);
      CHECK(c.what == "snapshot refused: bad_snapshot: utxo_root differs");
    }
    CHECK(logged(out, "fast sync: snapshot at 300 from p refused: "
                      "bad_snapshot: utxo_root differs"));
    CHECK(f.current() == fast_sync::phase::idle);
    CHECK(f.attempts() == 1);
  }
}

TEST_CASE("a snapshot refused for a local reason costs the peer nothing") {
  fast_sync f{devnet()};
  auto req = at_snapshot(f, headers_to(300));
  REQUIRE(has<install_snapshot>(f.on_answer(req.seq, chunk(300, 0, 1))));
  write_outcome w;
  w.ok = false;
  w.reason = chain::reject_reason::storage;
  w.detail = "disk full";
  auto out = f.on_written(w);
  CHECK(logged(out, "fast sync: snapshot not installed: storage: disk full"));
  CHECK_FALSE(has<mark_bad_snapshot>(out));
  CHECK_FALSE(has<send_request>(out));
  CHECK(f.rejected_snapshots() == 0);
  CHECK(f.current() == fast_sync::phase::idle);
}

TEST_CASE("the peer leaving while its snapshot is rechecked") {
  fast_sync f{devnet()};
  auto req = at_snapshot(f, headers_to(300));
  REQUIRE(has<install_snapshot>(f.on_answer(req.seq, chunk(300, 0, 1))));
  write_outcome w;
  w.ok = false;
  w.reason = chain::reject_reason::bad_snapshot;
  auto out = f.on_written(w);
  req = one_of<send_request>(out);
  out = f.on_peer_left("p");
  CHECK_FALSE(has<charge_peer>(out));
  CHECK(logged(out, "refused"));
  CHECK(f.attempts() == 1);
  // Its request failing afterwards counts no second time.
  CHECK(f.on_failure(req.seq).empty());
  CHECK(f.attempts() == 1);
}
