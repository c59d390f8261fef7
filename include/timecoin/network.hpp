#pragma once

// The networks a node can join and their fixed parameters
// (docs/PROTOCOL.md, "Networks").

#include <cstdint>
#include <optional>
#include <string>

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

} // namespace timecoin::proto
