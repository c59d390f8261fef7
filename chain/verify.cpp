// store::verify(): recomputes what the store derives and compares.

#include <algorithm>
#include <cstring>

#include "chain/store_impl.hpp"

namespace timecoin::chain {

namespace {

/// Blocks whose undo data verify() insists on (the reorganisable ones).
constexpr uint64_t checked_undo_blocks = max_reorg_depth;

std::string at(uint64_t height) {
  return " at height " + std::to_string(height);
}

std::optional<std::string> verify_in(const store::impl& s, const lmdb::txn& t) {
  const chain_state st = load_state(s, t);

  // The UTXO set against the LtHash state, the count and the tip header.
  proto::lthash16 lt;
  uint64_t count = 0;
  {
    lmdb::cursor c{t, s.utxo};
    proto::bytes e(enc::element_size);
    for (bool ok = c.first(); ok; ok = c.next()) {
      if (!enc::element_of_record(c.key(), c.value(), e.data()))
        return std::string{"malformed UTXO record"};
      lt.add(e);
      ++count;
    }
  }
  if (!(lt == st.lthash))
    return std::string{"the UTXO set does not match the stored LtHash state"};
  if (lt.digest() != st.utxo_root)
    return "the UTXO set does not match the utxo_root of the tip"
           + at(st.height);
  if (count != st.utxos)
    return "the UTXO count is " + std::to_string(count) + ", stored "
           + std::to_string(st.utxos);

  // Headers: hash, index and linkage for every height; nothing above the tip.
  proto::hash256 prev{};
  for (uint64_t h = 0; h <= st.height; ++h) {
    const auto rec = read_header(s, t, h);
    if (!rec)
      return "no header" + at(h);
    if (proto::block_hash(rec->header.header) != rec->hash)
      return "the stored hash is not the header's" + at(h);
    if (h > 0 && rec->header.header.prev_hash != prev)
      return "prev_hash does not link" + at(h);
    const auto idx = t.get(s.hashes, rec->hash.data(), rec->hash.size());
    if (!idx || idx->size != enc::u64_size || proto::be64(idx->data) != h)
      return "the hash index does not point back" + at(h);
    prev = rec->hash;
  }
  if (read_header(s, t, st.height + 1))
    return "a header above the tip" + at(st.height + 1);
  if (prev != st.hash)
    return std::string{"the tip hash is not the last header's"};

  // Blocks from the base (genesis is kept after a fast sync, the block at
  // the snapshot height is never known) to the tip.
  const uint64_t first_block = st.base == 0 ? 0 : st.base + 1;
  for (uint64_t h = first_block; h <= st.height; ++h) {
    const auto k = enc::key_of(h);
    if (!t.get(s.blocks, k.data(), k.size()))
      return "no block" + at(h);
  }
  const uint64_t undo_blocks = std::min(checked_undo_blocks,
                                        st.height - st.base);
  for (uint64_t h = st.height - undo_blocks + 1; h <= st.height; ++h) {
    const auto k = enc::key_of(h);
    const auto u = t.get(s.undo, k.data(), k.size());
    if (!u || u->size % enc::element_size != 0)
      return "no undo data" + at(h);
  }
  for (uint64_t h : stored_snapshot_heights(s, t))
    if (h > st.height)
      return "a snapshot above the tip" + at(h);
  return std::nullopt;
}

} // namespace

std::optional<std::string> store::verify() const {
  try {
    const lmdb::txn t = begin_read(*impl_);
    return verify_in(*impl_, t);
  } catch (const std::exception& e) {
    return std::string{"storage: "} + e.what();
  }
}

} // namespace timecoin::chain
