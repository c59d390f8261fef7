#pragma once

// The source of a node's random choices (plain code, no CAF): the operating
// system's randomness for a real node, or one seed from which every choice
// is derived, so that a simulation is reproducible.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace timecoin {

/// Random streams and keys, one per purpose ("gossip fanout", "backoff",
/// ...). Unseeded, as every real node is: streams start from
/// `std::random_device` and keys are libsodium's random bytes, unpredictable
/// to peers. Seeded: each purpose gets its own stream and key derived from
/// the seed and the purpose's name (BLAKE2b), the same on every run and
/// independent of the other purposes'. A seeded node's keys are known to
/// whoever knows the seed: for simulations and tests only.
class node_rng {
public:
  /// Unseeded: from the operating system.
  node_rng() = default;
  /// Seeded with `seed`, or unseeded without one.
  explicit node_rng(std::optional<uint64_t> seed) : seed_(seed) {}

  /// True if every stream and key comes from a seed.
  bool seeded() const { return seed_.has_value(); }

  /// A generator for `purpose`. Each call starts the stream anew: a purpose
  /// that needs one stream asks once and keeps the generator.
  std::mt19937_64 stream(std::string_view purpose) const;

  /// Fills `out` with `size` secret bytes for `purpose` (a key, a salt).
  void fill(std::string_view purpose, uint8_t* out, std::size_t size) const;

  /// `N` secret bytes for `purpose`.
  template <std::size_t N>
  std::array<uint8_t, N> bytes(std::string_view purpose) const {
    std::array<uint8_t, N> out{};
    fill(purpose, out.data(), out.size());
    return out;
  }

  /// A secret 64-bit number for `purpose` (a hash salt).
  uint64_t number(std::string_view purpose) const;

private:
  std::optional<uint64_t> seed_;
};

} // namespace timecoin
