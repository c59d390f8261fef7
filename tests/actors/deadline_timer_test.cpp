// The timer for the earliest of an actor's deadlines, in virtual time.

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "actors/deadline_timer.hpp"
#include "fixture.hpp"

using namespace timecoin;
using namespace std::chrono_literals;

namespace {

using wake_atom = caf::atom_constant<caf::atom("wake")>;
using at_atom = caf::atom_constant<caf::atom("at")>;

/// When the actor woke for its timer: seconds since the start.
using wakes = std::vector<int64_t>;

struct sleeper_state {
  deadline_timer<wake_atom> timer;
};

caf::behavior sleeper(caf::stateful_actor<sleeper_state>* self,
                      std::shared_ptr<wakes> log,
                      caf::actor_clock::time_point start) {
  return {
    [=](at_atom, caf::timespan after) {
      auto now = self->clock().now();
      self->state.timer.at(self, now, now + after);
    },
    [=](wake_atom, uint64_t generation) {
      if (self->state.timer.fired(generation))
        log->push_back(std::chrono::duration_cast<std::chrono::seconds>(
                         self->clock().now() - start)
                         .count());
    },
  };
}

/// Fires the timers one by one, each at its time, until none is left.
void fire_all(test::net_fixture& f) {
  for (int i = 0; i < 100 && !f.sched.clock().schedule().empty(); ++i) {
    f.sched.clock().trigger_timeout();
    f.settle();
  }
}

} // namespace

TEST_CASE("a deadline timer wakes once, at the earliest deadline set") {
  test::net_fixture f;
  auto log = std::make_shared<wakes>();
  auto start = f.sched.clock().now();
  auto a = f.sys.spawn(sleeper, log, start);
  f.settle();
  caf::anon_send(a, at_atom::value, caf::timespan{10s});
  caf::anon_send(a, at_atom::value, caf::timespan{20s}); // later: no change
  caf::anon_send(a, at_atom::value, caf::timespan{5s});  // earlier: replaces
  f.settle();
  CHECK(f.sched.clock().schedule().size() == 2);
  fire_all(f);
  // The 10 s timer arrived too, and was ignored.
  CHECK(*log == wakes{5});
  // Unset after it fired: the next deadline sets it again.
  caf::anon_send(a, at_atom::value, caf::timespan{1s});
  f.settle();
  fire_all(f);
  CHECK(*log == wakes{5, 11});
  // A deadline that has passed fires at once.
  caf::anon_send(a, at_atom::value, caf::timespan{-1s});
  f.settle();
  fire_all(f);
  CHECK(*log == wakes{5, 11, 11});
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  f.settle();
}
