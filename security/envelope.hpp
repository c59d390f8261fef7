#pragma once

// Signed gossip envelopes (docs/PROTOCOL.md, "Gossip"): the bytes a sender
// signs, the message id, and the receiver's checks in the contract's order.
// Plain functions, no actors: workers verify, the registry deduplicates.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/messages.hpp"
#include "security/node_key.hpp"

namespace timecoin::security {

class rotating_bloom;

/// Domain separation of gossip signatures: 14 ASCII bytes, no terminating
/// zero, so that a gossip signature can never be replayed as a transaction
/// ("timecoin/1 tx") or block ("timecoin/1 block") signature.
constexpr std::string_view gossip_signing_prefix = "timecoin/1 msg";
/// `sender` of a signed envelope: an Ed25519 public key.
constexpr std::size_t gossip_sender_bytes = 32;
/// `signature` of a signed envelope: an Ed25519 signature.
constexpr std::size_t gossip_signature_bytes = 64;
/// Bytes signed besides the payload: prefix, magic u32, kind u16, i64.
constexpr std::size_t gossip_signing_header_bytes = gossip_signing_prefix.size()
                                                    + 4 + 2 + 8;

/// Appends the signed bytes `"timecoin/1 msg" || magic u32 BE || kind u16 BE
/// || timestamp i64 BE (two's complement) || payload` to `out`. Allocates
/// only if `out` lacks the capacity.
void append_gossip_signing_bytes(bytes& out, uint32_t magic, uint16_t kind,
                                 int64_t timestamp, const uint8_t* payload,
                                 std::size_t payload_size);

/// The bytes a gossip sender signs (see `append_gossip_signing_bytes`).
bytes gossip_signing_bytes(uint32_t magic, uint16_t kind, int64_t timestamp,
                           const bytes& payload);

/// A GOSSIP envelope. With a key: `sender` is its public key and `signature`
/// its Ed25519 signature over `gossip_signing_bytes`. With `key_or_null`
/// null: an unsigned envelope (`sender` and `signature` empty), for networks
/// with `enable_message_signing=false`.
proto::gossip make_gossip(const node_key* key_or_null, uint32_t magic,
                          uint16_t kind, int64_t timestamp, bytes payload);

/// The message id `H(kind u16 BE || timestamp i64 BE || sender || payload)`
/// (BLAKE2b-256, streamed: no copy of the payload). The signature is not part
/// of it, so that a re-signed or malleated copy is still a duplicate.
hash256 message_id(const proto::gossip& msg);

/// What a receiver does with a GOSSIP envelope. Not a wire value; the
/// numbers are fixed for logs and metrics.
enum class gossip_verdict : uint8_t {
  accept = 0,            ///< deliver to local subscribers and relay
  stale = 1,             ///< timestamp too far in the past: drop silently
  future = 2,            ///< timestamp too far in the future: drop silently
  bad_signature = 3,     ///< signature missing in part or wrong: violation
  unsigned_rejected = 4, ///< no sender and no signature on a signing network
  duplicate = 5,         ///< id already seen: drop silently
};

/// The verdict's name, for logs ("accept", "bad_signature", ...).
const char* to_string(gossip_verdict verdict);

/// True for the verdicts charged to the peer as a violation (docs/PROTOCOL.md,
/// "Violations and bans"): `bad_signature` and `unsigned_rejected`.
bool is_violation(gossip_verdict verdict);

/// First check of docs/PROTOCOL.md, "Gossip": `accept` if `msg.timestamp` is
/// within `max_age_seconds` of `now` (both in Unix seconds) in either
/// direction, inclusive; `stale` if it is older, `future` if it is newer. Exact
/// for every int64 input (no overflow).
gossip_verdict check_timestamp(const proto::gossip& msg, int64_t now,
                               uint32_t max_age_seconds);

/// True if the envelope carries a sender or a signature (either non-empty).
bool is_signed(const proto::gossip& msg);

/// True if `sender` is 32 bytes, `signature` 64 bytes, and the signature is
/// `sender`'s Ed25519 signature over `gossip_signing_bytes(magic, ...)`.
/// The signed bytes are built in a per-thread buffer that is reused, so a
/// verification does not allocate (payloads over 64 KiB excepted).
bool verify_signature(uint32_t magic, const proto::gossip& msg);

/// The receiver's settings for gossip, from the node's configuration.
struct gossip_rules {
  uint32_t magic = 0; ///< the network's magic (docs/PROTOCOL.md, "Networks")
  uint32_t max_age_seconds = 300; ///< `message_max_age_seconds`
  bool signing_enabled = true;    ///< `enable_message_signing`
};

/// The first two checks of docs/PROTOCOL.md, "Gossip", in order: the timestamp,
/// then the signature. With signing enabled, an envelope without sender and
/// signature is `unsigned_rejected` and one with a wrong or partial signature
/// `bad_signature` (both violations). With signing disabled, sender and
/// signature are not looked at, even when present (docs/PROTOCOL.md, "Gossip":
/// "not checked"). Never `duplicate`: that is the registry's filter
/// (`check_gossip`).
gossip_verdict check_envelope(const gossip_rules& rules,
                              const proto::gossip& msg, int64_t now);

/// All of docs/PROTOCOL.md, "Gossip" in order: `check_envelope`, then the dedup
/// filter. An envelope that passes both checks is recorded in `seen` (so its
/// next copy is a `duplicate`); one that fails them is not recorded, so that a
/// forged copy cannot make the genuine message look already seen.
gossip_verdict check_gossip(const gossip_rules& rules, const proto::gossip& msg,
                            int64_t now, rotating_bloom& seen);

} // namespace timecoin::security
