// The chain store: opening, reads and the write transactions of append and
// reorganize. Validation and block (dis)connection are in validate.cpp,
// snapshots in snapshot.cpp, verify() in verify.cpp.

#include "chain/store.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <thread>

#include "chain/store_impl.hpp"
#include "protocol/codec.hpp"

namespace timecoin::chain {

namespace {

/// Named databases in the environment (7 used).
constexpr MDB_dbi max_databases = 8;

std::optional<uint64_t> read_u64(const lmdb::txn& t, MDB_dbi dbi,
                                 const char* key) {
  const auto v = t.get(dbi, key, std::strlen(key));
  if (!v)
    return std::nullopt;
  if (v->size != enc::u64_size)
    throw std::runtime_error(std::string{"malformed meta "} + key);
  return proto::be64(v->data);
}

void write_u64(lmdb::txn& t, MDB_dbi dbi, const char* key, uint64_t value) {
  uint8_t b[enc::u64_size];
  proto::put_be64(b, value);
  t.put(dbi, key, std::strlen(key), b, sizeof(b));
}

MDB_dbi open_db(lmdb::txn& t, const char* name) {
  MDB_dbi dbi = 0;
  lmdb::check(mdb_dbi_open(t.get(), name, MDB_CREATE, &dbi), name);
  return dbi;
}

} // namespace

// -- internal steps
// ------------------------------------------------------------

std::optional<enc::stored_header>
read_header(const store::impl& s, const lmdb::txn& t, uint64_t height) {
  const auto k = enc::key_of(height);
  const auto v = t.get(s.headers, k.data(), k.size());
  if (!v)
    return std::nullopt;
  auto h = enc::decode_header_record(*v);
  if (!h || h->header.header.height != height)
    throw std::runtime_error("malformed header record at height "
                             + std::to_string(height));
  return h;
}

chain_state load_state(const store::impl& s, const lmdb::txn& t) {
  chain_state st;
  const auto tip = read_u64(t, s.meta, enc::meta_tip);
  const auto base = read_u64(t, s.meta, enc::meta_base);
  const auto utxos = read_u64(t, s.meta, enc::meta_utxos);
  const auto lt = t.get(s.meta, enc::meta_lthash,
                        std::strlen(enc::meta_lthash));
  if (!tip || !base || !utxos || !lt)
    throw std::runtime_error("chain state missing from meta");
  st.height = *tip;
  st.base = *base;
  st.utxos = *utxos;
  if (!st.lthash.load_state(proto::bytes(lt->data, lt->data + lt->size)))
    throw std::runtime_error("malformed lthash state");
  const auto h = read_header(s, t, st.height);
  if (!h)
    throw std::runtime_error("no header at the tip height "
                             + std::to_string(st.height));
  st.hash = h->hash;
  st.utxo_root = h->header.header.utxo_root;
  st.timestamp = h->header.header.timestamp;
  return st;
}

void save_state(store::impl& s, lmdb::txn& t, const chain_state& st) {
  write_u64(t, s.meta, enc::meta_tip, st.height);
  write_u64(t, s.meta, enc::meta_base, st.base);
  write_u64(t, s.meta, enc::meta_utxos, st.utxos);
  const auto bytes = st.lthash.state_bytes();
  t.put(s.meta, enc::meta_lthash, std::strlen(enc::meta_lthash), bytes.data(),
        bytes.size());
}

store::impl& internals_of(store& s) {
  return *s.impl_;
}

lmdb::txn begin_read(const store::impl& s) {
  if (const int rc = s.injected_read_failure.load(std::memory_order_relaxed))
    throw lmdb::error("mdb_txn_begin", rc);
  return lmdb::txn{s.env.get(), true};
}

chain_error storage_error(uint64_t height, const std::exception& e) {
  return {reject_reason::storage, height, e.what()};
}

// -- open
// ----------------------------------------------------------------------

store::store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
store::~store() = default;

result<std::unique_ptr<store>, std::string>
store::open(const std::string& dir, chain_params params,
            const store_options& options) {
  try {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
      return std::string{"cannot create "} + dir + ": " + ec.message();
    auto p = std::make_unique<impl>();
    p->verify_threads = options.verify_threads != 0
                          ? options.verify_threads
                          : std::max(1u, std::thread::hardware_concurrency());
    p->dir = dir;
    p->params = std::move(params);
    p->genesis_hash = proto::block_hash(p->params.genesis.header);
    MDB_env* env = p->env.get();
    lmdb::check(mdb_env_set_maxdbs(env, max_databases), "mdb_env_set_maxdbs");
    lmdb::check(mdb_env_set_mapsize(env, options.map_bytes),
                "mdb_env_set_mapsize");
    // MDB_NOTLS: read transactions are not tied to the thread that began
    // them (actors migrate between threads). Default durability: fsync at
    // every commit.
    lmdb::check(mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0600),
                "mdb_env_open");

    lmdb::txn t{env, false};
    p->blocks = open_db(t, "blocks");
    p->headers = open_db(t, "headers");
    p->hashes = open_db(t, "hashes");
    p->utxo = open_db(t, "utxo");
    p->undo = open_db(t, "undo");
    p->snaps = open_db(t, "snapshots");
    p->meta = open_db(t, "meta");

    const auto g = t.get(p->meta, enc::meta_genesis,
                         std::strlen(enc::meta_genesis));
    if (!g) {
      chain_state st;
      auto ok = connect_block(*p, t, st, p->params.genesis, true);
      if (!ok)
        return "invalid genesis block: "
               + std::string{to_string(ok.error().reason)} + ": "
               + ok.error().detail;
      save_state(*p, t, st);
      t.put(p->meta, enc::meta_genesis, std::strlen(enc::meta_genesis),
            p->genesis_hash.data(), p->genesis_hash.size());
    } else if (g->size != p->genesis_hash.size()
               || std::memcmp(g->data, p->genesis_hash.data(),
                              p->genesis_hash.size())
                    != 0) {
      return "the chain store in " + dir
             + " was created for another genesis block";
    }
    const chain_state st = load_state(*p, t);
    t.commit();
    p->cached_tip = st.tip();
    return std::unique_ptr<store>(new store(std::move(p)));
  } catch (const std::exception& e) {
    return "chain store " + dir + ": " + e.what();
  }
}

