// Reads of a store that cannot be read: a failing database or a malformed
// record is a read_error, never "not found".

#include <cerrno>
#include <cstring>

#include <doctest/doctest.h>

#include "chain/store_impl.hpp"
#include "tests/chain/helpers.hpp"

using namespace timecoin;
using namespace timecoin::chain;
using namespace timecoin::chain::test;

namespace {

/// The store's map size (store.cpp): an environment opened on its files
/// must not be smaller.
constexpr std::size_t store_map_bytes = std::size_t{64} << 30;

/// Writes `value` under `key` in database `db` of the closed store in `dir`,
/// bypassing the store: how a damaged record looks to it.
void overwrite(const std::string& dir, const char* db, const void* key,
               std::size_t key_size, const proto::bytes& value) {
  lmdb::env env;
  lmdb::check(mdb_env_set_maxdbs(env.get(), 8), "mdb_env_set_maxdbs");
  lmdb::check(mdb_env_set_mapsize(env.get(), store_map_bytes),
              "mdb_env_set_mapsize");
  lmdb::check(mdb_env_open(env.get(), dir.c_str(), MDB_NOTLS, 0600),
              "mdb_env_open");
  lmdb::txn t{env.get(), false};
  MDB_dbi dbi = 0;
  lmdb::check(mdb_dbi_open(t.get(), db, 0, &dbi), db);
  t.put(dbi, key, key_size, value.data(), value.size());
  t.commit();
}

/// Bytes that no record of the store has the size of.
const proto::bytes garbage{1, 2, 3};

/// A read_error naming `read`, and `cause` as its reason.
template <class T>
void check_fails(const read_result<T>& r, const std::string& read,
                 const std::string& cause) {
  REQUIRE(!r);
  INFO(r.error().detail);
  CHECK(r.error().detail.rfind(read, 0) == 0);
  CHECK(r.error().detail.find(cause) != std::string::npos);
}

} // namespace

TEST_CASE("a failing database: every read is a read_error") {
  temp_dir d;
  auto params = devnet_params();
  params.snapshot_interval = 5;
  auto s = open_store(d.sub("s"), params);
  producer p{devnet_key()};
  REQUIRE(p.generate(*s, 6, 1, test_time));
  const auto tip = s->tip();
  const auto pk = devnet_key().public_key();

  internals_of(*s).injected_read_failure = EIO;
  const std::string io = std::strerror(EIO);
  // Found, not found: the same failure either way.
  check_fails(s->hash_at(3), "hash_at 3", io);
  check_fails(s->hash_at(1000), "hash_at 1000", io);
  check_fails(s->height_of(tip.hash), "height_of", io);
  check_fails(s->block_at(2), "block_at 2", io);
  check_fails(s->header_at(2), "header_at 2", io);
  check_fails(s->find_coin(proto::hash256{}, 0), "find_coin", io);
  check_fails(s->get_blocks(1, 10), "get_blocks 1", io);
  check_fails(s->get_hashes(0, 10), "get_hashes 0", io);
  check_fails(s->get_headers(0, 10), "get_headers 0", io);
  check_fails(s->snapshot_heights(), "snapshot_heights", io);
  check_fails(s->snapshot_chunk(5, 0), "snapshot_chunk 5 0", io);
  check_fails(s->current_state(), "current_state", io);
  check_fails(s->coins_of(pk, 10), "coins_of", io);
  const auto problem = s->verify();
  REQUIRE(problem);
  CHECK(problem->find(io) != std::string::npos);
  // Producing needs the store: a storage error, no block.
  const auto b = p.next_block(*s, 1, test_time);
  REQUIRE(!b);
  CHECK(b.error().reason == reject_reason::storage);
  CHECK(b.error().detail.find(io) != std::string::npos);

  // The database back: the same reads answer again.
  internals_of(*s).injected_read_failure = 0;
  CHECK(ok(s->hash_at(3)));
  CHECK(!ok(s->hash_at(1000)));
  CHECK(ok(s->snapshot_heights()) == std::vector<uint64_t>{5});
  CHECK(ok(s->get_blocks(1, 10)).items.size() == 6);
  CHECK(!s->verify());
  CHECK(p.next_block(*s, 1, test_time));
}

