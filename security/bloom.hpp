#pragma once

// The gossip dedup filter (docs/PROTOCOL.md, "Gossip", "an id it has already
// seen"): a rotating Bloom filter over 32-byte message ids. Plain class, no
// clock of its own: the caller passes the time, so tests are deterministic.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "protocol/types.hpp"

namespace timecoin::security {

/// Ids each generation is sized for: a generation is closed when it holds
/// this many: 100,000 ids, 100 s of gossip at 1,000 messages a second
/// before a generation turns over.
constexpr std::size_t bloom_default_capacity = 100'000;
/// Target false-positive rate of a lookup against two full generations (the
/// steady state). Each generation is sized for half of it.
constexpr double bloom_default_fp_rate = 1e-4;
/// Hard cap on generations alive at once: 64 × 256 KiB = 16 MiB with the
/// defaults, 6.4 million ids. A flood keeps generations that are still
/// inside the replay window; this bounds it. 6.4 million ids in a 300 s
/// window is 21,000 new verified ids/s, more than one core verifies
/// (docs/SECURITY.md, "Deduplication").
constexpr std::size_t bloom_default_max_generations = 64;
/// Generations are kept this long after the last second at which the
/// timestamp check accepts a replay of their ids. It covers the time an
/// envelope spends between its timestamp check (in a verifier) and the
/// filter (in the registry), and small backward steps of the clock.
constexpr std::chrono::seconds bloom_default_grace{60};
/// Key of the per-filter SipHash that spreads ids over the bits.
using bloom_key = std::array<uint8_t, 16>;

/// How a `rotating_bloom` is sized and when it forgets.
struct bloom_params {
  /// Ids per generation before it is closed (rotation on count).
  std::size_t capacity_per_generation = bloom_default_capacity;
  /// Target false-positive rate with two full generations, in (0, 1).
  double fp_rate = bloom_default_fp_rate;
  /// `message_max_age_seconds`: an envelope is accepted while its timestamp
  /// is within this of the clock (docs/PROTOCOL.md, "Gossip"), and remembered
  /// at least that long. Also the longest a generation stays open (rotation on
  /// time).
  std::chrono::seconds max_age{300};
  /// At most this many generations (at least 2); beyond, the oldest is
  /// dropped even if still inside the window (`evicted_live` counts it).
  std::size_t max_generations = bloom_default_max_generations;
  /// Extra time a generation is kept past its window (not negative).
  std::chrono::seconds grace = bloom_default_grace;
  /// Spread ids over the bits with a keyed hash (SipHash-2-4, random key per
  /// filter) so that nobody can grind ids that aim at chosen bits. False:
  /// use the id's own bytes (it is already a hash), for benchmarks.
  bool keyed = true;
};

/// Counters and sizes, for metrics and tests.
struct bloom_stats {
  std::size_t generations = 0;  ///< alive, the open one included
  std::size_t open_count = 0;   ///< ids in the open generation
  std::size_t memory_bytes = 0; ///< bit arrays alive
  uint64_t inserted = 0;        ///< new ids recorded
  uint64_t duplicates = 0;      ///< `insert_if_new` calls that found the id
  uint64_t count_rotations = 0; ///< generations closed because full
  uint64_t time_rotations = 0;  ///< generations closed because old
  uint64_t expired_dropped = 0; ///< generations dropped, all ids stale
  uint64_t evicted_live = 0;    ///< generations dropped at the cap early
};

/// A rotating Bloom filter of message ids with this promise: an id recorded
/// with timestamp `T` at time `now` is found by every later lookup while the
/// clock is at most `min(T, now + max_age) + max_age` (plus `grace`), the
/// last second at which the timestamp check of docs/PROTOCOL.md, "Gossip",
/// still accepts a replay of it. A replay inside the window is therefore never
/// delivered twice, and one outside it fails the timestamp check. The one
/// exception is the memory cap: past `max_generations`, the oldest generation
/// goes early and `evicted_live` counts it. Ids are never missed otherwise (no
/// false negatives); an id never recorded is reported seen with probability at
/// most about `fp_rate` while two generations are alive, more under a flood
/// (docs/SECURITY.md).
///
/// Ids go into the open generation. It is closed when it holds
/// `capacity_per_generation` ids or its first id came `max_age` ago. A
/// closed generation is dropped once every id in it is outside the window
/// (not at a fixed count), so a flood keeps extra generations rather than
/// forgetting young ids; quiet traffic keeps two or three.
///
/// Time is Unix seconds, the clock the timestamp check uses, so that both
/// agree on when an id leaves the window. A clock that steps back keeps
/// generations longer (safe); one that steps forward makes ids stale for
/// both at once.
///
/// Not thread-safe: one owner (the registry) calls it.
class rotating_bloom {
public:
  using params = bloom_params;

  /// A filter with a random SipHash key (if `params.keyed`). Throws
  /// `std::invalid_argument` if a parameter is out of range (capacity 0,
  /// fp_rate outside (0, 1), max_age not positive, negative grace, fewer than
  /// 2 generations).
  explicit rotating_bloom(const bloom_params& p);
  /// As above with the given key: deterministic, for tests.
  rotating_bloom(const bloom_params& p, const bloom_key& key);

  /// Records `id` of an envelope with timestamp `timestamp`, at time `now`
  /// (both Unix seconds; `now` should be the time its timestamp check used).
  /// True if it was new (deliver it), false if it was already there (a
  /// duplicate, or a false positive). Drops expired generations first.
  bool insert_if_new(const proto::hash256& id, int64_t timestamp, int64_t now);
  /// True if `id` was recorded and not yet forgotten (or a false positive).
  bool contains(const proto::hash256& id) const;
  /// Closes the open generation if its first id came `max_age` ago, and
  /// drops generations whose ids are all outside the window. Called by
  /// `insert_if_new`; call it from a timer too so memory is released when
  /// gossip is quiet.
  void tick(int64_t now);

  bloom_stats stats() const;
  /// Bits per generation (a power of two).
  std::size_t bits_per_generation() const { return bits_; }
  /// Bits set per id.
  unsigned hash_count() const { return hashes_; }
  /// The false-positive rate the formula predicts for one generation holding
  /// `ids` ids: `(1 - e^(-k·ids/m))^k`.
  double predicted_fp_rate(std::size_t ids) const;
  const bloom_params& parameters() const { return params_; }

private:
  struct generation {
    std::vector<uint64_t> words;
    std::size_t count = 0;
    int64_t opened_at = 0;
    /// The last second at which a replay of one of its ids passes the
    /// timestamp check, plus the grace; dropped after it.
    int64_t expires_at = 0;
  };
  /// The two values the bit indices are derived from.
  struct probe {
    uint64_t h1;
    uint64_t h2; ///< odd, so the k indices are distinct
  };

  probe probe_for(const proto::hash256& id) const;
  bool contains(const probe& p) const;
  bool test(const generation& g, const probe& p) const;
  void set(generation& g, const probe& p);
  void open_generation(int64_t now);
  void drop_expired(int64_t now);

  bloom_params params_;
  uint64_t max_age_ = 0; ///< seconds
  uint64_t grace_ = 0;   ///< seconds
  bloom_key key_{};
  std::size_t bits_ = 0;
  unsigned hashes_ = 0;
  /// Oldest first; the back one is open. Never empty.
  std::deque<generation> generations_;
  bloom_stats stats_;
};

} // namespace timecoin::security