const chain_params& store::params() const {
  return impl_->params;
}
const std::string& store::dir() const {
  return impl_->dir;
}

tip_info store::tip() const {
  std::lock_guard<std::mutex> lock{impl_->tip_mutex};
  return impl_->cached_tip;
}

// -- reads
// ---------------------------------------------------------------------

namespace {

std::string at(const char* read, uint64_t height) {
  return std::string{read} + " " + std::to_string(height);
}

/// The block stored at `height`, if any; throws if it does not decode.
std::optional<proto::block> read_block(const store::impl& s, const lmdb::txn& t,
                                       uint64_t height) {
  const auto k = enc::key_of(height);
  const auto v = t.get(s.blocks, k.data(), k.size());
  if (!v)
    return std::nullopt;
  auto b = proto::decode_block(v->data, v->size);
  if (!b)
    throw std::runtime_error("malformed block at height "
                             + std::to_string(height) + ": "
                             + b.error().detail);
  return std::move(b).value();
}

} // namespace

lookup<proto::hash256> store::hash_at(uint64_t height) const {
  return read_in_txn(*impl_, at("hash_at", height),
                     [&](const lmdb::txn& t) -> std::optional<proto::hash256> {
                       if (auto h = read_header(*impl_, t, height))
                         return h->hash;
                       return std::nullopt;
                     });
}

lookup<uint64_t> store::height_of(const proto::hash256& hash) const {
  return read_in_txn(
    *impl_, "height_of " + proto::to_hex(hash),
    [&](const lmdb::txn& t) -> std::optional<uint64_t> {
      const auto v = t.get(impl_->hashes, hash.data(), hash.size());
      if (!v)
        return std::nullopt;
      if (v->size != enc::u64_size)
        throw std::runtime_error("malformed hash index record");
      return proto::be64(v->data);
    });
}

