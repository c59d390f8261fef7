#pragma once

// JSON views of the node's state, as getnetworkinfo, getpeerinfo,
// getaddednodeinfo, listbanned, getblockchaininfo and getblock show it.

#include <cstdint>
#include <string>

#include "actors/node.hpp"
#include "apps/rpc/json_rpc.hpp"
#include "protocol/chain.hpp"
#include "protocol/result.hpp"

namespace timecoin::rpc {

/// HELLO `services` bits (docs/PROTOCOL.md, "Handshake"), as `servicesnames`
/// lists them.
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

/// The `getblockchaininfo` object; hashes in lowercase hex.
json render_chain_info(const chain_info& info);

/// One element of a block's `tx` array: txid, version, locktime, vin
/// ([{txid, vout, signature}]), vout ([{n, value, owner}]); bytes as
/// lowercase hex.
json render_transaction(const proto::transaction& tx);

/// `getblock`'s verbose object for `info`, whose encoding is decoded; the
/// decoder's complaint if it does not decode.
result<json, std::string> render_block(const block_info& info);

} // namespace timecoin::rpc
