#include "security/bloom.hpp"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "security/node_key.hpp"

namespace timecoin::security {

namespace {

static_assert(sizeof(bloom_key) == crypto_shorthash_KEYBYTES,
              "bloom_key is a SipHash-2-4 key");

/// Smallest bit array: one word.
constexpr std::size_t min_bits = 64;
/// Largest bit array: indices are derived from 32-bit halves of the SipHash
/// output, so at most 2^32 bits (512 MiB) can be addressed.
constexpr std::size_t max_bits = std::size_t{1} << 32;
/// More bits per id than this never lowers the false-positive rate of a
/// sensible configuration; it bounds the work per lookup.
constexpr unsigned max_hashes = 32;

constexpr double ln2 = 0.69314718055994530942;

std::size_t next_power_of_two(std::size_t x) {
  std::size_t p = 1;
  while (p < x)
    p <<= 1;
  return p;
}

double fp_formula(std::size_t bits, unsigned hashes, std::size_t ids) {
  double fill = -static_cast<double>(hashes) * static_cast<double>(ids)
                / static_cast<double>(bits);
  return std::pow(1.0 - std::exp(fill), hashes);
}

/// `x + d`, saturating at the largest int64 instead of overflowing (exact
/// for every input: computed in 128 bits).
int64_t saturating_add(int64_t x, uint64_t d) {
  __extension__ using wide = __int128;
  wide sum = static_cast<wide>(x) + static_cast<wide>(d);
  constexpr auto top = std::numeric_limits<int64_t>::max();
  return sum > top ? top : static_cast<int64_t>(sum);
}

/// Seconds from `since` to `now`, 0 if the clock went back; exact for any
/// int64 pair.
uint64_t elapsed(int64_t now, int64_t since) {
  return now <= since
           ? 0
           : static_cast<uint64_t>(now) - static_cast<uint64_t>(since);
}

uint64_t load_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

bloom_key random_key() {
  init_sodium();
  bloom_key key;
  randombytes_buf(key.data(), key.size());
  return key;
}

} // namespace

rotating_bloom::rotating_bloom(const bloom_params& p)
  : rotating_bloom(p, p.keyed ? random_key() : bloom_key{}) {}

rotating_bloom::rotating_bloom(const bloom_params& p, const bloom_key& key)
  : params_(p), key_(key) {
  if (p.capacity_per_generation == 0)
    throw std::invalid_argument("bloom: capacity_per_generation must be > 0");
  if (!(p.fp_rate > 0.0 && p.fp_rate < 1.0))
    throw std::invalid_argument("bloom: fp_rate must be in (0, 1)");
  if (p.max_age.count() <= 0)
    throw std::invalid_argument("bloom: max_age must be positive");
  if (p.grace.count() < 0)
    throw std::invalid_argument("bloom: grace must not be negative");
  if (p.max_generations < 2)
    throw std::invalid_argument("bloom: max_generations must be >= 2");
  max_age_ = static_cast<uint64_t>(p.max_age.count());
  grace_ = static_cast<uint64_t>(p.grace.count());
  init_sodium();
  // Standard sizing, m = -n ln p / (ln 2)^2, for half the target rate so
  // that a lookup against two full generations stays within `fp_rate`.
  // Rounding m up to a power of two turns the modulo into a mask and can only
  // lower the false-positive rate (at most doubling the memory).
  auto n = static_cast<double>(p.capacity_per_generation);
  double per_generation = p.fp_rate / 2;
  double m = std::ceil(-n * std::log(per_generation) / (ln2 * ln2));
  if (!(m <= static_cast<double>(max_bits)))
    throw std::invalid_argument("bloom: more than 2^32 bits per generation");
  bits_ = std::max(min_bits, next_power_of_two(static_cast<std::size_t>(m)));
  // k = m/n ln 2 for the rounded m; of its floor and ceiling, the one the
  // formula prefers (the smaller on a tie: fewer probes).
  double k = static_cast<double>(bits_) / n * ln2;
  auto lo = static_cast<unsigned>(
    std::clamp(std::floor(k), 1.0, double{max_hashes}));
  auto hi = std::min(lo + 1, max_hashes);
  hashes_ = fp_formula(bits_, hi, p.capacity_per_generation)
                < fp_formula(bits_, lo, p.capacity_per_generation)
              ? hi
              : lo;
  generations_.emplace_back();
  generations_.back().words.assign(bits_ / 64, 0);
}

rotating_bloom::probe
rotating_bloom::probe_for(const proto::hash256& id) const {
  // Double hashing (Kirsch and Mitzenmacher): index i = h1 + i·h2 mod m.
  // With m a power of two and h2 odd the k indices are distinct.
  if (!params_.keyed)
    return {load_le64(id.data()), load_le64(id.data() + 8) | 1};
  uint8_t out[crypto_shorthash_BYTES];
  crypto_shorthash(out, id.data(), id.size(), key_.data());
  uint64_t h = load_le64(out);
  return {h & 0xffffffffu, (h >> 32) | 1};
}

bool rotating_bloom::test(const generation& g, const probe& p) const {
  const uint64_t mask = bits_ - 1;
  uint64_t x = p.h1;
  for (unsigned i = 0; i < hashes_; ++i, x += p.h2) {
    uint64_t bit = x & mask;
    if ((g.words[bit >> 6] & (uint64_t{1} << (bit & 63))) == 0)
      return false;
  }
  return true;
}

void rotating_bloom::set(generation& g, const probe& p) {
  const uint64_t mask = bits_ - 1;
  uint64_t x = p.h1;
  for (unsigned i = 0; i < hashes_; ++i, x += p.h2) {
    uint64_t bit = x & mask;
    g.words[bit >> 6] |= uint64_t{1} << (bit & 63);
  }
}

bool rotating_bloom::contains(const proto::hash256& id) const {
  return contains(probe_for(id));
}

bool rotating_bloom::contains(const probe& p) const {
  // Newest first: a duplicate is most often a recent id.
  for (auto it = generations_.rbegin(); it != generations_.rend(); ++it)
    if (it->count > 0 && test(*it, p))
      return true;
  return false;
}

bool rotating_bloom::insert_if_new(const proto::hash256& id, int64_t timestamp,
                                   int64_t now) {
  tick(now);
  auto p = probe_for(id);
  if (contains(p)) {
    ++stats_.duplicates;
    return false;
  }
  if (generations_.back().count >= params_.capacity_per_generation) {
    ++stats_.count_rotations;
    open_generation(now);
  }
  auto& g = generations_.back();
  if (g.count == 0) {
    g.opened_at = now;
    g.expires_at = std::numeric_limits<int64_t>::min();
  }
  set(g, p);
  ++g.count;
  // A replay passes the timestamp check until the clock reaches T + max_age.
  // T beyond now + max_age would have failed that check; clamping keeps a
  // caller's mistake from pinning a generation far into the future.
  int64_t t = std::min(timestamp, saturating_add(now, max_age_));
  g.expires_at = std::max(g.expires_at, saturating_add(t, max_age_ + grace_));
  ++stats_.inserted;
  return true;
}

void rotating_bloom::tick(int64_t now) {
  const auto& open = generations_.back();
  if (open.count > 0 && elapsed(now, open.opened_at) >= max_age_) {
    ++stats_.time_rotations;
    open_generation(now);
  }
  drop_expired(now);
}

void rotating_bloom::open_generation(int64_t now) {
  drop_expired(now);
  generations_.emplace_back();
  generations_.back().words.assign(bits_ / 64, 0);
  // The memory cap: the generations dropped here still hold ids inside the
  // window (expired ones went above). Rate limiting keeps real traffic far
  // below this; the counter makes it visible when it is not.
  while (generations_.size() > params_.max_generations) {
    generations_.pop_front();
    ++stats_.evicted_live;
  }
}

void rotating_bloom::drop_expired(int64_t now) {
  // Expiries are not ordered by age (timestamps may lie up to max_age ahead),
  // so every closed generation is looked at; the open one never goes.
  auto before = generations_.size();
  auto closed_end = generations_.end() - 1;
  auto kept = std::remove_if(generations_.begin(), closed_end,
                             [now](const generation& g) {
                               return now > g.expires_at;
                             });
  generations_.erase(kept, closed_end);
  stats_.expired_dropped += before - generations_.size();
}

bloom_stats rotating_bloom::stats() const {
  auto s = stats_;
  s.generations = generations_.size();
  s.open_count = generations_.back().count;
  s.memory_bytes = generations_.size() * (bits_ / 8);
  return s;
}

double rotating_bloom::predicted_fp_rate(std::size_t ids) const {
  return fp_formula(bits_, hashes_, ids);
}

} // namespace timecoin::security
