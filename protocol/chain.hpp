#pragma once

// Chain structures of docs/PROTOCOL.md, "Chain data" and the hashes defined
// over them.

#include <array>
#include <cstdint>
#include <vector>

#include "protocol/types.hpp"

namespace timecoin::proto {

/// `[prev_txid, vout, signature]`.
struct tx_input {
  hash256 prev_txid{};
  uint32_t vout = 0;
  sig64 signature{};
};

/// `[value, owner]`: `owner` is the Ed25519 public key that may spend it.
struct tx_output {
  uint64_t value = 0;
  hash256 owner{};
};

/// `[version, inputs, outputs, lock_time]`. A coinbase has no inputs.
struct transaction {
  uint32_t version = 1;
  std::vector<tx_input> inputs;
  std::vector<tx_output> outputs;
  uint32_t lock_time = 0;
};

/// `[version, height, prev_hash, merkle_root, utxo_root, timestamp, producer]`.
struct block_header {
  uint32_t version = 1;
  uint64_t height = 0;
  hash256 prev_hash{};
  hash256 merkle_root{};
  hash256 utxo_root{};
  int64_t timestamp = 0;
  hash256 producer{};
};

/// `[header, producer_signature, transactions]`.
struct block {
  block_header header;
  sig64 producer_signature{};
  std::vector<transaction> transactions;
};

/// H(x): BLAKE2b-256, no key.
hash256 hash(const uint8_t* data, std::size_t size);
inline hash256 hash(const bytes& x) {
  return hash(x.data(), x.size());
}

/// `H(msgpack([version, [[prev_txid, vout], ...], outputs, lock_time]))`.
hash256 txid(const transaction& tx);
/// The bytes an input's owner signs: `"timecoin/1 tx" || txid`.
bytes tx_signing_bytes(const hash256& txid);

/// `H(msgpack(header))`.
hash256 block_hash(const block_header& header);
/// The bytes a producer signs: `"timecoin/1 block" || block hash`.
bytes block_signing_bytes(const hash256& block_hash);

/// Pairs left to right, `H(left || right)`, the last paired with itself on an
/// odd level; one id: that id; none: 32 zero bytes.
hash256 merkle_root(const std::vector<hash256>& txids);

/// Bytes of a UTXO element: `txid || vout u32 || value u64 || owner ||
/// height u64`.
constexpr std::size_t utxo_element_size = 32 + 4 + 8 + 32 + 8;

/// `txid || vout u32 || value u64 || owner || height u64`, big-endian.
bytes utxo_element(const hash256& txid, uint32_t vout, uint64_t value,
                   const hash256& owner, uint64_t height);

/// LtHash16: a multiset hash of 1024 u16 limbs. Adding and removing elements
/// commute; the digest does not depend on order.
class lthash16 {
public:
  static constexpr std::size_t limbs = 1024;

  /// Adds `element` (limb-wise, mod 2^16).
  void add(const bytes& element);
  /// Removes `element` (limb-wise subtraction, mod 2^16).
  void remove(const bytes& element);
  /// `H(the 2048 state bytes, limbs little-endian)`.
  hash256 digest() const;
  /// The 2048 state bytes, limbs little-endian.
  bytes state_bytes() const;
  /// Restores a state saved with `state_bytes()`; false if not 2048 bytes.
  bool load_state(const bytes& state);

  bool operator==(const lthash16& other) const {
    return state_ == other.state_;
  }

private:
  std::array<uint16_t, limbs> state_{};
};

} // namespace timecoin::proto
