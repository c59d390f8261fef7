// UTXO snapshots: kept at the last two snapshot heights, served in sorted
// chunks, installed by fast sync only if they hash to the header's root.

#include <algorithm>
#include <cstring>

#include <doctest/doctest.h>

#include "tests/chain/helpers.hpp"

using namespace timecoin;
using namespace timecoin::chain;
using namespace timecoin::chain::test;

namespace {

bool sorted(const std::vector<proto::utxo_entry>& es) {
  for (std::size_t i = 1; i < es.size(); ++i) {
    const int c = std::memcmp(es[i - 1].txid.data(), es[i].txid.data(), 32);
    if (!(c < 0 || (c == 0 && es[i - 1].vout < es[i].vout)))
      return false;
  }
  return true;
}

std::vector<proto::utxo_entry> all_entries(const store& s, uint64_t height) {
  std::vector<proto::utxo_entry> out;
  auto first = ok(s.snapshot_chunk(height, 0));
  REQUIRE(first);
  for (uint32_t i = 0; i < first->total; ++i) {
    auto c = ok(s.snapshot_chunk(height, i));
    REQUIRE(c);
    CHECK(c->total == first->total);
    CHECK(c->height == height);
    CHECK(c->index == i);
    out.insert(out.end(), c->entries.begin(), c->entries.end());
  }
  CHECK(!ok(s.snapshot_chunk(height, first->total)));
  return out;
}

} // namespace

TEST_CASE("snapshots at the last two heights, installed by fast sync") {
  temp_dir d;
  auto a = open_store(d.sub("a"));
  REQUIRE(a->params().snapshot_interval == 100);
  producer p{devnet_key()};
  REQUIRE(p.generate(*a, 250, 1, test_time));
  CHECK(ok(a->snapshot_heights()) == std::vector<uint64_t>{100, 200});
  CHECK(!ok(a->snapshot_chunk(0, 0)));
  CHECK(!ok(a->snapshot_chunk(150, 0)));

  const auto e100 = all_entries(*a, 100);
  CHECK(e100.size() == 1 + 100 * 2);
  CHECK(sorted(e100));
  CHECK(utxo_root_of(e100) == ok(a->header_at(100))->header.utxo_root);
  const auto e200 = all_entries(*a, 200);
  CHECK(utxo_root_of(e200) == ok(a->header_at(200))->header.utxo_root);
  CHECK(!a->verify());

  auto headers = ok(a->get_headers(1, 200)).items;
  REQUIRE(headers.size() == 200);

  SUBCASE("install, then follow with blocks") {
    auto b = open_store(d.sub("b"));
    auto r = b->install_snapshot(headers, e200);
    INFO((r ? std::string{} : r.error().detail));
    REQUIRE(r);
    CHECK(b->tip().height == 200);
    CHECK(b->tip().base_height == 200);
    CHECK(b->tip().hash == *ok(a->hash_at(200)));
    CHECK(b->tip().utxo_root == ok(a->header_at(200))->header.utxo_root);
    CHECK(b->tip().utxos == e200.size());
    CHECK(!b->verify());
    CHECK(ok(b->snapshot_heights()) == std::vector<uint64_t>{200});
    CHECK(all_entries(*b, 200).size() == e200.size());
    // Headers and hashes below the base, blocks only above it.
    CHECK(ok(b->get_headers(0, 300)).items.size() == 201);
    CHECK(ok(b->hash_at(37)) == ok(a->hash_at(37)));
    CHECK(ok(b->height_of(*ok(a->hash_at(37)))) == std::optional<uint64_t>{37});
    CHECK(ok(b->get_blocks(150, 10)).items.empty());
    CHECK(!ok(b->block_at(200)));

    copy_chain(*a, *b);
    CHECK(b->tip().height == 250);
    CHECK(b->tip().hash == a->tip().hash);
    CHECK(b->tip().utxo_root == a->tip().utxo_root);
    CHECK(!b->verify());
    // No reorganisation below the base.
    auto rr = b->reorganize(199, {});
    REQUIRE(!rr);
    CHECK(rr.error().reason == reject_reason::too_deep);
    // A second install is refused: the store is past genesis.
    CHECK(!b->install_snapshot(headers, e200));
  }
  SUBCASE("altered, unsorted or badly linked snapshots are refused") {
    auto b = open_store(d.sub("b"));
    const auto before = b->tip();
    auto check_unchanged = [&] {
      CHECK(b->tip().height == 0);
      CHECK(b->tip().hash == before.hash);
      CHECK(b->tip().utxos == 1);
      CHECK(ok(b->snapshot_heights()).empty());
      CHECK(!b->verify());
    };
    auto altered = e200;
    altered[7].value += 1;
    auto r = b->install_snapshot(headers, altered);
    REQUIRE(!r);
    CHECK((r.error().reason == reject_reason::bad_snapshot
           || r.error().reason == reject_reason::bad_utxo_root));
    check_unchanged();

    auto unsorted = e200;
    std::swap(unsorted[3], unsorted[4]);
    r = b->install_snapshot(headers, unsorted);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::bad_snapshot);
    check_unchanged();

    auto missing = e200;
    missing.pop_back();
    CHECK(!b->install_snapshot(headers, missing));
    check_unchanged();

    auto gap = headers;
    gap.erase(gap.begin() + 50);
    r = b->install_snapshot(gap, e200);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::bad_height);
    check_unchanged();
    CHECK(!b->install_snapshot({}, e200));
  }
}

