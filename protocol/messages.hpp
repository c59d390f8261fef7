#pragma once

// The messages of docs/PROTOCOL.md as plain C++ types. Field order follows
// the positional bodies on the wire; comments give the wire name where the
// C++ name differs.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/chain.hpp"
#include "protocol/types.hpp"

namespace timecoin::proto {

/// Message type numbers, as on the wire.
enum class msg_type : uint16_t {
  hello = 1,
  hello_auth = 2,
  reject = 3,
  ping = 4,
  pong = 5,
  get_peers = 6,
  peers = 7,
  bye = 8,
  get_masternodes = 10,
  masternodes = 11,
  gossip = 16,
  get_tip = 32,
  tip = 33,
  get_blocks = 34,
  blocks = 35,
  get_hashes = 36,
  hashes = 37,
  get_utxo_chunk = 38,
  utxo_chunk = 39,
  not_found = 40,
  get_headers = 41,
  headers = 42,
};

/// REJECT codes of docs/PROTOCOL.md, "Handshake".
enum class reject_code : uint16_t {
  wrong_network = 1,
  incompatible_version = 2,
  duplicate = 3,
  self_connection = 4,
  banned = 5,
  no_free_slot = 6,
  rate_limited = 7,
  protocol_violation = 8,
  shutting_down = 9,
};

/// Services bits advertised in HELLO.
enum service_bits : uint32_t {
  service_masternode = 1,
  service_full_history = 2,
  service_utxo_snapshots = 4,
};

/// Gossip kinds the network layer checks (docs/PROTOCOL.md, "Gossip");
/// `uint16_t` on the wire.
constexpr uint16_t gossip_kind_transaction = 1;
constexpr uint16_t gossip_kind_block = 2;

/// Type 1: the first message on every connection.
struct hello {
  uint32_t magic = 0;
  uint32_t version = 0;
  uint32_t min_version = 0;
  std::string network;
  hash256 node_id{};
  hash256 nonce{};
  uint16_t listen_port = 0;
  uint64_t best_height = 0;
  hash256 best_hash{};
  uint32_t services = 0;
  std::string user_agent;
  int64_t timestamp = 0;
};

/// Type 2: proof of the node key, bound to this TLS session and role.
struct hello_auth {
  sig64 signature{};
};

/// Type 3: the sender refuses the connection and closes it.
struct reject {
  reject_code code = reject_code::protocol_violation;
  std::string reason;
};

/// Type 4.
struct ping {
  uint64_t nonce = 0;
  uint64_t best_height = 0;
};

/// Type 5: echoes the PING's nonce.
struct pong {
  uint64_t nonce = 0;
  uint64_t best_height = 0;
};

/// Type 6: request for PEERS.
struct get_peers {};

/// One address in a PEERS answer.
struct peer_address {
  std::string host;
  uint16_t port = 0;
  bytes node_id; ///< 0 or 32 bytes
  uint32_t services = 0;
  int64_t last_seen = 0;
};

/// Type 7: at most `max_peers_entries` addresses.
struct peers {
  std::vector<peer_address> entries;
};

/// Type 8: graceful close.
struct bye {
  std::string reason;
};

/// Type 16: a signed gossip envelope (docs/PROTOCOL.md, "Gossip").
struct gossip {
  uint16_t kind = 0;
  bytes payload;
  bytes sender; ///< 32 bytes, or empty without message signing
  int64_t timestamp = 0;
  bytes signature; ///< 64 bytes, or empty without message signing
};

/// Type 10: request for MASTERNODES.
struct get_masternodes {};

/// Type 11: at most `max_masternodes_entries` announcements, each a whole
/// GOSSIP body (kind 9 on the wire; the codec reads any kind).
struct masternodes {
  std::vector<gossip> entries;
};

/// Type 32.
struct get_tip {};

/// Type 33.
struct tip {
  uint64_t height = 0;
  hash256 hash{};
  hash256 utxo_root{};
};

/// Type 34: `count` at most `max_get_blocks`.
struct get_blocks {
  uint64_t start = 0;
  uint16_t count = 0;
};

/// Type 35.
struct blocks {
  std::vector<block> items;
};

/// Type 36: `count` at most `max_get_hashes`.
struct get_hashes {
  uint64_t start = 0;
  uint16_t count = 0;
};

/// Type 37.
struct hashes {
  std::vector<hash256> items;
};

/// Type 38.
struct get_utxo_chunk {
  uint64_t height = 0;
  uint32_t index = 0;
};

/// One unspent output in a UTXO snapshot chunk.
struct utxo_entry {
  hash256 txid{};
  uint32_t vout = 0;
  uint64_t value = 0;
  hash256 owner{};
  uint64_t height = 0;
};

/// Type 39.
struct utxo_chunk {
  uint64_t height = 0;
  uint32_t index = 0;
  uint32_t total = 0;
  std::vector<utxo_entry> entries;
};

/// Type 40: any request a node cannot serve.
struct not_found {
  std::string reason;
};

/// Type 41: `count` at most `max_get_headers`.
struct get_headers {
  uint64_t start = 0;
  uint16_t count = 0;
};

/// A header with its producer signature, as carried in HEADERS.
struct signed_header {
  block_header header;
  sig64 producer_signature{};
};

/// Type 42.
struct headers {
  std::vector<signed_header> items;
};

/// The body of any known message.
using body
  = std::variant<hello, hello_auth, reject, ping, pong, get_peers, peers, bye,
                 gossip, get_tip, tip, get_blocks, blocks, get_hashes, hashes,
                 get_utxo_chunk, utxo_chunk, not_found, get_headers, headers,
                 get_masternodes, masternodes>;

/// A whole frame payload: `[type, id, body]`.
struct message {
  uint64_t id = 0; ///< 0: expects no answer; else the request/response id
  body content;

  /// The wire type of `content`.
  msg_type type() const;
};

/// Protocol version spoken by this implementation.
constexpr uint32_t protocol_version = 1;
/// Oldest protocol version this implementation still speaks.
constexpr uint32_t min_protocol_version = 1;
/// `user_agent` longer than this is a malformed HELLO.
constexpr std::size_t max_user_agent_bytes = 256;
/// A PEERS answer carries at most this many entries.
constexpr std::size_t max_peers_entries = 1000;
/// A MASTERNODES answer carries at most this many announcements.
constexpr std::size_t max_masternodes_entries = 5000;
/// GET_BLOCKS asks for at most this many blocks.
constexpr uint16_t max_get_blocks = 500;
/// GET_HASHES and GET_HEADERS ask for at most this many entries.
constexpr uint16_t max_get_hashes = 2000;
constexpr uint16_t max_get_headers = 2000;
/// A BLOCKS answer holds at most this many bytes of blocks (the first block is
/// always sent if it exists).
constexpr std::size_t max_blocks_answer_bytes = 4 * 1024 * 1024;
/// A UTXO_CHUNK holds at most this many entries.
constexpr std::size_t max_utxo_chunk_entries = 10000;

} // namespace timecoin::proto
