#pragma once

// One actor per TCP connection (a CAF broker): TLS through memory BIOs,
// framing, the HELLO handshake, PING/PONG, request ids (internal header).

#include <chrono>
#include <string>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/io/connection_handle.hpp>
#include <caf/io/fwd.hpp>

#include "actors/context.hpp"
#include "actors/slot_policy.hpp"
#include "security/handshake.hpp"

namespace timecoin {

/// The whole handshake must complete this soon after connect or accept.
constexpr auto handshake_timeout = std::chrono::seconds{10};
/// A connected peer is pinged this often.
constexpr auto ping_interval = std::chrono::seconds{30};
/// A peer that leaves a PING unanswered this long is disconnected.
constexpr auto ping_timeout = std::chrono::seconds{90};
/// A request unanswered this long fails at the requester.
constexpr auto request_timeout = std::chrono::seconds{30};

/// What a connection needs to know beyond the node context.
struct conn_params {
  security::conn_role role = security::conn_role::acceptor;
  /// "host:port" we dialled; empty for inbound connections.
  std::string target;
  /// Receives `register`, and monitors the connection.
  caf::actor registry;
  /// Receives what the connection cannot handle itself (PEERS, ...).
  caf::actor node;
  /// Receives the violations of the peer (`violation`).
  caf::actor limiter;
  /// Verifies GOSSIP off the multiplexer thread (`verify`).
  caf::actor verifiers;
  /// Learns the peer and its heights (`syncpeer`, `peerheight`).
  caf::actor sync;
  /// Answers the peer's chain requests (`serve`).
  caf::actor chain;
  /// Learns the addresses the peer sends and answers its GET_PEERS; null:
  /// GET_PEERS is answered from the connected peers, PEERS ignored.
  caf::actor discovery;
  /// Answers GET_MASTERNODES and checks MASTERNODES; null: GET_MASTERNODES
  /// is answered with an empty list.
  caf::actor masternodes;
  /// Why it was dialled (`inbound` for accepted connections).
  conn_type type = conn_type::inbound;
};

/// Chain requests of one peer being answered at once, at most; more are
/// answered NOT_FOUND ("busy"), as are requests while the socket is
/// congested: a peer cannot queue unbounded work or memory on this node.
constexpr uint32_t max_serving_per_peer = 4;

/// Forks a connection actor for a socket the broker `parent` accepted.
caf::actor fork_inbound(caf::io::broker* parent, caf::io::connection_handle hdl,
                        context_ptr ctx, conn_params params);

/// Spawns a connection actor for a connected socket (ownership passes).
caf::actor spawn_on_socket(caf::actor_system& sys, int fd, context_ptr ctx,
                           conn_params params);

/// Spawns a connection actor that connects through the multiplexer
/// (blocking connect; used with CAF's test multiplexer).
caf::expected<caf::actor> spawn_via_backend(caf::actor_system& sys,
                                            const std::string& host,
                                            uint16_t port, context_ptr ctx,
                                            conn_params params);

} // namespace timecoin
