#pragma once

// The supervisor: spawns the registry and the listener, owns the outbound
// plan and re-dials lost peers with exponential backoff (internal header).

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/io/fwd.hpp>

#include "actors/context.hpp"

namespace timecoin::chain {
class store;
}

namespace timecoin {

/// Spawns the supervisor of a node; `doorman` is the bound P2P listening
/// socket, or null when the node does not listen.
/// `lock` (the data directory's) is released when the supervisor exits, that
/// is when the node has stopped. With a `store`, the supervisor also runs
/// the chain writer and reader and the sync coordinator; without, chain
/// requests are answered NOT_FOUND and the chain RPCs fail with
/// `no_chain_reason`.
caf::actor spawn_supervisor(caf::actor_system& sys, context_ptr ctx,
                            caf::io::doorman_ptr doorman,
                            std::shared_ptr<dir_lock> lock,
                            std::shared_ptr<chain::store> store,
                            std::string no_chain_reason,
                            caf::actor network = {});

} // namespace timecoin
