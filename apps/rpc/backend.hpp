#pragma once

// What the RPC methods need from the node, as a plain interface: the daemon
// implements it over the node's typed actor (caf_backend), tests with a fake.

#include <cstdint>
#include <string>
#include <vector>

#include "actors/node.hpp"
#include "protocol/result.hpp"

namespace timecoin::rpc {

/// Why the node could not answer (timeout, node gone).
struct backend_error {
  std::string message;
};

/// The node as the RPC server sees it. Called from the server's threads,
/// concurrently: implementations must be thread-safe.
class node_backend {
public:
  virtual ~node_backend() = default;

  /// The node as a whole (`getnetworkinfo`).
  virtual result<network_info, backend_error> status() = 0;
  /// Connected peers (`getpeerinfo`).
  virtual result<std::vector<peer_info>, backend_error> peers() = 0;
  /// `addnode`; false if the node finds the address unusable.
  virtual result<bool, backend_error> addnode(const std::string& addr,
                                              addnode_mode mode) = 0;
  /// Configured outbound peers and their states (`getaddednodeinfo`).
  virtual result<std::vector<added_node_info>, backend_error> added_nodes() = 0;
  /// `disconnectnode` by "host:port" or node id; false if no such peer.
  virtual result<bool, backend_error> disconnect(const std::string& target)
    = 0;
  /// `setban`: bans `subnet` ("ip" or "ip/prefix") for `seconds` (add; <= 0
  /// is the node's default) or lifts its ban (remove). False if the node
  /// refuses the subnet, or on a remove of a subnet that is not banned.
  virtual result<bool, backend_error> setban(const std::string& subnet,
                                             bool add, int64_t seconds) = 0;
  /// The bans in force (`listbanned`).
  virtual result<std::vector<ban_info>, backend_error> list_banned() = 0;
  /// Lifts every ban (`clearbanned`); false if the node did not.
  virtual result<bool, backend_error> clear_banned() = 0;
  /// Asks the daemon to shut down (`stop`); returns at once.
  virtual void request_stop() = 0;
};

} // namespace timecoin::rpc
