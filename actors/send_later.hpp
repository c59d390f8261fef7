#pragma once

// Timers an actor sets for itself (internal header).

#include <utility>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

namespace timecoin {

/// Sends `xs...` to `self` after `delay`, anonymously. A timer message that
/// names its sender holds a strong reference to it; when it fires after the
/// actor has quit, CAF 0.17 queues it in the dead broker's mailbox, which no
/// one ever clears: the actor then references itself and is never freed
/// (every inbound connection leaked its actor this way). Without a sender,
/// a late timer is just a message for nobody.
template <class Self, class Duration, class... Ts>
void send_later(Self* self, Duration delay, Ts&&... xs) {
  caf::delayed_anon_send(caf::actor_cast<caf::actor>(self), delay,
                         std::forward<Ts>(xs)...);
}

} // namespace timecoin
