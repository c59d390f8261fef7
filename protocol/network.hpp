#pragma once

// Network parameters of docs/PROTOCOL.md, "Networks".

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/chain.hpp"

namespace timecoin::proto {

/// The networks a node can join.
enum class network : uint8_t { mainnet, testnet, devnet };

/// Fixed parameters of one network.
struct network_params {
  network net;
  const char* name; ///< as in HELLO's `network` field
  uint32_t magic;
  uint16_t p2p_port;
  uint16_t rpc_port;
  uint64_t snapshot_interval; ///< blocks between UTXO snapshot heights
};

/// The parameters of `net`.
const network_params& params(network net);
/// Looks a network up by its name ("mainnet", "testnet", "devnet").
std::optional<network> network_from_name(const std::string& name);

/// Block reward on devnet: 100 TIME.
constexpr uint64_t devnet_block_reward = 10'000'000'000ULL;
/// Timestamp of the devnet genesis header.
constexpr int64_t devnet_genesis_timestamp = 1767225600;

/// The 32-byte seed of the devnet producer key: `H("timecoin devnet
/// producer")`.
hash256 devnet_producer_seed();
/// The devnet producer's public key.
hash256 devnet_producer_public_key();
/// The devnet genesis block, derived as docs/PROTOCOL.md, "Devnet genesis" says
/// (deterministic, computed once).
block devnet_genesis();
/// `block_hash(devnet_genesis().header)`, without copying the block.
hash256 devnet_genesis_hash();

} // namespace timecoin::proto
