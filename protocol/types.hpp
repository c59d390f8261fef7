#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace timecoin::proto {

/// An owned byte string (payloads, encodings).
using bytes = std::vector<uint8_t>;
/// A 32-byte value: BLAKE2b-256 hashes, Ed25519 public keys (node ids).
using hash256 = std::array<uint8_t, 32>;
/// An Ed25519 signature.
using sig64 = std::array<uint8_t, 64>;

/// Lowercase hex of any byte range.
std::string to_hex(const uint8_t* data, std::size_t size);
template <std::size_t N>
std::string to_hex(const std::array<uint8_t, N>& x) {
  return to_hex(x.data(), x.size());
}
inline std::string to_hex(const bytes& x) {
  return to_hex(x.data(), x.size());
}

/// Parses exactly `N` bytes of hex (either case); false on any other input.
bool from_hex(std::string_view hex, uint8_t* out, std::size_t n);
template <std::size_t N>
bool from_hex(std::string_view hex, std::array<uint8_t, N>& out) {
  return from_hex(hex, out.data(), N);
}

} // namespace timecoin::proto
