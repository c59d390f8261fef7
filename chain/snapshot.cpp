// UTXO snapshots (docs/PROTOCOL.md, "Chain requests"): taken at snapshot
// heights, served in chunks, installed by fast sync.

#include <algorithm>
#include <cstring>

#include "chain/store_impl.hpp"

namespace timecoin::chain {

namespace {

/// The most snapshots kept (docs/PROTOCOL.md, "Chain requests": the last two
/// snapshot heights).
constexpr std::size_t kept_snapshots = 2;

void delete_snapshot(store::impl& s, lmdb::txn& t, uint64_t height) {
  lmdb::cursor c{t, s.snaps};
  const auto first = enc::snap_entry(height, 0);
  for (bool ok = c.seek(first.data(), first.size());
       ok && c.key().size == enc::snap_entry_key_size
       && proto::be64(c.key().data) == height;
       ok = c.next())
    c.del();
  const auto mk = enc::snap_key(height);
  t.del(s.meta, mk.data(), mk.size());
}

void prune_snapshots(store::impl& s, lmdb::txn& t) {
  const auto heights = stored_snapshot_heights(s, t);
  for (std::size_t i = 0; i + kept_snapshots < heights.size(); ++i)
    delete_snapshot(s, t, heights[i]);
}

bool entry_less(const proto::utxo_entry& a, const proto::utxo_entry& b) {
  const int c = std::memcmp(a.txid.data(), b.txid.data(), a.txid.size());
  return c < 0 || (c == 0 && a.vout < b.vout);
}

} // namespace

std::vector<uint64_t> stored_snapshot_heights(const store::impl& s,
                                              const lmdb::txn& t) {
  std::vector<uint64_t> out;
  lmdb::cursor c{t, s.meta};
  const std::size_t plen = std::strlen(enc::meta_snap_prefix);
  for (bool ok = c.seek(enc::meta_snap_prefix, plen);
       ok && c.key().size >= plen
       && std::memcmp(c.key().data, enc::meta_snap_prefix, plen) == 0;
       ok = c.next())
    if (c.key().size == plen + enc::u64_size)
      out.push_back(proto::be64(c.key().data + plen));
  return out;
}

void drop_snapshots_above(store::impl& s, lmdb::txn& t, uint64_t height) {
  for (uint64_t h : stored_snapshot_heights(s, t))
    if (h > height)
      delete_snapshot(s, t, h);
}

void take_snapshot(store::impl& s, lmdb::txn& t, uint64_t height) {
  if (height > 0)
    drop_snapshots_above(s, t, height - 1);
  else
    delete_snapshot(s, t, 0);
  lmdb::cursor c{t, s.utxo};
  uint64_t index = 0;
  uint8_t element[enc::element_size];
  for (bool ok = c.first(); ok; ok = c.next()) {
    if (!enc::element_of_record(c.key(), c.value(), element))
      throw std::runtime_error("malformed UTXO record");
    const auto k = enc::snap_entry(height, index++);
    // Keys grow: every snapshot above `height` is gone, and the UTXO cursor
    // walks (txid, vout) order.
    t.put(s.snaps, k.data(), k.size(), element, sizeof(element), MDB_APPEND);
  }
  uint8_t count[enc::u64_size];
  proto::put_be64(count, index);
  const auto mk = enc::snap_key(height);
  t.put(s.meta, mk.data(), mk.size(), count, sizeof(count));
}

void maybe_snapshot(store::impl& s, lmdb::txn& t, uint64_t height,
                    uint64_t /*utxos*/) {
  // Genesis (height 0) is not a snapshot height: a node that has nothing
  // syncs from genesis anyway, and a snapshot there would be the genesis
  // outputs themselves.
  const uint64_t interval = s.params.snapshot_interval;
  if (interval == 0 || height == 0 || height % interval != 0)
    return;
  take_snapshot(s, t, height);
  prune_snapshots(s, t);
}

read_result<std::vector<uint64_t>> store::snapshot_heights() const {
  return read_in_txn(*impl_, "snapshot_heights", [&](const lmdb::txn& t) {
    return stored_snapshot_heights(*impl_, t);
  });
}

lookup<proto::utxo_chunk> store::snapshot_chunk(uint64_t height,
                                                uint32_t index) const {
  const std::string what = "snapshot_chunk " + std::to_string(height) + " "
                           + std::to_string(index);
  return read_in_txn(
    *impl_, what, [&](const lmdb::txn& t) -> std::optional<proto::utxo_chunk> {
      const auto mk = enc::snap_key(height);
      const auto v = t.get(impl_->meta, mk.data(), mk.size());
      if (!v)
        return std::nullopt;
      if (v->size != enc::u64_size)
        throw std::runtime_error("malformed snapshot count");
      const uint64_t n = proto::be64(v->data);
      const uint64_t per = proto::max_utxo_chunk_entries;
      const uint64_t total = std::max<uint64_t>(1, (n + per - 1) / per);
      if (index >= total || total > UINT32_MAX)
        return std::nullopt;
      proto::utxo_chunk out;
      out.height = height;
      out.index = index;
      out.total = static_cast<uint32_t>(total);
      const uint64_t first = uint64_t{index} * per;
      const uint64_t last = std::min(n, first + per);
      out.entries.reserve(last - first);
      lmdb::cursor c{t, impl_->snaps};
      const auto k = enc::snap_entry(height, first);
      for (bool ok = c.seek(k.data(), k.size());
           ok && out.entries.size() < last - first; ok = c.next()) {
        if (c.key().size != enc::snap_entry_key_size
            || proto::be64(c.key().data) != height)
          break;
        if (c.value().size != enc::element_size)
          throw std::runtime_error("malformed snapshot entry");
        out.entries.push_back(enc::entry_of_element(c.value().data));
      }
      if (out.entries.size() != last - first)
        throw std::runtime_error("the stored snapshot is incomplete");
      return out;
    });
}

result<void, chain_error>
store::install_snapshot(const std::vector<proto::signed_header>& headers,
                        const std::vector<proto::utxo_entry>& entries) {
  std::lock_guard<std::mutex> lock{impl_->write_mutex};
  if (headers.empty())
    return chain_error{reject_reason::bad_snapshot, 0, "no headers"};
  const uint64_t height = headers.back().header.height;
  try {
    lmdb::txn t{impl_->env.get(), false};
    chain_state st = load_state(*impl_, t);
    // Not the snapshot's fault: the local chain moved on meanwhile.
    if (st.height != 0)
      return chain_error{reject_reason::bad_height, height,
                         "the store is past genesis (tip "
                           + std::to_string(st.height) + ")"};
    if (impl_->params.snapshot_interval == 0
        || height % impl_->params.snapshot_interval != 0)
      return chain_error{reject_reason::bad_snapshot, height,
                         "height " + std::to_string(height)
                           + " is not a snapshot height"};
    auto ok = check_headers(impl_->params, impl_->params.genesis.header,
                            headers);
    if (!ok)
      return ok.error();
    proto::lthash16 lt;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i > 0 && !entry_less(entries[i - 1], entries[i]))
        return chain_error{reject_reason::bad_snapshot, height,
                           "entry " + std::to_string(i)
                             + " is not after the one before it"};
      lt.add(enc::element_of(entries[i]));
    }
    if (lt.digest() != headers.back().header.utxo_root)
      return chain_error{reject_reason::bad_snapshot, height,
                         "the entries do not hash to the utxo_root of header "
                           + std::to_string(height)};

