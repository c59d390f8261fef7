#pragma once

// The masternodes actor: owns the masternode list (actors/masternode_list.hpp),
// checks announcements against the chain state, publishes the listed ids
// for the registry and discovery, answers GET_MASTERNODES, and announces
// this node when it is a masternode (internal header). docs/PROTOCOL.md,
// "Masternodes".

#include <memory>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace timecoin::chain {
class store;
}

namespace timecoin {

/// Spawns the masternodes actor. Without a `store` no announcement can be
/// checked, so the list stays empty (only `masternodepeer=` counts).
/// `registry` delivers and relays accepted announcements; it and `discovery`
/// learn when the list changes. The chain writer tells the actor of every new
/// tip (`tip_atom`): the list is checked again then, entries expire at their
/// expiry, and the actor wakes for nothing else.
caf::actor spawn_masternodes(caf::actor_system& sys, context_ptr ctx,
                             std::shared_ptr<chain::store> store,
                             caf::actor registry, caf::actor discovery);

} // namespace timecoin
