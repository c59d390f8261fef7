#pragma once

// Internal to chain/: the byte layouts of the store's keys and values.
//
//   blocks   height u64 BE -> encode_block(block)
//   headers  height u64 BE -> header record (below)
//   hashes   block hash    -> height u64 BE
//   utxo     txid || vout u32 BE -> coin record (below)
//   undo     height u64 BE -> the coins the block spent, as utxo elements
//   snaps    height u64 BE || index u64 BE -> utxo element (index: rank in
//            (txid, vout) order, so chunk i starts at index i * 10,000)
//   meta     names below; "snap" || height u64 BE -> entry count u64 BE
//
// Fixed-size binary records: decoding them is a few loads, and a record of
// the wrong size is malformed stored data, reported, never trusted.

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>

#include "chain/lmdb.hpp"
#include "chain/store.hpp"
#include "protocol/big_endian.hpp"
#include "protocol/chain.hpp"
#include "protocol/messages.hpp"

namespace timecoin::chain::enc {

/// Bytes of a u64 stored big-endian (heights, counts, indexes).
constexpr std::size_t u64_size = sizeof(uint64_t);

using height_key = std::array<uint8_t, u64_size>;
inline height_key key_of(uint64_t height) {
  height_key k;
  proto::put_be64(k.data(), height);
  return k;
}

/// Bytes of an outpoint: a txid and a u32 vout.
constexpr std::size_t outpoint_size = sizeof(proto::hash256) + sizeof(uint32_t);
/// `txid || vout BE`: the UTXO key; byte order is (txid, vout) order.
using outpoint = std::array<uint8_t, outpoint_size>;
inline outpoint outpoint_of(const proto::hash256& txid, uint32_t vout) {
  outpoint o;
  std::memcpy(o.data(), txid.data(), txid.size());
  proto::put_be32(o.data() + txid.size(), vout);
  return o;
}

/// Hashes an outpoint for unordered containers (txids are uniform already).
struct outpoint_hash {
  std::size_t operator()(const outpoint& o) const {
    uint64_t a;
    std::memcpy(&a, o.data(), sizeof a);
    const uint64_t vout = proto::be32(o.data() + sizeof(proto::hash256));
    return static_cast<std::size_t>(a ^ (vout * 0x9E3779B97F4A7C15ULL));
  }
};

/// Where the owner starts in a coin record, after the value.
constexpr std::size_t coin_owner_offset = u64_size;
/// Where the height starts in a coin record, after the owner.
constexpr std::size_t coin_height_offset = coin_owner_offset
                                           + sizeof(proto::hash256);
/// `value u64 BE || owner || height u64 BE`.
constexpr std::size_t coin_size = coin_height_offset + u64_size;
using coin_record = std::array<uint8_t, coin_size>;
inline coin_record encode_coin(const coin& c) {
  coin_record r;
  proto::put_be64(r.data(), c.value);
  std::memcpy(r.data() + coin_owner_offset, c.owner.data(), c.owner.size());
  proto::put_be64(r.data() + coin_height_offset, c.height);
  return r;
}
inline std::optional<coin> decode_coin(lmdb::span s) {
  if (s.size != coin_size)
    return std::nullopt;
  coin c;
  c.value = proto::be64(s.data);
  std::memcpy(c.owner.data(), s.data + coin_owner_offset, c.owner.size());
  c.height = proto::be64(s.data + coin_height_offset);
  return c;
}

/// The utxo element of docs/PROTOCOL.md, "Chain data" (`txid || vout || value
/// || owner || height`), also the layout of undo and snapshot records.
constexpr std::size_t element_size = proto::utxo_element_size;
static_assert(element_size == outpoint_size + coin_size,
              "a utxo element is an outpoint and a coin record");
inline proto::bytes element_of(const outpoint& o, const coin& c) {
  proto::bytes e(element_size);
  std::memcpy(e.data(), o.data(), outpoint_size);
  const auto r = encode_coin(c);
  std::memcpy(e.data() + outpoint_size, r.data(), coin_size);
  return e;
}
/// Writes the utxo element of a stored UTXO record (key and value) to
/// `out[0, element_size)`; false, writing nothing, if the record is malformed.
inline bool element_of_record(lmdb::span key, lmdb::span value, uint8_t* out) {
  if (key.size != outpoint_size || value.size != coin_size)
    return false;
  std::memcpy(out, key.data, outpoint_size);
  std::memcpy(out + outpoint_size, value.data, coin_size);
  return true;
}
inline proto::utxo_entry entry_of_element(const uint8_t* p) {
  proto::utxo_entry e;
  // An outpoint, then a coin record.
  std::memcpy(e.txid.data(), p, e.txid.size());
  e.vout = proto::be32(p + e.txid.size());
  const uint8_t* rec = p + outpoint_size;
  e.value = proto::be64(rec);
  std::memcpy(e.owner.data(), rec + coin_owner_offset, e.owner.size());
  e.height = proto::be64(rec + coin_height_offset);
  return e;
}
inline proto::bytes element_of(const proto::utxo_entry& e) {
  return proto::utxo_element(e.txid, e.vout, e.value, e.owner, e.height);
}

/// Header record: `hash || version u32 || height u64 || prev_hash ||
/// merkle_root || utxo_root || timestamp i64 || producer || signature`.
constexpr std::size_t header_record_size = 32 + 4 + 8 + 32 * 3 + 8 + 32 + 64;
using header_record = std::array<uint8_t, header_record_size>;
inline header_record encode_header_record(const proto::hash256& hash,
                                          const proto::block_header& h,
                                          const proto::sig64& sig) {
  header_record r;
  uint8_t* p = r.data();
  std::memcpy(p, hash.data(), 32);
  proto::put_be32(p + 32, h.version);
  proto::put_be64(p + 36, h.height);
  std::memcpy(p + 44, h.prev_hash.data(), 32);
  std::memcpy(p + 76, h.merkle_root.data(), 32);
  std::memcpy(p + 108, h.utxo_root.data(), 32);
  proto::put_be64(p + 140, static_cast<uint64_t>(h.timestamp));
  std::memcpy(p + 148, h.producer.data(), 32);
  std::memcpy(p + 180, sig.data(), 64);
  return r;
}
/// A decoded header record: the stored hash and the signed header.
struct stored_header {
  proto::hash256 hash{};
  proto::signed_header header;
};
inline std::optional<stored_header> decode_header_record(lmdb::span s) {
  if (s.size != header_record_size)
    return std::nullopt;
  const uint8_t* p = s.data;
  stored_header out;
  proto::block_header& h = out.header.header;
  std::memcpy(out.hash.data(), p, 32);
  h.version = proto::be32(p + 32);
  h.height = proto::be64(p + 36);
  std::memcpy(h.prev_hash.data(), p + 44, 32);
  std::memcpy(h.merkle_root.data(), p + 76, 32);
  std::memcpy(h.utxo_root.data(), p + 108, 32);
  h.timestamp = static_cast<int64_t>(proto::be64(p + 140));
  std::memcpy(h.producer.data(), p + 148, 32);
  std::memcpy(out.header.producer_signature.data(), p + 180, 64);
  return out;
}

// Meta keys.
constexpr char meta_genesis[] = "genesis";  ///< genesis block hash
constexpr char meta_tip[] = "tip";          ///< tip height u64 BE
constexpr char meta_base[] = "base";        ///< base height u64 BE
constexpr char meta_lthash[] = "lthash";    ///< 2048 state bytes
constexpr char meta_utxos[] = "utxos";      ///< UTXO count u64 BE
constexpr char meta_snap_prefix[] = "snap"; ///< || height BE -> count

/// Bytes of `meta_snap_prefix` (without its NUL).
constexpr std::size_t snap_prefix_size = sizeof(meta_snap_prefix) - 1;
using snap_meta_key = std::array<uint8_t, snap_prefix_size + u64_size>;
inline snap_meta_key snap_key(uint64_t height) {
  snap_meta_key k;
  std::memcpy(k.data(), meta_snap_prefix, snap_prefix_size);
  proto::put_be64(k.data() + snap_prefix_size, height);
  return k;
}

/// Bytes of a snapshot entry key: height and index.
constexpr std::size_t snap_entry_key_size = 2 * u64_size;
using snap_entry_key = std::array<uint8_t, snap_entry_key_size>;
inline snap_entry_key snap_entry(uint64_t height, uint64_t index) {
  snap_entry_key k;
  proto::put_be64(k.data(), height);
  proto::put_be64(k.data() + u64_size, index);
  return k;
}

} // namespace timecoin::chain::enc
