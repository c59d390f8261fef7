#pragma once

// The registry's table of connected peers, published as immutable snapshots
// that any thread reads without locks.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/types.hpp"

namespace timecoin {

/// What the rest of the node may know about one connected peer without
/// asking its connection actor.
struct peer_entry {
  std::string node_id;   ///< lowercase hex
  proto::bytes node_id_raw;
  std::string host;      ///< remote IP of the TCP connection
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
};

/// Single writer (the registry actor), any number of readers on any thread.
/// Readers pin the current snapshot by announcing themselves in a counter;
/// the writer swaps the pointer and frees superseded snapshots only at a
/// moment when no reader is announced (all operations sequentially
/// consistent, so a reader that announces itself after that moment can only
/// see the new pointer). Neither side ever blocks.
class peer_table {
public:
  peer_table();
  ~peer_table();
  peer_table(const peer_table&) = delete;
  peer_table& operator=(const peer_table&) = delete;

  /// Writer only: replaces the current snapshot.
  void publish(std::unique_ptr<const peer_snapshot> next);

  /// Calls `f(const peer_snapshot&)` on the current snapshot; `f` must not
  /// keep references into it.
  template <class F>
  auto read(F&& f) const {
    readers_.fetch_add(1);
    struct unpin {
      std::atomic<uint32_t>& n;
      ~unpin() { n.fetch_sub(1); }
    } guard{readers_};
    return f(*current_.load());
  }

  bool is_connected(const std::string& node_id_hex) const;
  std::size_t connected_count() const;
  std::vector<std::string> connected_peers() const;

private:
  std::atomic<const peer_snapshot*> current_;
  mutable std::atomic<uint32_t> readers_{0};
  /// Writer-owned: snapshots superseded but perhaps still read.
  std::vector<std::unique_ptr<const peer_snapshot>> retired_;
};

} // namespace timecoin