TEST_CASE("a malformed record is a read_error where it is read") {
  temp_dir d;
  const auto dir = d.sub("s");
  auto params = devnet_params();
  params.snapshot_interval = 5;
  auto s = open_store(dir, params);
  producer p{devnet_key()};
  REQUIRE(p.generate(*s, 6, 1, test_time));
  const auto pk = devnet_key().public_key();
  const auto hash4 = *ok(s->hash_at(4));
  // The next block, built now, and the stored coin it spends.
  const auto next = p.next_block(*s, 1, test_time);
  REQUIRE(next);
  const auto spent = next->transactions[1].inputs[0];
  REQUIRE(ok(s->find_coin(spent.prev_txid, spent.vout)));
  const auto coin_key = enc::outpoint_of(spent.prev_txid, spent.vout);
  s.reset();

  auto reopen = [&](const char* db, const void* key, std::size_t size) {
    overwrite(dir, db, key, size, garbage);
    return open_store(dir, params);
  };

  SUBCASE("a header") {
    const auto k = enc::key_of(2);
    s = reopen("headers", k.data(), k.size());
    check_fails(s->hash_at(2), "hash_at 2", "malformed header record");
    check_fails(s->header_at(2), "header_at 2", "malformed header record");
    check_fails(s->get_hashes(0, 10), "get_hashes 0", "malformed");
    check_fails(s->get_headers(1, 10), "get_headers 1", "malformed");
    // Records around it still read; absent ones are not found.
    CHECK(ok(s->hash_at(3)));
    CHECK(!ok(s->hash_at(7)));
    CHECK(ok(s->get_hashes(3, 10)).items.size() == 4);
  }
  SUBCASE("a block") {
    const auto k = enc::key_of(3);
    s = reopen("blocks", k.data(), k.size());
    check_fails(s->block_at(3), "block_at 3", "malformed block at height 3");
    check_fails(s->get_blocks(1, 10), "get_blocks 1", "malformed block");
    CHECK(ok(s->block_at(4)));
    CHECK(!ok(s->block_at(7)));
    CHECK(ok(s->get_blocks(1, 2)).items.size() == 2);
  }
  SUBCASE("a hash index entry") {
    s = reopen("hashes", hash4.data(), hash4.size());
    check_fails(s->height_of(hash4), "height_of", "malformed hash index");
    CHECK(!ok(s->height_of(proto::hash256{})));
  }
  SUBCASE("a coin") {
    s = reopen("utxo", coin_key.data(), coin_key.size());
    check_fails(s->find_coin(spent.prev_txid, spent.vout), "find_coin",
                "malformed coin record");
    check_fails(s->coins_of(pk, 1000), "coins_of", "malformed UTXO record");
    CHECK(!ok(s->find_coin(spent.prev_txid, 9999)));
    // Spending it: a storage error, not a missing input.
    const auto r = s->append({*next});
    CHECK(r.applied == 0);
    REQUIRE(r.error);
    CHECK(r.error->reason == reject_reason::storage);
    CHECK(r.error->detail == "malformed coin record");
    CHECK(s->tip().height == 6);
  }
  SUBCASE("a snapshot entry") {
    const auto k = enc::snap_entry(5, 0);
    s = reopen("snapshots", k.data(), k.size());
    check_fails(s->snapshot_chunk(5, 0), "snapshot_chunk 5 0",
                "malformed snapshot entry");
    CHECK(!ok(s->snapshot_chunk(5, 1)));
    CHECK(!ok(s->snapshot_chunk(10, 0)));
  }
  SUBCASE("a snapshot count") {
    const auto k = enc::snap_key(5);
    s = reopen("meta", k.data(), k.size());
    check_fails(s->snapshot_chunk(5, 0), "snapshot_chunk 5 0",
                "malformed snapshot count");
  }
}
