#include "apps/rpc/render.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "protocol/codec.hpp"
#include "protocol/types.hpp"

namespace timecoin::rpc {

namespace {

/// Microseconds in a second, for pingtime in seconds.
constexpr double micros_per_second = 1e6;

json services_names(uint32_t services) {
  auto names = json::array();
  if (services & service_masternode)
    names.push_back("MASTERNODE");
  if (services & service_full_history)
    names.push_back("FULL_HISTORY");
  if (services & service_utxo_snapshots)
    names.push_back("UTXO_SNAPSHOTS");
  return names;
}

/// `hex` in lowercase: the node's hashes are, but the JSON promises it.
std::string lower(std::string hex) {
  for (auto& c : hex)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return hex;
}

json render_sync_info(const sync_info& sync) {
  return json{
    {"state", sync.state},
    {"progress", sync.progress},
    {"peers_best_height", sync.peers_best_height},
    {"peers", sync.peers},
    {"blocks_per_second", sync.blocks_per_second},
    {"rejected_blocks", sync.rejected_blocks},
    {"rejected_snapshots", sync.rejected_snapshots},
    {"reorgs", sync.reorgs},
  };
}

} // namespace

std::string services_hex(uint32_t services) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", services);
  return buf;
}

json render_network_info(const network_info& info) {
  return json{
    {"nodeid", info.node_id},
    {"network", info.network},
    {"protocolversion", info.protocol_version},
    {"subversion", info.user_agent},
    {"connections", info.connections_in + info.connections_out},
    {"connections_in", info.connections_in},
    {"connections_out", info.connections_out},
    {"localaddresses", info.local_addresses},
    {"blocks", info.best_height},
    {"bestblockhash", info.best_hash},
  };
}

json render_peer_info(const peer_info& peer) {
  json out{
    {"id", peer.node_id},
    {"addr", peer.address},
    {"inbound", peer.inbound},
    {"services", services_hex(peer.services)},
    {"servicesnum", peer.services},
    {"servicesnames", services_names(peer.services)},
    {"subver", peer.user_agent},
    {"listenport", peer.listen_port},
    {"conntime", peer.connected_since},
    {"bytessent", peer.bytes_sent},
    {"bytesrecv", peer.bytes_received},
    {"msgssent", peer.messages_sent},
    {"msgsrecv", peer.messages_received},
    {"bestheight", peer.best_height},
    {"violations", peer.violations},
    {"ratelimited", peer.rate_limited},
    {"bytelimited", peer.bytes_limited},
    {"gossipduplicates", peer.gossip_duplicates},
    {"sendqueuebytes", peer.send_queue_bytes},
    {"verifyqueued", peer.verify_queued},
    {"verifyshed", peer.verify_shed},
    {"connection_type", peer.connection_type},
    {"masternode", peer.masternode},
  };
  // As bitcoind: no pingtime before the first round trip.
  if (peer.ping_rtt_us >= 0)
    out["pingtime"] = static_cast<double>(peer.ping_rtt_us) / micros_per_second;
  return out;
}

json render_added_node(const added_node_info& node) {
  json out{
    {"addednode", node.address},
    {"state", node.state},
    {"connected", node.state == "connected"},
    {"persistent", node.persistent},
    {"masternode", node.masternode},
    {"attempts", node.attempts},
  };
  if (!node.node_id.empty())
    out["id"] = node.node_id;
  if (node.next_attempt_ms >= 0)
    out["nextattempt"] = static_cast<double>(node.next_attempt_ms) / 1000.0;
  return out;
}

json render_ban_info(const ban_info& ban, int64_t now) {
  return json{
    {"address", ban.subnet},
    {"ban_created", ban.created},
    {"banned_until", ban.banned_until},
    {"ban_duration", ban.banned_until - ban.created},
    {"time_remaining", std::max<int64_t>(0, ban.banned_until - now)},
    {"ban_reason", ban.reason},
  };
}

json render_chain_info(const chain_info& info) {
  return json{
    {"chain", info.chain},
    {"blocks", info.blocks},
    {"bestblockhash", lower(info.best_hash)},
    {"utxo_root", lower(info.utxo_root)},
    {"utxos", info.utxos},
    {"time", info.time},
    {"pruneheight", info.base_height},
    {"snapshots", info.snapshot_heights},
    {"sync", render_sync_info(info.sync)},
  };
}

json render_transaction(const proto::transaction& tx) {
  auto vin = json::array();
  for (const auto& in : tx.inputs)
    vin.push_back(json{
      {"txid", proto::to_hex(in.prev_txid)},
      {"vout", in.vout},
      {"signature", proto::to_hex(in.signature)},
    });
  auto vout = json::array();
  for (std::size_t n = 0; n < tx.outputs.size(); ++n)
    vout.push_back(json{
      {"n", n},
      {"value", tx.outputs[n].value},
      {"owner", proto::to_hex(tx.outputs[n].owner)},
    });
  return json{
    {"txid", proto::to_hex(proto::txid(tx))},
    {"version", tx.version},
    {"locktime", tx.lock_time},
    {"vin", std::move(vin)},
    {"vout", std::move(vout)},
  };
}

result<json, std::string> render_block(const block_info& info) {
  auto decoded = proto::decode_block(info.encoded.data(), info.encoded.size());
  if (!decoded)
    return std::string{proto::to_string(decoded.error().code)} + ": "
           + decoded.error().detail;
  const auto& b = *decoded;
  const auto& h = b.header;
  auto txs = json::array();
  for (const auto& tx : b.transactions)
    txs.push_back(render_transaction(tx));
  // The hash and height are the block's own; the node's copies agree.
  return json{
    {"hash", proto::to_hex(proto::block_hash(h))},
    {"height", h.height},
    {"confirmations", info.confirmations},
    {"version", h.version},
    {"previousblockhash", proto::to_hex(h.prev_hash)},
    {"merkleroot", proto::to_hex(h.merkle_root)},
    {"utxo_root", proto::to_hex(h.utxo_root)},
    {"time", h.timestamp},
    {"producer", proto::to_hex(h.producer)},
    {"producer_signature", proto::to_hex(b.producer_signature)},
    {"size", info.encoded.size()},
    {"tx", std::move(txs)},
  };
}

} // namespace timecoin::rpc
