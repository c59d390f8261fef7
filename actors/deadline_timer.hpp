#pragma once

// One timer for the earliest of an actor's deadlines (internal header): an
// actor that has work at a known time sets it for then, and sets nothing
// while it has none, so that a node that nothing happens to sleeps.

#include <algorithm>
#include <cstdint>
#include <optional>

#include "actors/node_clock.hpp"
#include "actors/send_later.hpp"

namespace timecoin {

/// A timer that sends `Atom` and a generation to its actor. Setting it for
/// an earlier time than it is set for sets a new one; the one set before
/// still arrives, and `fired` tells the actor to ignore it.
template <class Atom>
class deadline_timer {
public:
  using time_point = node_clock::time_point;

  /// Makes the timer fire at `due` (now, if `due` has passed) unless it is
  /// set for `due` or earlier already.
  template <class Self>
  void at(Self* self, time_point now, time_point due) {
    if (due_ && *due_ <= due)
      return;
    due_ = due;
    send_later(self, std::max(due - now, time_point::duration::zero()),
               Atom::value, ++generation_);
  }

  /// A timer message of `generation` arrived: true if it is the timer set
  /// last, which is then no longer set; false for one it replaced.
  bool fired(uint64_t generation) {
    if (!due_ || generation != generation_)
      return false;
    due_.reset();
    return true;
  }

  /// Whether the timer is set.
  bool set() const { return due_.has_value(); }

private:
  std::optional<time_point> due_;
  uint64_t generation_ = 0;
};

} // namespace timecoin
