#pragma once

// The connection registry: node id -> connection, the duplicate rule of
// docs/PROTOCOL.md, "Handshake", send and broadcast, and the published peer
// table (internal header).

#include <string>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace timecoin {

/// After `shutdown`, connections still open this long are killed.
constexpr auto shutdown_grace = std::chrono::seconds{3};

/// The rule of docs/PROTOCOL.md, "Handshake" for two connections between the
/// same pair of nodes: keep the one whose dialling side has the
/// lexicographically smaller node id; if the same side dialled both, keep the
/// newer. True if the newer one is kept.
inline bool newer_connection_wins(const std::string& existing_dialer_hex,
                                  const std::string& newer_dialer_hex) {
  return newer_dialer_hex <= existing_dialer_hex;
}

/// Spawns the registry of a node. `supervisor` learns of peers that come up
/// (`up`) and go away (`lost`).
caf::actor spawn_registry(caf::actor_system& sys, context_ptr ctx,
                          caf::actor supervisor);

} // namespace timecoin
