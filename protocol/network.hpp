#pragma once

// Network parameters of docs/PROTOCOL.md, "Networks": the networks and their
// fixed parameters (public: timecoin/network.hpp), the devnet genesis.

#include <cstdint>

#include "protocol/chain.hpp"
#include "timecoin/network.hpp"

namespace timecoin::proto {

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
