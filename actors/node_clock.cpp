#include "actors/node_clock.hpp"

#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>

namespace timecoin {

namespace {

class machine_clock final : public node_clock {
public:
  time_point now() const override { return std::chrono::steady_clock::now(); }

  int64_t unix_now() const override {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch())
      .count();
  }
};

class system_clock_of_actors final : public node_clock {
public:
  system_clock_of_actors(caf::actor_clock& clock, int64_t unix_at_start)
    : clock_(clock), start_(clock.now()), unix_at_start_(unix_at_start) {}

  time_point now() const override { return clock_.now(); }

  int64_t unix_now() const override {
    auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(clock_.now()
                                                                    - start_);
    return unix_at_start_ + elapsed.count();
  }

private:
  caf::actor_clock& clock_;
  time_point start_;
  int64_t unix_at_start_;
};

} // namespace

std::shared_ptr<const node_clock> real_clock() {
  static const auto clock = std::make_shared<const machine_clock>();
  return clock;
}

std::shared_ptr<const node_clock> actor_system_clock(caf::actor_system& sys,
                                                     int64_t unix_at_start) {
  return std::make_shared<const system_clock_of_actors>(sys.clock(),
                                                        unix_at_start);
}

} // namespace timecoin
