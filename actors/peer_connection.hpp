#pragma once

// One actor per connection: a `peer_session` (TLS, framing, handshake,
// PING/PONG, request ids) over a transport, the socket broker here or a
// simulated link (sim_transport.hpp) (internal header).

#include <chrono>
#include <string>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/io/connection_handle.hpp>
#include <caf/io/fwd.hpp>

#include "actors/context.hpp"
#include "actors/session.hpp"
#include "actors/slot_policy.hpp"
#include "security/handshake.hpp"

namespace timecoin {

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
