#pragma once

// JSON views of the node's state, as getnetworkinfo, getpeerinfo,
// getaddednodeinfo and listbanned show it.

#include <cstdint>
#include <string>

#include "actors/node.hpp"
#include "apps/rpc/json_rpc.hpp"

namespace timecoin::rpc {

/// HELLO `services` bits (protocol.md §3), as `servicesnames` lists them.
constexpr uint32_t service_masternode = 1;
constexpr uint32_t service_full_history = 2;
constexpr uint32_t service_utxo_snapshots = 4;

/// `services` as 8 lowercase hex digits ("00000005").
std::string services_hex(uint32_t services);

/// The `getnetworkinfo` object.
json render_network_info(const network_info& info);

/// One element of the `getpeerinfo` array.
json render_peer_info(const peer_info& peer);

/// One element of the `getaddednodeinfo` array.
json render_added_node(const added_node_info& node);

/// One element of the `listbanned` array, with bitcoind's names;
/// `time_remaining` counts from `now` (unix seconds) and is never negative.
json render_ban_info(const ban_info& ban, int64_t now);

} // namespace timecoin::rpc
