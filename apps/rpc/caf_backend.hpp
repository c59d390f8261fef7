#pragma once

// node_backend over the node's typed actor: each call is a blocking request
// from a caf::scoped_actor on the calling (HTTP server) thread.

#include <chrono>
#include <functional>

#include <caf/fwd.hpp>

#include "actors/node.hpp"
#include "apps/rpc/backend.hpp"

namespace timecoin::rpc {

/// How long an RPC waits for the node before answering `node_unavailable`.
constexpr auto node_request_timeout = std::chrono::seconds{10};
/// How long `generate` may take: producing and applying up to 10000 blocks.
constexpr auto generate_request_timeout = std::chrono::minutes{10};

/// Talks to a running node. Thread-safe: every call has its own actor.
class caf_backend final : public node_backend {
public:
  /// `on_stop` runs for the `stop` method (the daemon's shutdown path).
  /// Requests wait `timeout` for the node, `generate` `generate_timeout`.
  caf_backend(caf::actor_system& sys, node_actor node,
              std::function<void()> on_stop,
              std::chrono::milliseconds timeout = node_request_timeout,
              std::chrono::milliseconds generate_timeout
              = generate_request_timeout);

  result<network_info, backend_error> status() override;
  result<std::vector<peer_info>, backend_error> peers() override;
  result<std::vector<added_node_info>, backend_error> added_nodes() override;
  result<std::vector<node_address_info>, backend_error>
  node_addresses(uint32_t count) override;
  result<bool, backend_error> add_peer_address(const std::string& host,
                                               uint16_t port) override;
  result<std::vector<masternode_info>, backend_error> masternodes() override;
  result<std::string, backend_error> send_to(const std::string& owner_hex,
                                             uint64_t units) override;
  result<bool, backend_error> addnode(const std::string& addr,
                                      addnode_mode mode) override;
  result<bool, backend_error> disconnect(const std::string& target) override;
  result<bool, backend_error> setban(const std::string& subnet, bool add,
                                     int64_t seconds) override;
  result<std::vector<ban_info>, backend_error> list_banned() override;
  result<bool, backend_error> clear_banned() override;
  result<chain_info, backend_error> chain() override;
  result<std::string, backend_error> block_hash(uint64_t height) override;
  result<block_info, backend_error>
  block(const std::string& hash_or_height) override;
  result<std::vector<std::string>, backend_error>
  generate(uint32_t n, uint32_t txs) override;
  result<std::string, backend_error> verify_chain() override;
  result<metrics_snapshot, backend_error> metrics() override;
  void request_stop() override;

private:
  /// The error for a failed request that waited `timeout`: the node's own
  /// text if it answered with an error (refused), else unavailable.
  backend_error describe(const caf::error& err,
                         std::chrono::milliseconds timeout) const;
  /// Sends one request, waits `timeout` for its reply of type `T`.
  template <class T, class... Ts>
  result<T, backend_error> ask(std::chrono::milliseconds timeout, Ts&&... xs);

  caf::actor_system& sys_;
  node_actor node_;
  std::function<void()> on_stop_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds generate_timeout_;
};

} // namespace timecoin::rpc