lookup<proto::block> store::block_at(uint64_t height) const {
  return read_in_txn(*impl_, at("block_at", height), [&](const lmdb::txn& t) {
    return read_block(*impl_, t, height);
  });
}

lookup<proto::signed_header> store::header_at(uint64_t height) const {
  return read_in_txn(
    *impl_, at("header_at", height),
    [&](const lmdb::txn& t) -> std::optional<proto::signed_header> {
      if (auto h = read_header(*impl_, t, height))
        return std::move(h->header);
      return std::nullopt;
    });
}

lookup<coin> store::find_coin(const proto::hash256& txid, uint32_t vout) const {
  return read_in_txn(
    *impl_, "find_coin " + proto::to_hex(txid) + ":" + std::to_string(vout),
    [&](const lmdb::txn& t) -> std::optional<coin> {
      const auto o = enc::outpoint_of(txid, vout);
      const auto v = t.get(impl_->utxo, o.data(), o.size());
      if (!v)
        return std::nullopt;
      auto c = enc::decode_coin(*v);
      if (!c)
        throw std::runtime_error("malformed coin record");
      return c;
    });
}

read_result<proto::blocks> store::get_blocks(uint64_t start,
                                             uint16_t count) const {
  return read_in_txn(*impl_, at("get_blocks", start), [&](const lmdb::txn& t) {
    proto::blocks out;
    const uint16_t n = std::min(count, proto::max_get_blocks);
    std::size_t total = 0;
    for (uint64_t h = start; h - start < n; ++h) {
      const auto k = enc::key_of(h);
      const auto v = t.get(impl_->blocks, k.data(), k.size());
      if (!v)
        break;
      // The first block is sent whatever its size (docs/PROTOCOL.md, "Chain
      // requests").
      if (!out.items.empty()
          && total + v->size > proto::max_blocks_answer_bytes)
        break;
      auto b = proto::decode_block(v->data, v->size);
      if (!b)
        throw std::runtime_error("malformed block at height "
                                 + std::to_string(h) + ": " + b.error().detail);
      total += v->size;
      out.items.push_back(std::move(b).value());
    }
    return out;
  });
}

read_result<proto::hashes> store::get_hashes(uint64_t start,
                                             uint16_t count) const {
  return read_in_txn(*impl_, at("get_hashes", start), [&](const lmdb::txn& t) {
    proto::hashes out;
    const uint16_t n = std::min(count, proto::max_get_hashes);
    for (uint64_t h = start; h - start < n; ++h) {
      const auto rec = read_header(*impl_, t, h);
      if (!rec)
        break;
      out.items.push_back(rec->hash);
    }
    return out;
  });
}

read_result<proto::headers> store::get_headers(uint64_t start,
                                               uint16_t count) const {
  return read_in_txn(*impl_, at("get_headers", start), [&](const lmdb::txn& t) {
    proto::headers out;
    const uint16_t n = std::min(count, proto::max_get_headers);
    for (uint64_t h = start; h - start < n; ++h) {
      auto rec = read_header(*impl_, t, h);
      if (!rec)
        break;
      out.items.push_back(std::move(rec->header));
    }
    return out;
  });
}

read_result<store::tip_state> store::current_state() const {
  return read_in_txn(*impl_, "current_state", [&](const lmdb::txn& t) {
    const chain_state st = load_state(*impl_, t);
    return tip_state{st.tip(), st.lthash};
  });
}

read_result<std::vector<proto::utxo_entry>>
store::coins_of(const proto::hash256& owner, std::size_t limit) const {
  return read_in_txn(
    *impl_, "coins_of " + proto::to_hex(owner), [&](const lmdb::txn& t) {
      std::vector<proto::utxo_entry> out;
      lmdb::cursor c{t, impl_->utxo};
      uint8_t e[enc::element_size];
      const uint8_t* e_owner = e + enc::outpoint_size + enc::coin_owner_offset;
      for (bool ok = c.first(); ok && out.size() < limit; ok = c.next()) {
        if (!enc::element_of_record(c.key(), c.value(), e))
          throw std::runtime_error("malformed UTXO record");
        if (std::memcmp(e_owner, owner.data(), owner.size()) != 0)
          continue;
        out.push_back(enc::entry_of_element(e));
      }
      return out;
    });
}

