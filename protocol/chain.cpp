// Hashes over the chain structures of docs/PROTOCOL.md, "Chain data".

#include "protocol/chain.hpp"

#include <cstring>

#include <sodium.h>

#include "protocol/big_endian.hpp"
#include "protocol/codec_detail.hpp"

namespace timecoin::proto {

namespace {

/// Domain separation prefixes of the signed byte strings (docs/PROTOCOL.md,
/// "Chain data").
constexpr char tx_signing_prefix[] = "timecoin/1 tx";
constexpr char block_signing_prefix[] = "timecoin/1 block";

/// Bytes of the LtHash16 state and of the keystream added per element.
constexpr std::size_t lthash_bytes = lthash16::limbs * 2;

/// libsodium picks its fastest implementations (BLAKE2b, ChaCha20) in
/// `sodium_init`; without it the portable ones run. Idempotent, thread-safe.
void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  (void) ready;
}

bytes prefixed(const char* prefix, std::size_t prefix_size, const hash256& h) {
  bytes out;
  out.reserve(prefix_size + h.size());
  out.insert(out.end(), prefix, prefix + prefix_size);
  out.insert(out.end(), h.begin(), h.end());
  return out;
}

/// The 2048-byte ChaCha20 keystream of `element` (key `H(element)`, zero
/// nonce), as 1024 little-endian u16 limbs.
std::array<uint16_t, lthash16::limbs> limbs_of(const bytes& element) {
  ensure_sodium();
  const hash256 key = hash(element);
  static constexpr uint8_t nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = {};
  std::array<uint8_t, lthash_bytes> stream;
  crypto_stream_chacha20_ietf(stream.data(), stream.size(), nonce, key.data());
  std::array<uint16_t, lthash16::limbs> limbs;
  for (std::size_t i = 0; i < lthash16::limbs; ++i)
    limbs[i] = static_cast<uint16_t>(stream[2 * i]
                                     | (uint16_t{stream[2 * i + 1]} << 8));
  return limbs;
}

} // namespace

hash256 hash(const uint8_t* data, std::size_t size) {
  ensure_sodium();
  hash256 out;
  crypto_generichash(out.data(), out.size(), data, size, nullptr, 0);
  return out;
}

hash256 txid(const transaction& tx) {
  bytes preimage;
  preimage.reserve(64 + 48 * tx.inputs.size() + 48 * tx.outputs.size());
  detail::byte_sink sink{preimage};
  detail::packer pk{sink};
  detail::pack_unsigned_transaction(pk, tx);
  return hash(preimage);
}

bytes tx_signing_bytes(const hash256& txid) {
  return prefixed(tx_signing_prefix, sizeof(tx_signing_prefix) - 1, txid);
}

hash256 block_hash(const block_header& header) {
  bytes preimage;
  preimage.reserve(160);
  detail::byte_sink sink{preimage};
  detail::packer pk{sink};
  detail::pack_header(pk, header);
  return hash(preimage);
}

bytes block_signing_bytes(const hash256& block_hash) {
  return prefixed(block_signing_prefix, sizeof(block_signing_prefix) - 1,
                  block_hash);
}

hash256 merkle_root(const std::vector<hash256>& txids) {
  if (txids.empty())
    return hash256{};
  std::vector<hash256> level = txids;
  uint8_t pair[64];
  while (level.size() > 1) {
    std::size_t next = 0;
    for (std::size_t i = 0; i < level.size(); i += 2) {
      // On an odd level the last id is paired with itself.
      const hash256& right = i + 1 < level.size() ? level[i + 1] : level[i];
      std::memcpy(pair, level[i].data(), 32);
      std::memcpy(pair + 32, right.data(), 32);
      level[next++] = hash(pair, sizeof(pair));
    }
    level.resize(next);
  }
  return level.front();
}

bytes utxo_element(const hash256& txid, uint32_t vout, uint64_t value,
                   const hash256& owner, uint64_t height) {
  bytes e;
  e.reserve(utxo_element_size);
  e.insert(e.end(), txid.begin(), txid.end());
  append_be(e, vout);
  append_be(e, value);
  e.insert(e.end(), owner.begin(), owner.end());
  append_be(e, height);
  return e;
}

void lthash16::add(const bytes& element) {
  const auto limbs = limbs_of(element);
  for (std::size_t i = 0; i < limbs.size(); ++i)
    state_[i] = static_cast<uint16_t>(state_[i] + limbs[i]);
}

void lthash16::remove(const bytes& element) {
  const auto limbs = limbs_of(element);
  for (std::size_t i = 0; i < limbs.size(); ++i)
    state_[i] = static_cast<uint16_t>(state_[i] - limbs[i]);
}

hash256 lthash16::digest() const {
  return hash(state_bytes());
}

bytes lthash16::state_bytes() const {
  bytes out(lthash_bytes);
  for (std::size_t i = 0; i < limbs; ++i) {
    out[2 * i] = static_cast<uint8_t>(state_[i]);
    out[2 * i + 1] = static_cast<uint8_t>(state_[i] >> 8);
  }
  return out;
}

bool lthash16::load_state(const bytes& state) {
  if (state.size() != lthash_bytes)
    return false;
  for (std::size_t i = 0; i < limbs; ++i)
    state_[i] = static_cast<uint16_t>(state[2 * i]
                                      | (uint16_t{state[2 * i + 1]} << 8));
  return true;
}

} // namespace timecoin::proto
