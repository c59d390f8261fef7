#pragma once

// Consensus parameters and the validity checks of docs/PROTOCOL.md, "Block
// validity" that need no stored state (pure, no CAF).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/chain.hpp"
#include "protocol/messages.hpp"
#include "protocol/network.hpp"
#include "protocol/result.hpp"

namespace timecoin {
struct node_config;
}

namespace timecoin::chain {

/// A reorganisation never disconnects more blocks than this (issue: 100).
constexpr uint64_t max_reorg_depth = 100;

/// The rules a chain is checked against.
struct chain_params {
  proto::network net = proto::network::devnet;
  proto::block genesis;
  /// Public keys allowed to produce blocks.
  std::vector<proto::hash256> producers;
  /// The most a coinbase may pay beyond the fees of its block.
  uint64_t block_reward = proto::devnet_block_reward;
  /// Snapshots are kept at multiples of this height.
  uint64_t snapshot_interval = 100;
};

/// The parameters for `cfg`: devnet's are built in (docs/PROTOCOL.md,
/// "Networks"); testnet and mainnet take their genesis block from
/// `<datadir>/genesis.hex` (hex of the block's MessagePack encoding) and their
/// producers from `producer=`. An error says what is missing.
result<chain_params, std::string> params_for(const node_config& cfg);

/// Why a block, a header or a snapshot was refused (wire-independent).
enum class reject_reason : uint8_t {
  bad_height = 1, ///< does not continue the chain's height
  bad_prev_hash,  ///< does not link to the block before it
  bad_producer,   ///< producer not authorised on this network
  bad_producer_signature,
  no_coinbase,        ///< no transactions, or the first has inputs
  misplaced_coinbase, ///< a transaction after the first has no inputs
  bad_merkle_root,
  missing_input, ///< spends an output that does not exist or is spent
  bad_input_signature,
  overspend,          ///< outputs exceed inputs
  bad_coinbase_value, ///< coinbase pays more than reward plus fees
  value_overflow,     ///< sums do not fit in 64 bits
  bad_utxo_root,
  duplicate_txid, ///< a transaction whose outputs already exist
  too_deep,       ///< a reorganisation past max_reorg_depth
  not_longer,     ///< a branch that is not longer than the chain
  bad_snapshot,   ///< unsorted, duplicate or mismatching entries
  storage,        ///< the database failed (I/O, full disk)
};

/// A printable name of `r` ("bad_merkle_root", ...).
const char* to_string(reject_reason r);

/// A refused block: why, which height, and a readable detail.
struct chain_error {
  reject_reason reason = reject_reason::storage;
  uint64_t height = 0;
  std::string detail;
};

/// Checks headers as fast sync receives them: `headers` continue `prev`
/// (height + 1, prev_hash linkage, each in turn), each producer is
/// authorised and each signature verifies.
result<void, chain_error>
check_headers(const chain_params& params, const proto::block_header& prev,
              const std::vector<proto::signed_header>& headers);

/// `utxo_root` of a set of unspent outputs (LtHash16 of their elements).
proto::hash256 utxo_root_of(const std::vector<proto::utxo_entry>& entries);

} // namespace timecoin::chain