    lmdb::check(mdb_drop(t.get(), impl_->utxo, 0), "mdb_drop");
    for (const auto& e : entries) {
      const auto o = enc::outpoint_of(e.txid, e.vout);
      const auto r = enc::encode_coin(coin{e.value, e.owner, e.height});
      t.put(impl_->utxo, o.data(), o.size(), r.data(), r.size(), MDB_APPEND);
    }
    for (const auto& sh : headers) {
      const auto& h = sh.header;
      const proto::hash256 hash = proto::block_hash(h);
      const auto key = enc::key_of(h.height);
      const auto rec = enc::encode_header_record(hash, h,
                                                 sh.producer_signature);
      t.put(impl_->headers, key.data(), key.size(), rec.data(), rec.size());
      t.put(impl_->hashes, hash.data(), hash.size(), key.data(), key.size());
      st.hash = hash;
    }
    st.height = height;
    st.base = height;
    st.utxos = entries.size();
    st.utxo_root = headers.back().header.utxo_root;
    st.timestamp = headers.back().header.timestamp;
    st.lthash = lt;
    take_snapshot(*impl_, t, height);
    prune_snapshots(*impl_, t);
    save_state(*impl_, t, st);
    t.commit();
    impl_->set_tip(st.tip());
    return {};
  } catch (const std::exception& e) {
    return storage_error(height, e);
  }
}

} // namespace timecoin::chain
