#pragma once

// Answering a request with another actor's answer (internal header).

#include <utility>

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/result.hpp>

namespace timecoin {

/// Asks `dest` and delivers its answer (or error) to whoever sent `self` the
/// message being handled.
template <class T, class Self, class... Ts>
caf::result<T> forward_answer(Self self, const caf::actor& dest, Ts&&... xs) {
  auto rp = self->template make_response_promise<T>();
  self->request(dest, caf::infinite, std::forward<Ts>(xs)...)
    .then([=](T& answer) mutable { rp.deliver(std::move(answer)); },
          [=](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

} // namespace timecoin
