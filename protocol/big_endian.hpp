#pragma once

// Fixed-width big-endian integers: the layout of every integer outside
// msgpack (frame lengths, the signed bytes of gossip, UTXO elements, the
// store's keys and records); docs/PROTOCOL.md, "Notation".

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "protocol/types.hpp"

namespace timecoin::proto {

/// Writes `v` to `p[0, sizeof(T))`, most significant byte first. Signed
/// values are converted to their unsigned type first: the conversion is exact
/// modulo 2^n, which is the two's complement bit pattern.
template <class T>
constexpr void put_be(uint8_t* p, T v) {
  static_assert(std::is_unsigned_v<T>, "convert signed values first");
  for (std::size_t i = 0; i < sizeof(T); ++i)
    p[i] = static_cast<uint8_t>(v >> (8 * (sizeof(T) - 1 - i)));
}

/// Reads a `T` written by `put_be` from `p[0, sizeof(T))`.
template <class T>
constexpr T get_be(const uint8_t* p) {
  static_assert(std::is_unsigned_v<T>, "convert to signed afterwards");
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    v = static_cast<T>((v << 8) | p[i]);
  return v;
}

/// Appends `v` to `out` as `put_be` writes it.
template <class T>
void append_be(bytes& out, T v) {
  uint8_t buf[sizeof(T)];
  put_be(buf, v);
  out.insert(out.end(), buf, buf + sizeof(T));
}

/// `put_be` of a u16: 2 bytes.
constexpr void put_be16(uint8_t* p, uint16_t v) {
  put_be(p, v);
}
/// `put_be` of a u32: 4 bytes.
constexpr void put_be32(uint8_t* p, uint32_t v) {
  put_be(p, v);
}
/// `put_be` of a u64: 8 bytes.
constexpr void put_be64(uint8_t* p, uint64_t v) {
  put_be(p, v);
}
/// `get_be` of a u32: 4 bytes.
constexpr uint32_t be32(const uint8_t* p) {
  return get_be<uint32_t>(p);
}
/// `get_be` of a u64: 8 bytes.
constexpr uint64_t be64(const uint8_t* p) {
  return get_be<uint64_t>(p);
}

} // namespace timecoin::proto
