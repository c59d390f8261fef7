#pragma once

// What the RPC methods need from the node, as a plain interface: the daemon
// implements it over the node's typed actor (caf_backend), tests with a fake.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "actors/node.hpp"
#include "protocol/result.hpp"

namespace timecoin::rpc {

/// Why a call failed.
enum class backend_errc : uint8_t {
  unavailable, ///< the node did not answer (timeout, node gone)
  refused,     ///< the node answered with an error: `message` is its text
};

/// Why the node could not answer, or what it answered instead of a result
/// ("height 5000 is above the tip 2000", "block not found", "generate is
/// devnet only").
struct backend_error {
  explicit backend_error(std::string msg,
                         backend_errc errc = backend_errc::unavailable)
    : message(std::move(msg)), code(errc) {
    // nop
  }

  std::string message;
  backend_errc code = backend_errc::unavailable;
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
  virtual result<bool, backend_error>
  addnode(const std::string& addr, addnode_mode mode) = 0;
  /// Configured outbound peers and their states (`getaddednodeinfo`).
  virtual result<std::vector<added_node_info>, backend_error> added_nodes() = 0;
  /// Up to `count` addresses of the address book (`getnodeaddresses`).
  virtual result<std::vector<node_address_info>, backend_error>
  node_addresses(uint32_t count) = 0;
  /// Adds an address to the book (`addpeeraddress`); false if the book did
  /// not take it (known already, or no room in its bucket).
  virtual result<bool, backend_error>
  add_peer_address(const std::string& host, uint16_t port) = 0;
  /// Pays `units` to `owner_hex` from the devnet producer's coins in the
  /// next generated block; the txid (`sendtoaddress`, devnet only).
  virtual result<std::string, backend_error>
  send_to(const std::string& owner_hex, uint64_t units) = 0;
  /// The masternode list (`masternodelist`).
  virtual result<std::vector<masternode_info>, backend_error> masternodes() = 0;
  /// `disconnectnode` by "host:port" or node id; false if no such peer.
  virtual result<bool, backend_error> disconnect(const std::string& target) = 0;
  /// `setban`: bans `subnet` ("ip" or "ip/prefix") for `seconds` (add; <= 0
  /// is the node's default) or lifts its ban (remove). False if the node
  /// refuses the subnet, or on a remove of a subnet that is not banned.
  virtual result<bool, backend_error>
  setban(const std::string& subnet, bool add, int64_t seconds) = 0;
  /// The bans in force (`listbanned`).
  virtual result<std::vector<ban_info>, backend_error> list_banned() = 0;
  /// Lifts every ban (`clearbanned`); false if the node did not.
  virtual result<bool, backend_error> clear_banned() = 0;
  /// The chain and its synchronisation (`getblockchaininfo`,
  /// `getblockcount`, `getbestblockhash`).
  virtual result<chain_info, backend_error> chain() = 0;
  /// The main chain's block hash (lowercase hex) at `height`; refused above
  /// the tip (`getblockhash`).
  virtual result<std::string, backend_error> block_hash(uint64_t height) = 0;
  /// The block with that hash (64 lowercase hex characters) or at that
  /// height (decimal); refused if unknown (`getblock`).
  virtual result<block_info, backend_error>
  block(const std::string& hash_or_height) = 0;
  /// Produces `n` blocks of up to `txs` transactions each (devnet only;
  /// refused elsewhere); their hashes (`generate`). May take long.
  virtual result<std::vector<std::string>, backend_error>
  generate(uint32_t n, uint32_t txs) = 0;
  /// "" if the chain store is consistent, else what is wrong (`verifychain`).
  virtual result<std::string, backend_error> verify_chain() = 0;
  /// The node's metrics, for the Prometheus endpoint (not an RPC method).
  virtual result<metrics_snapshot, backend_error> metrics() = 0;
  /// Asks the daemon to shut down (`stop`); returns at once.
  virtual void request_stop() = 0;
};

} // namespace timecoin::rpc
