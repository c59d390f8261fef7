#include "apps/rpc/render.hpp"

#include <algorithm>
#include <cstdio>

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

} // namespace timecoin::rpc
