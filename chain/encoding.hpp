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
#include "protocol/chain.hpp"
#include "protocol/messages.hpp"

namespace timecoin::chain::enc {

inline void put_be64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8)
    p[i] = static_cast<uint8_t>(v);
}
inline void put_be32(uint8_t* p, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8)
    p[i] = static_cast<uint8_t>(v);
}
inline uint64_t be64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = (v << 8) | p[i];
  return v;
}
inline uint32_t be32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v = (v << 8) | p[i];
  return v;
}

using height_key = std::array<uint8_t, 8>;
inline height_key key_of(uint64_t height) {
  height_key k;
  put_be64(k.data(), height);
  return k;
}

/// `txid || vout BE`: the UTXO key; byte order is (txid, vout) order.
using outpoint = std::array<uint8_t, 36>;
inline outpoint outpoint_of(const proto::hash256& txid, uint32_t vout) {
  outpoint o;
  std::memcpy(o.data(), txid.data(), 32);
  put_be32(o.data() + 32, vout);
  return o;
}

/// Hashes an outpoint for unordered containers (txids are uniform already).
struct outpoint_hash {
  std::size_t operator()(const outpoint& o) const {
    uint64_t a;
    std::memcpy(&a, o.data(), 8);
    return static_cast<std::size_t>(
        a ^ (uint64_t{be32(o.data() + 32)} * 0x9E3779B97F4A7C15ULL));
  }
};

/// `value u64 BE || owner || height u64 BE`.
constexpr std::size_t coin_size = 48;
using coin_record = std::array<uint8_t, coin_size>;
inline coin_record encode_coin(const coin& c) {
  coin_record r;
  put_be64(r.data(), c.value);
  std::memcpy(r.data() + 8, c.owner.data(), 32);
  put_be64(r.data() + 40, c.height);
  return r;
}
inline std::optional<coin> decode_coin(lmdb::span s) {
  if (s.size != coin_size)
    return std::nullopt;
  coin c;
  c.value = be64(s.data);
  std::memcpy(c.owner.data(), s.data + 8, 32);
  c.height = be64(s.data + 40);
  return c;
}

/// The utxo element of §7 (`txid || vout || value || owner || height`), also
/// the layout of undo and snapshot records.
constexpr std::size_t element_size = 84;
inline proto::bytes element_of(const outpoint& o, const coin& c) {
  proto::bytes e(element_size);
  std::memcpy(e.data(), o.data(), 36);
  const auto r = encode_coin(c);
  std::memcpy(e.data() + 36, r.data(), coin_size);
  return e;
}
inline proto::utxo_entry entry_of_element(const uint8_t* p) {
  proto::utxo_entry e;
  std::memcpy(e.txid.data(), p, 32);
  e.vout = be32(p + 32);
  e.value = be64(p + 36);
  std::memcpy(e.owner.data(), p + 44, 32);
  e.height = be64(p + 76);
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
  put_be32(p + 32, h.version);
  put_be64(p + 36, h.height);
  std::memcpy(p + 44, h.prev_hash.data(), 32);
  std::memcpy(p + 76, h.merkle_root.data(), 32);
  std::memcpy(p + 108, h.utxo_root.data(), 32);
  put_be64(p + 140, static_cast<uint64_t>(h.timestamp));
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
  h.version = be32(p + 32);
  h.height = be64(p + 36);
  std::memcpy(h.prev_hash.data(), p + 44, 32);
  std::memcpy(h.merkle_root.data(), p + 76, 32);
  std::memcpy(h.utxo_root.data(), p + 108, 32);
  h.timestamp = static_cast<int64_t>(be64(p + 140));
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

using snap_meta_key = std::array<uint8_t, 12>;
inline snap_meta_key snap_key(uint64_t height) {
  snap_meta_key k;
  std::memcpy(k.data(), meta_snap_prefix, 4);
  put_be64(k.data() + 4, height);
  return k;
}

using snap_entry_key = std::array<uint8_t, 16>;
inline snap_entry_key snap_entry(uint64_t height, uint64_t index) {
  snap_entry_key k;
  put_be64(k.data(), height);
  put_be64(k.data() + 8, index);
  return k;
}

} // namespace timecoin::chain::enc
