#pragma once

// The registry's table of connected peers, published as immutable snapshots
// that any thread reads without locks.

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/snapshot_cell.hpp"
#include "protocol/types.hpp"

namespace timecoin {

/// What the rest of the node may know about one connected peer without
/// asking its connection actor.
struct peer_entry {
  std::string node_id; ///< lowercase hex
  proto::bytes node_id_raw;
  std::string host; ///< remote IP of the TCP connection
  uint16_t remote_port = 0;
  uint16_t listen_port = 0; ///< 0: the peer does not accept connections
  bool inbound = false;
  uint32_t services = 0;
  int64_t connected_since = 0; ///< unix seconds
};

/// One immutable version of the table.
struct peer_snapshot {
  std::unordered_map<std::string, peer_entry> by_id; ///< key: node id hex
  uint32_t inbound = 0;
  uint32_t outbound = 0;
  uint32_t masternodes = 0; ///< peers with services bit 1
};

/// The connection table: written by the registry actor, read by anyone
/// without locks.
class peer_table {
public:
  /// Writer only: replaces the current snapshot.
  void publish(std::unique_ptr<const peer_snapshot> next) {
    cell_.publish(std::move(next));
  }

  /// Calls `f(const peer_snapshot&)` on the current snapshot; `f` must not
  /// keep references into it.
  template <class F>
  auto read(F&& f) const {
    return cell_.read(std::forward<F>(f));
  }

  bool is_connected(const std::string& node_id_hex) const;
  std::size_t connected_count() const;
  std::vector<std::string> connected_peers() const;

private:
  snapshot_cell<peer_snapshot> cell_;
};

} // namespace timecoin
