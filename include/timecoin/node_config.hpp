#pragma once

// Everything a node is configured with, from time.conf, the command line or
// an integrator's code. Defaults are those of a devnet node.

#include <cstdint>
#include <string>
#include <vector>

#include "timecoin/network.hpp"

namespace timecoin {

/// The configuration of one node.
struct node_config {
  proto::network net = proto::network::devnet;
  /// Data directory: node_key, .cookie, later the chain store. Empty: the
  /// default for the network (`./data/<network>`).
  std::string datadir;

  /// Accept inbound connections.
  bool listen = true;
  /// Address the P2P listener binds.
  std::string bind = "127.0.0.1";
  /// P2P port; 0 with `listen`: any free port (tests). Default: the network's.
  uint16_t port = 0;
  bool port_set = false;
  /// Address announced to peers, if any.
  std::string externalip;
  /// Connections in total, inbound and outbound.
  uint32_t maxconnections = 125;
  /// Inbound connections from one address at most.
  uint32_t maxconnectionsperip = 3;
  /// Addresses and subnets exempt from rate limits and automatic bans.
  std::vector<std::string> whitelist;
  /// Peers dialled at start and re-dialled forever ("host:port").
  std::vector<std::string> addnode;
  /// Peers known to be masternodes: dialled first ("host:port").
  std::vector<std::string> masternode_peers;
  /// Only these peers are dialled ("host:port"): no automatic outbound
  /// connections, seeds or feelers (`connect_only` is set by any `connect=`,
  /// even `connect=0`, which dials nobody).
  std::vector<std::string> connect;
  bool connect_only = false;
  /// Dialled once to learn addresses (GET_PEERS), then left ("host:port").
  std::vector<std::string> seednode;
  /// DNS names whose A and AAAA records are peers at the network's port.
  std::vector<std::string> dnsseed;
  /// The HTTP(S) discovery service of docs/PROTOCOL.md, "Addresses and
  /// discovery"; empty: not asked.
  std::string discoveryurl;
  /// Automatic outbound connections: regular peers, and masternodes (known
  /// from the masternode list or `masternodepeer=`) on top.
  uint32_t maxoutbound = 8;
  uint32_t maxoutboundmasternodes = 8;
  /// TLS 1.3 on every connection.
  bool tls = true;

  /// JSON-RPC: port (0: the network's default) and bind address.
  uint16_t rpcport = 0;
  std::string rpcbind = "127.0.0.1";
  /// Start the JSON-RPC server (timed only).
  bool server = true;
  /// The host time-cli sends its requests to (time-cli only).
  std::string rpcconnect = "127.0.0.1";

  /// Prometheus metrics (timed only): port (0: not served) and bind address.
  uint16_t metricsport = 0;
  std::string metricsbind = "127.0.0.1";

  /// Log level: trace, debug, info, warn, error, off (or 0/1 for info/debug).
  std::string debug = "info";
  /// Log file (timed only): empty for stderr only; a relative path is taken
  /// relative to the data directory.
  std::string debuglogfile;

  bool enable_message_signing = true;
  uint32_t message_max_age_seconds = 300;
  bool enable_rate_limiting = true;
  uint32_t max_requests_per_second = 1000;
  /// This node is a masternode (advertises services bit 1 and announces
  /// itself with `masternodecollateral`).
  bool masternode = false;
  /// The collateral output "<txid hex>:<vout>" of a masternode.
  std::string masternodecollateral;
  /// Authorised block producers (hex public keys), a stand-in for consensus.
  std::vector<std::string> producer;
  /// A fresh node catches up from a peer's UTXO snapshot: headers first
  /// (checked), then the snapshot (checked against its header's utxo_root),
  /// then the blocks after it.
  bool fastsync = false;
  /// Gossip is relayed to this many peers.
  uint32_t gossip_fanout = 8;

  /// The effective P2P port (the network's default unless set).
  uint16_t p2p_port() const {
    return port_set ? port : proto::params(net).p2p_port;
  }
  /// The effective RPC port.
  uint16_t rpc_port() const {
    return rpcport != 0 ? rpcport : proto::params(net).rpc_port;
  }
  /// The effective data directory.
  std::string data_dir() const {
    return datadir.empty() ? std::string{"./data/"} + proto::params(net).name
                           : datadir;
  }
};

} // namespace timecoin
