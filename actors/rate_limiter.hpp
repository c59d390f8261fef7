#pragma once

// The rate limiter: violations per address, the escalating ban list of
// docs/PROTOCOL.md, "Violations and bans" (persisted in the data directory),
// and the operator's setban (internal header). Per-frame budgets are charged by
// the connections themselves.

#include <chrono>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/context.hpp"

namespace timecoin {

/// Ended bans and old violations are forgotten once they have ended, in one
/// pass at most this often (a pass looks at every ban and violation kept);
/// with nothing kept, the rate limiter sets no timer at all.
constexpr auto ban_expiry_interval = std::chrono::seconds{60};

/// Spawns the rate limiter of a node; it loads `<datadir>/banlist.json` and
/// publishes the bans to `ctx->bans`. Addresses it bans are disconnected
/// through `registry` (`disconn_ip`).
caf::actor spawn_rate_limiter(caf::actor_system& sys, context_ptr ctx,
                              caf::actor registry);

} // namespace timecoin
