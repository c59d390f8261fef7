#pragma once

// The address book of the discovery actor (pure, no CAF): the addresses a
// node has heard of ("new") and those it has connected to ("tried"), in
// buckets chosen by a keyed hash of their network group and of the group of
// the peer that told us, so that one source cannot fill the book and an
// attacker cannot aim at a bucket (docs/PROTOCOL.md, "Addresses and
// discovery"; the model is Bitcoin Core's addrman).

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "actors/network_group.hpp"

namespace timecoin {

/// One address as the book keeps it.
struct book_address {
  std::string host; ///< IPv4 or IPv6 literal, canonical text form
  uint16_t port = 0;
  std::string node_id; ///< lowercase hex, empty if unknown
  uint32_t services = 0;
  int64_t last_seen = 0; ///< unix seconds: heard of, or connected to
  /// Attempts since the last success, and when the last one was made.
  uint32_t attempts = 0;
  int64_t last_try = 0;
  int64_t last_success = 0; ///< 0: never connected
  bool tried = false;       ///< in the tried table
  /// The discovery service said it is a masternode (a hint, never trusted).
  bool masternode_hint = false;

  /// "host:port", with brackets around an IPv6 host.
  std::string key() const;
};

/// The sizes of the book. The defaults hold 16,384 new and 4,096 tried
/// addresses; one source group reaches at most `new_buckets_per_source` new
/// buckets (512 addresses, 3 % of the table), and one (address group, source
/// group) pair exactly one bucket (64 addresses).
struct address_book_limits {
  uint32_t new_buckets = 256;
  uint32_t tried_buckets = 64;
  uint32_t bucket_size = 64;
  uint32_t new_buckets_per_source = 8;
  uint32_t tried_buckets_per_group = 8;
};

/// Addresses answered to GET_PEERS were seen within this many seconds.
constexpr int64_t address_answer_max_age = 3 * 3600;
/// A `last_seen` this far (10 min) ahead of the local clock is a lie or a
/// bad clock: such an address is not taken.
constexpr int64_t max_address_future_seconds = 10 * 60;
/// An address not seen for this long (30 days) is dropped when space is
/// needed, and not loaded from `peers.json`.
constexpr int64_t address_horizon = 30 * 24 * 3600;

/// Bytes of the secret key of the bucket hash (a BLAKE2b key).
constexpr std::size_t address_book_key_bytes = 32;

/// The new and tried tables. Not thread-safe: owned by the discovery actor.
class address_book {
public:
  /// `key`: the secret of the bucket hash (random per node, kept in
  /// `peers.json`); `local`: group local addresses per host and port (see
  /// `network_group`); `seed`: for the random choices (tests pass a fixed one).
  address_book(std::array<uint8_t, 32> key, bool local, uint64_t seed,
               address_book_limits limits = {});
  ~address_book();
  address_book(address_book&&) noexcept;
  address_book& operator=(address_book&&) noexcept;

  /// Adds `a` heard of from `source_host` (an IP literal; the node's own
  /// configuration passes an empty source and gets a group of its own), or
  /// refreshes its `last_seen` (never backwards), `services`, `node_id` (if
  /// given) and `masternode_hint` (only ever set). An address already tried
  /// stays tried. The address takes the first free slot of its bucket from
  /// the one its key hashes to; when the bucket is full of better addresses,
  /// `a` is dropped; a worse one (older than the horizon, or with many failed
  /// attempts) is replaced. Rejected: a host that is not an IP literal
  /// (IPv4-mapped IPv6 is kept as IPv4), port 0, a node id other than 64 hex
  /// digits, `last_seen` more than 10 minutes after `now`. The counters
  /// (attempts, last_try, last_success, tried) of `a` are ignored. True if
  /// the address is now in the book and was not before.
  bool add(const book_address& a, const std::string& source_host, int64_t now);

  /// A dial to `host:port` starts (counts an attempt).
  void attempt(const std::string& host, uint16_t port, int64_t now);

  /// A handshake with `host:port` completed: moves it to the tried table
  /// (adding it if unknown), evicting a tried address of the same slot back
  /// to the new table.
  void good(const std::string& host, uint16_t port, const std::string& node_id,
            uint32_t services, int64_t now);

  /// Removes an address (a wrong network, or the node itself).
  void remove(const std::string& host, uint16_t port);

  /// An address to dial: from the tried or the new table (half and half
  /// while both have entries, `new_only` for a feeler), never one for which
  /// `skip` is true (connected, in a group already used, just tried).
  /// Addresses with recent failed attempts are chosen less often.
  std::optional<book_address>
  select(bool new_only, const std::function<bool(const book_address&)>& skip,
         int64_t now);

  /// Up to `max` distinct addresses at random, seen within `max_age`
  /// seconds of `now` (for GET_PEERS and getnodeaddresses).
  std::vector<book_address> sample(std::size_t max, int64_t now,
                                   int64_t max_age) const;

  std::optional<book_address> find(const std::string& host,
                                   uint16_t port) const;
  std::size_t size() const;
  std::size_t new_count() const;
  std::size_t tried_count() const;
  /// Addresses of `group` (as `network_group` gives it) in the book.
  std::size_t count_group(const std::string& group) const;
  /// Every address, tried first (for persistence and tests).
  std::vector<book_address> all() const;

  /// The book as the JSON text of `peers.json`: version, key, and every
  /// address with its source group and table.
  std::string to_json() const;

  /// Reads `peers.json` text; an error message for a file that is not one
  /// (corrupt, truncated, another version). Entries older than the horizon
  /// or malformed are skipped; the others are placed again with the stored
  /// key, so buckets do not change across restarts.
  static std::optional<address_book> from_json(const std::string& text,
                                               bool local, uint64_t seed,
                                               std::string& err, int64_t now,
                                               address_book_limits limits = {});

  const std::array<uint8_t, 32>& key() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace timecoin
