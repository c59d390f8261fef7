#pragma once

// Method dispatch: a validated request in, a result or an error out. Calls
// the node through a node_backend, so it is tested without actors.

#include <chrono>
#include <cstdint>
#include <string_view>

#include "apps/rpc/backend.hpp"
#include "apps/rpc/json_rpc.hpp"
#include "apps/rpc/methods.hpp"

namespace timecoin::rpc {

/// What `stop` answers, as bitcoind's "Bitcoin Core stopping".
constexpr std::string_view stop_reply = "timed stopping";

/// `setban add` without a bantime (or with 0) bans for 24 h, as bitcoind.
constexpr int64_t default_ban_seconds = 24 * 60 * 60;
/// The longest `setban` bantime: 100 years. Longer is a typo, and the node's
/// `now + bantime` must stay far from overflowing.
constexpr int64_t max_ban_seconds = int64_t{100} * 365 * 24 * 60 * 60;

/// `generate` produces 1 to this many blocks per call.
constexpr uint32_t max_generate_blocks = 10000;
/// `generate`'s txs_per_block is at most this (default 0).
constexpr uint32_t max_generate_txs = 1000;

/// Runs the methods of `all_methods()` against a node. Thread-safe if the
/// backend is.
class dispatcher {
public:
  /// `started` is when the daemon started, for `uptime`.
  dispatcher(node_backend& backend,
             std::chrono::steady_clock::time_point started);

  /// Answers one request.
  result<json, rpc_error> operator()(const rpc_request& req) const;

private:
  using args = std::vector<json>;
  result<json, rpc_error> call(const method_spec& method,
                               const args& params) const;
  result<json, rpc_error> addnode(const args& params) const;
  result<json, rpc_error> disconnectnode(const args& params) const;
  result<json, rpc_error> setban(const args& params) const;
  result<json, rpc_error> listbanned() const;
  result<json, rpc_error> clearbanned() const;
  result<json, rpc_error> getblockchaininfo() const;
  result<json, rpc_error> getblockhash(const args& params) const;
  result<json, rpc_error> getblock(const args& params) const;
  result<json, rpc_error> generate(const args& params) const;
  result<json, rpc_error> verifychain() const;
  result<json, rpc_error> help(const args& params) const;

  node_backend& backend_;
  std::chrono::steady_clock::time_point started_;
};

} // namespace timecoin::rpc
