#include "actors/node_rng.hpp"

#include <sodium.h>

#include "security/node_key.hpp"

namespace timecoin {

namespace {

/// Separates these derivations from every other hash of a seed.
constexpr std::string_view derivation_label = "timecoin node_rng v1";

/// 32 bytes derived from `seed` and `purpose`: BLAKE2b over the label, the
/// seed (8 bytes, little-endian) and the purpose, each length-prefixed so
/// that no two (seed, purpose) pairs hash the same input.
std::array<uint8_t, crypto_generichash_BYTES> derive(uint64_t seed,
                                                     std::string_view purpose) {
  security::init_sodium();
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, crypto_generichash_BYTES);
  auto put = [&st](const void* data, std::size_t size) {
    uint8_t len[8];
    for (int i = 0; i < 8; ++i)
      len[i] = static_cast<uint8_t>(uint64_t{size} >> (8 * i));
    crypto_generichash_update(&st, len, sizeof len);
    crypto_generichash_update(&st, static_cast<const unsigned char*>(data),
                              size);
  };
  put(derivation_label.data(), derivation_label.size());
  uint8_t seed_le[8];
  for (int i = 0; i < 8; ++i)
    seed_le[i] = static_cast<uint8_t>(seed >> (8 * i));
  put(seed_le, sizeof seed_le);
  put(purpose.data(), purpose.size());
  std::array<uint8_t, crypto_generichash_BYTES> out{};
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

uint64_t load_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

} // namespace

std::mt19937_64 node_rng::stream(std::string_view purpose) const {
  if (!seed_)
    return std::mt19937_64{std::random_device{}()};
  auto d = derive(*seed_, purpose);
  return std::mt19937_64{load_le64(d.data())};
}

void node_rng::fill(std::string_view purpose, uint8_t* out,
                    std::size_t size) const {
  security::init_sodium();
  if (!seed_) {
    randombytes_buf(out, size);
    return;
  }
  // The derived 32 bytes seed libsodium's deterministic generator
  // (ChaCha20), so any length can be filled.
  static_assert(crypto_generichash_BYTES == randombytes_SEEDBYTES);
  auto d = derive(*seed_, purpose);
  randombytes_buf_deterministic(out, size, d.data());
}

uint64_t node_rng::number(std::string_view purpose) const {
  auto b = bytes<8>(purpose);
  return load_le64(b.data());
}

} // namespace timecoin