// -- writes
// --------------------------------------------------------------------

store::append_result store::append(const std::vector<proto::block>& blocks) {
  if (blocks.empty())
    return {};
  std::lock_guard<std::mutex> lock{impl_->write_mutex};
  if (blocks.size() < 2 || impl_->verify_threads < 2)
    return append_locked(blocks.data(), blocks.size(), false);
  auto r = append_locked(blocks.data(), blocks.size(), true);
  if (!r.bad_signature_block)
    return r;
  // A signature failed in block k: the blocks before it are valid; block k
  // is checked again, signature by signature, for its exact error.
  return append_locked(blocks.data(), *r.bad_signature_block + 1, false);
}

store::append_result store::append_locked(const proto::block* blocks,
                                          std::size_t count, bool parallel) {
  append_result r;
  uint64_t height = 0;
  try {
    lmdb::txn t{impl_->env.get(), false};
    chain_state st = load_state(*impl_, t);
    height = st.height + 1;
    std::vector<deferred_sig> sigs;
    std::vector<std::size_t> sigs_end; // per block: sigs.size() after it
    for (std::size_t i = 0; i < count; ++i) {
      auto ok = connect_block(*impl_, t, st, blocks[i], false,
                              parallel ? &sigs : nullptr);
      if (!ok) {
        r.error = ok.error();
        break;
      }
      sigs_end.push_back(sigs.size());
      ++r.applied;
      height = st.height + 1;
    }
    if (parallel && !sigs.empty()) {
      // Only the signatures of the blocks that passed every other rule.
      sigs.resize(sigs_end.empty() ? 0 : sigs_end.back());
      if (auto bad = verify_all(sigs, impl_->verify_threads)) {
        auto k = static_cast<std::size_t>(
          std::upper_bound(sigs_end.begin(), sigs_end.end(), *bad)
          - sigs_end.begin());
        append_result retry;
        retry.bad_signature_block = k;
        return retry; // the transaction aborts: nothing stored
      }
    }
    if (r.applied > 0) {
      save_state(*impl_, t, st);
      t.commit();
      impl_->set_tip(st.tip());
    }
  } catch (const std::exception& e) {
    // The transaction was aborted: nothing of this call is stored.
    r.applied = 0;
    r.error = storage_error(height, e);
  }
  return r;
}

result<void, chain_error>
store::reorganize(uint64_t fork_height,
                  const std::vector<proto::block>& blocks) {
  std::lock_guard<std::mutex> lock{impl_->write_mutex};
  try {
    lmdb::txn t{impl_->env.get(), false};
    chain_state st = load_state(*impl_, t);
    if (fork_height > st.height)
      return chain_error{reject_reason::bad_height, fork_height,
                         "fork height " + std::to_string(fork_height)
                           + " is above the tip " + std::to_string(st.height)};
    if (st.height - fork_height > max_reorg_depth || fork_height < st.base)
      return chain_error{
        reject_reason::too_deep, fork_height + 1,
        "disconnecting " + std::to_string(st.height - fork_height)
          + " blocks from " + std::to_string(st.height) + " (at most "
          + std::to_string(max_reorg_depth) + ", none below the base "
          + std::to_string(st.base) + ")"};
    if (fork_height + blocks.size() <= st.height)
      return chain_error{reject_reason::not_longer, fork_height + 1,
                         "branch ends at "
                           + std::to_string(fork_height + blocks.size())
                           + ", the chain at " + std::to_string(st.height)};
    while (st.height > fork_height)
      disconnect_tip(*impl_, t, st);
    drop_snapshots_above(*impl_, t, fork_height);
    for (const auto& b : blocks) {
      auto ok = connect_block(*impl_, t, st, b);
      if (!ok)
        return ok.error(); // the transaction aborts: nothing changed
    }
    save_state(*impl_, t, st);
    t.commit();
    impl_->set_tip(st.tip());
    return {};
  } catch (const std::exception& e) {
    return storage_error(fork_height + 1, e);
  }
}

} // namespace timecoin::chain
