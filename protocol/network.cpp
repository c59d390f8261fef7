#include "timecoin/network.hpp"

#include <cstddef>

namespace timecoin::proto {

namespace {

constexpr network_params all_params[] = {
  {network::mainnet, "mainnet", 0xC01D7E4D, 24000, 24001, 1000},
  {network::testnet, "testnet", 0x54494D45, 24100, 24101, 1000},
  {network::devnet, "devnet", 0x44455654, 24200, 24201, 100},
};

} // namespace

const network_params& params(network net) {
  return all_params[static_cast<std::size_t>(net)];
}

std::optional<network> network_from_name(const std::string& name) {
  for (const auto& p : all_params)
    if (name == p.name)
      return p.net;
  return std::nullopt;
}

} // namespace timecoin::proto