TEST_CASE("snapshots above the fork are dropped by a reorganisation") {
  temp_dir d;
  auto a = open_store(d.sub("a"));
  producer p{devnet_key()};
  REQUIRE(p.generate(*a, 205, 0, test_time));
  CHECK(ok(a->snapshot_heights()) == std::vector<uint64_t>{100, 200});
  auto c = open_store(d.sub("c"));
  copy_chain(*a, *c);
  REQUIRE(c->reorganize(195, {}).error().reason == reject_reason::not_longer);
  producer pc{devnet_key()};
  // c: the same 0..195, then another branch (1 tx) up to 210.
  auto branch = ok(a->get_blocks(1, 195)).items;
  auto e = open_store(d.sub("e"));
  REQUIRE(!e->append(branch).error);
  REQUIRE(pc.generate(*e, 4, 1, test_time)); // 196..199
  REQUIRE(ok(e->snapshot_heights()) == std::vector<uint64_t>{100});
  REQUIRE(pc.generate(*e, 11, 1, test_time)); // 200..210
  auto r = a->reorganize(195, ok(e->get_blocks(196, 15)).items);
  REQUIRE(r);
  CHECK(a->tip().hash == e->tip().hash);
  CHECK(ok(a->snapshot_heights()) == std::vector<uint64_t>{100, 200});
  CHECK(ok(a->snapshot_chunk(200, 0))->entries.size()
        == ok(e->snapshot_chunk(200, 0))->entries.size());
  CHECK(utxo_root_of(ok(a->snapshot_chunk(200, 0))->entries)
        == ok(e->header_at(200))->header.utxo_root);
  CHECK(!a->verify());
}

TEST_CASE("a large snapshot is served in sorted chunks of 10,000") {
  // A synthetic UTXO set under a valid header: check_headers looks only at
  // linkage and signatures, and the root commits to the set.
  const auto key = devnet_key();
  std::vector<proto::utxo_entry> entries;
  const std::size_t n = 2 * proto::max_utxo_chunk_entries + 123;
  for (std::size_t i = 0; i < n; ++i) {
    proto::utxo_entry e;
    e.txid = proto::hash(reinterpret_cast<const uint8_t*>(&i), sizeof(i));
    e.vout = static_cast<uint32_t>(i % 3);
    e.value = i + 1;
    e.owner = key.public_key();
    e.height = 1;
    entries.push_back(e);
  }
  std::sort(entries.begin(), entries.end(),
            [](const proto::utxo_entry& a, const proto::utxo_entry& b) {
              const int c = std::memcmp(a.txid.data(), b.txid.data(), 32);
              return c < 0 || (c == 0 && a.vout < b.vout);
            });
  proto::signed_header h;
  h.header.height = 1;
  h.header.prev_hash = proto::devnet_genesis_hash();
  h.header.utxo_root = utxo_root_of(entries);
  h.header.timestamp = test_time;
  h.header.producer = key.public_key();
  h.producer_signature = key.sign(
    proto::block_signing_bytes(proto::block_hash(h.header)));

  temp_dir d;
  // Height 1 is no snapshot height on devnet (every 100): refused there.
  auto plain = open_store(d.sub("plain"));
  auto refused = plain->install_snapshot({h}, entries);
  REQUIRE(!refused);
  CHECK(refused.error().reason == reject_reason::bad_snapshot);
  CHECK(plain->tip().height == 0);
  auto params = devnet_params();
  params.snapshot_interval = 1;
  auto s = open_store(d.sub("s"), params);
  auto r = s->install_snapshot({h}, entries);
  REQUIRE(r);
  CHECK(ok(s->snapshot_heights()) == std::vector<uint64_t>{1});
  auto c0 = ok(s->snapshot_chunk(1, 0));
  REQUIRE(c0);
  CHECK(c0->total == 3);
  CHECK(c0->entries.size() == proto::max_utxo_chunk_entries);
  CHECK(ok(s->snapshot_chunk(1, 2))->entries.size() == 123);
  const auto all = all_entries(*s, 1);
  REQUIRE(all.size() == n);
  CHECK(sorted(all));
  CHECK(all.front().txid == entries.front().txid);
  CHECK(all.back().value == entries.back().value);
  CHECK(!s->verify());
  CHECK(s->tip().utxos == n);
}
