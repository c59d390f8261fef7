#pragma once

// Deterministic random numbers for the simulator: the same seed gives the same
// draws on every run, compiler and standard library (the standard
// distributions are not specified bit for bit, so none is used here).

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace timecoin::sim {

/// One step of splitmix64: advances `state` and returns the next output.
/// Seeds the generator below and derives independent seeds.
uint64_t splitmix64(uint64_t& state);

/// A seed for the stream named `stream` of a run seeded with `seed`, so that
/// the topology, the latencies and each event draw from their own sequence:
/// adding draws to one does not change the others.
uint64_t derive_seed(uint64_t seed, uint64_t stream);

/// xoshiro256**: a small, fast generator with a 2^256 − 1 period.
class rng {
public:
  /// Seeds the four state words from splitmix64(seed), as the authors advise.
  explicit rng(uint64_t seed);

  /// The next 64 random bits.
  uint64_t next();

  /// A uniform integer in [0, bound), without modulo bias; 0 if `bound` is 0.
  uint64_t below(uint64_t bound);

  /// A uniform integer in [lo, hi] (inclusive); `lo` if `hi < lo`.
  int64_t between(int64_t lo, int64_t hi);

  /// A uniform double in [0, 1) with 53 random bits.
  double unit();

  /// Shuffles `items` in place (Fisher–Yates, from the back).
  template <class T>
  void shuffle(std::vector<T>& items) {
    for (std::size_t i = items.size(); i > 1; --i) {
      auto j = static_cast<std::size_t>(below(i));
      std::swap(items[i - 1], items[j]);
    }
  }

  /// `k` distinct items of `items` drawn uniformly, in draw order; all of
  /// them (shuffled) if `k >= items.size()`.
  template <class T>
  std::vector<T> sample(std::vector<T> items, std::size_t k) {
    if (k > items.size())
      k = items.size();
    // A partial Fisher–Yates from the front: the first k places are the draw.
    for (std::size_t i = 0; i < k; ++i) {
      auto j = i + static_cast<std::size_t>(below(items.size() - i));
      std::swap(items[i], items[j]);
    }
    items.resize(k);
    return items;
  }

private:
  uint64_t s_[4];
};

} // namespace timecoin::sim
