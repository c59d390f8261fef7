#include "sim/random.hpp"

namespace timecoin::sim {

namespace {

uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

} // namespace

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  uint64_t state = stream;
  uint64_t mixed = seed ^ splitmix64(state);
  return splitmix64(mixed);
}

rng::rng(uint64_t seed) {
  uint64_t state = seed;
  for (auto& word : s_)
    word = splitmix64(state);
}

uint64_t rng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

uint64_t rng::below(uint64_t bound) {
  if (bound == 0)
    return 0;
  // Values under `threshold` would make some residues more likely than
  // others (2^64 is not a multiple of bound): draw again.
  const uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    uint64_t r = next();
    if (r >= threshold)
      return r % bound;
  }
}

int64_t rng::between(int64_t lo, int64_t hi) {
  if (hi <= lo)
    return lo;
  // The span as unsigned: hi − lo may exceed INT64_MAX.
  uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  uint64_t offset = span == UINT64_MAX ? next() : below(span + 1);
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + offset);
}

double rng::unit() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

} // namespace timecoin::sim
