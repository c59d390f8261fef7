#pragma once

// Many hand-driven TLS peers of one node in one thread: each a real TCP
// connection from its own loopback address, TLS 1.3 through the node's own
// tls_session and the HELLO exchange played with the handshake class (as
// tests/integration/raw_peer.hpp, but non-blocking, on one epoll set). Once
// connected a peer answers the node's PINGs and otherwise stays idle; peer 0
// can time PING/PONG round trips. No CAF here.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace timecoin::bench {

/// The loopback source address of peer `index`: eight peers per /24 and one
/// per address (127.1.0.1 .. 127.1.0.8, 127.1.1.1, ...), so that the fleet
/// stays within the node's per-address and per-network limits without a
/// whitelist. Distinct for up to 2^19 peers.
std::string fleet_source_address(std::size_t index);

/// Peers the fleet dials at once while connecting: enough to keep the node's
/// multiplexer busy, few enough that none waits near the node's 10 s
/// handshake timeout.
constexpr std::size_t fleet_dials_in_flight = 32;

/// A set of peers of one node on 127.0.0.1:`port`.
class peer_fleet {
public:
  explicit peer_fleet(uint16_t port);
  ~peer_fleet();
  peer_fleet(const peer_fleet&) = delete;
  peer_fleet& operator=(const peer_fleet&) = delete;

  /// Opens peers until `count` are connected (HELLO done) or `limit`
  /// passes; returns the number connected. A peer the node refuses or closes
  /// is counted in `failed()` and not retried.
  std::size_t connect(std::size_t count, std::chrono::milliseconds limit);

  /// Serves every connection (answers PINGs, reads what the node sends) for
  /// `duration`.
  void serve(std::chrono::milliseconds duration);

  /// `count` PING/PONG round trips of peer 0, one every `interval`, while
  /// every other peer is served; the round trips in microseconds, in order
  /// (a PING unanswered within 5 s ends the series early).
  std::vector<double> ping_series(std::size_t count,
                                  std::chrono::milliseconds interval);

  std::size_t connected() const;
  std::size_t failed() const;
  /// The first reason a peer failed, for the report.
  const std::string& first_failure() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace timecoin::bench
