#pragma once

// The masternode list (pure, no CAF): kind-9 announcements checked against
// the chain state, as docs/PROTOCOL.md, "Masternodes" says. The discovery
// actor owns one; the registry, the rate limiter and the slot policy read
// the ids it publishes.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace timecoin {

/// Gossip kind of a masternode announcement.
constexpr uint16_t gossip_kind_masternode = 9;
/// Collateral of a masternode on every network: 1,000 TIME.
constexpr uint64_t masternode_collateral = 100'000'000'000ULL;
/// An entry expires this long after its newest announcement (65 minutes).
constexpr int64_t masternode_expiry_seconds = 65 * 60;
/// A masternode announces itself this often (20 minutes).
constexpr int64_t masternode_announce_seconds = 20 * 60;
/// MASTERNODES carries at most this many announcements (the codec's bound).
constexpr std::size_t max_masternodes_entries = proto::max_masternodes_entries;
/// The list holds at most this many masternodes; past it, announcements of
/// new ones are refused (`list_full`) until entries expire.
constexpr std::size_t max_masternode_list = 20000;

/// The payload of a kind-9 announcement:
/// `[node_id bin32, host str, port u16, collateral_txid bin32,
///   collateral_vout u32]`.
struct masternode_announcement {
  proto::hash256 node_id{};
  std::string host;
  uint16_t port = 0;
  proto::hash256 collateral_txid{};
  uint32_t collateral_vout = 0;
};

/// The payload's MessagePack bytes.
proto::bytes encode_announcement(const masternode_announcement& a);
/// The payload decoded; nullopt for anything else (wrong shape, sizes,
/// trailing bytes, a host that is not an IP literal, port 0). Never throws.
/// The five fields are required; array elements past them are ignored, as in
/// message bodies (fields are only ever appended).
std::optional<masternode_announcement>
decode_announcement(const proto::bytes& payload);

/// An unspent output, as the chain state reports it.
struct collateral_coin {
  uint64_t value = 0;
  proto::hash256 owner{};
};

/// Looks up an unspent output: nullopt if it does not exist or is spent.
using coin_lookup = std::function<std::optional<collateral_coin>(
  const proto::hash256& txid, uint32_t vout)>;

/// Why an announcement was taken or not. Not a wire value.
enum class announcement_verdict : uint8_t {
  accepted = 0,      ///< new entry, or a newer announcement of a listed one
  malformed = 1,     ///< the payload does not decode
  wrong_sender = 2,  ///< the envelope's sender is not the payload's node id
  bad_signature = 3, ///< the envelope's signature does not verify
  no_collateral = 4, ///< the output does not exist or is spent
  too_small = 5,     ///< the output holds less than `masternode_collateral`
  wrong_owner = 6,   ///< the output's owner is not the node id
  expired = 7,       ///< older than the expiry, or too far in the future
  not_newer = 8,     ///< not newer than the listed announcement (a replay)
  list_full = 9,     ///< `max_masternode_list` reached
};

/// "accepted", "wrong_owner", ...
const char* to_string(announcement_verdict v);

/// One listed masternode.
struct masternode_entry {
  masternode_announcement ann;
  proto::gossip envelope; ///< the newest announcement, as received
  int64_t announced = 0;  ///< its timestamp
  int64_t first_seen = 0; ///< when this node first listed it (local clock)
};

/// The list. Not thread-safe: owned by one actor.
class masternode_list {
public:
  /// `magic`: the network's, for the signature check.
  explicit masternode_list(uint32_t magic);

  /// Checks an announcement envelope and lists it if it passes. The checks,
  /// in order, each with the verdict it fails with: the kind is 9 and the
  /// payload decodes (`malformed`); `sender` equals `node_id`, an unsigned
  /// envelope never does (`wrong_sender`); the timestamp is neither older
  /// than the expiry nor more than `max_future` seconds ahead of `now`
  /// (`expired`); it is newer than the listed announcement of that node
  /// (`not_newer`); the signature verifies, if `check_signature` (the
  /// verifiers already checked gossip that came through them;
  /// `bad_signature`); `lookup` finds the collateral unspent
  /// (`no_collateral`), at least `masternode_collateral` (`too_small`), owned
  /// by the node id (`wrong_owner`); a node not listed yet finds room
  /// (`list_full`).
  announcement_verdict offer(const proto::gossip& envelope, int64_t now,
                             const coin_lookup& lookup, bool check_signature,
                             int64_t max_future = 300);

  /// Drops entries whose newest announcement is older than the expiry.
  /// Returns how many were dropped.
  std::size_t expire(int64_t now);
  /// The first second at which `expire` drops an entry: the oldest newest
  /// announcement's expiry; none for an empty list.
  std::optional<int64_t> next_expiry() const;

  /// Checks every entry's collateral again (after a new tip) and drops those
  /// spent or no longer valid. Returns how many were dropped.
  std::size_t recheck(const coin_lookup& lookup);

  bool contains(const std::string& node_id_hex) const;
  std::optional<masternode_entry> find(const std::string& node_id_hex) const;
  std::size_t size() const;
  /// The listed node ids (lowercase hex).
  std::vector<std::string> ids() const;
  /// The newest announcement of each entry, at most `max`, newest first (for
  /// MASTERNODES).
  std::vector<proto::gossip> announcements(std::size_t max) const;
  /// Every entry, by node id.
  const std::map<std::string, masternode_entry>& entries() const;

private:
  uint32_t magic_;
  std::map<std::string, masternode_entry> entries_;
};

} // namespace timecoin
