#pragma once

// The simulated transport: a connection actor whose bytes travel over a
// link of the simulated network (sim_network.hpp) instead of a socket
// (internal header).

#include <cstdint>
#include <string>

#include <caf/fwd.hpp>

#include "actors/peer_connection.hpp"

namespace timecoin {

/// Spawns a connection actor over end `end` of a link of `network`, to the
/// peer at `host:port`, and binds it to that end.
caf::actor spawn_sim_connection(caf::actor_system& sys,
                                const caf::actor& network, uint64_t end,
                                const std::string& host, uint16_t port,
                                context_ptr ctx, conn_params params);

} // namespace timecoin
