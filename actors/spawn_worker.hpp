#pragma once

// Workers that normally run on threads of their own (internal header).

#include <utility>

#include <caf/actor.hpp>
#include <caf/spawn_options.hpp>

#include "actors/context.hpp"

namespace timecoin {

/// Spawns `fun(xs...)` from `where` (an actor system, or an actor for a
/// worker of its own) on a thread of its own (`caf::detached`), so that
/// blocking or long work never holds the scheduler's threads; or, with
/// `ctx.scheduled_workers`, as an ordinary scheduled actor, so that a
/// simulation under CAF's test coordinator runs it in virtual time.
template <class Where, class F, class... Ts>
caf::actor spawn_worker(Where& where, const node_context& ctx, F fun,
                        Ts&&... xs) {
  if (ctx.scheduled_workers)
    return where.spawn(std::move(fun), std::forward<Ts>(xs)...);
  return where.template spawn<caf::detached>(std::move(fun),
                                             std::forward<Ts>(xs)...);
}

} // namespace timecoin
