// The operator's outbound targets without actors: what the supervisor is
// told to do after adds, failures, connections, losses and timers.

#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <string>

#include "actors/backoff.hpp"
#include "actors/dial_targets.hpp"

using namespace std::chrono_literals;
using namespace timecoin;

namespace {

struct fixture {
  dial_targets targets;
  std::set<std::string> connected; ///< node ids with a registered connection
  dial_targets::time_point now{};
  dial_targets::is_connected_fn is_connected = [this](const std::string& id) {
    return connected.count(id) != 0;
  };

  dial_action add(const std::string& addr, bool persistent = true,
                  bool masternode = false) {
    return targets.add(addr, persistent, masternode, is_connected);
  }

  dial_action fail(const std::string& addr) {
    return targets.dial_failed(addr, now);
  }

  std::vector<dial_action> lose(const std::string& id, const std::string& addr,
                                int64_t lasted_s) {
    return targets.lost(id, addr, lasted_s, is_connected, now);
  }

  dial_action fire(const dial_action& retry) {
    now += retry.delay;
    return targets.timer_fired(retry.addr, retry.generation, is_connected);
  }

  dial_target_info info(const std::string& addr) {
    for (auto& i : targets.info(now))
      if (i.address == addr)
        return i;
    FAIL("no target " << addr);
    return {};
  }
};

/// The delay of attempt `n` lies within the jitter of its base delay.
void check_delay(const dial_action& a, uint32_t n) {
  CAPTURE(n);
  REQUIRE(a.kind == dial_action::retry_later);
  auto base = backoff::base_delay(n);
  CHECK(a.delay >= base * 8 / 10);
  CHECK(a.delay <= base * 12 / 10);
}

} // namespace

TEST_CASE("a new target is dialled once") {
  fixture f;
  auto a = f.add("peer:4000");
  CHECK(a.kind == dial_action::dial);
  CHECK(a.addr == "peer:4000");
  CHECK(a.where.host == "peer");
  CHECK(a.where.port == 4000);
  CHECK(f.info("peer:4000").phase == dial_phase::dialing);
  // Added again while its dial is under way: nothing more.
  CHECK(f.add("peer:4000").kind == dial_action::none);
  CHECK(f.targets.info(f.now).size() == 1);
}

TEST_CASE("an invalid address is no target") {
  fixture f;
  CHECK(f.add("no port").kind == dial_action::none);
  CHECK_FALSE(f.targets.contains("no port"));
  CHECK(f.targets.info(f.now).empty());
}

TEST_CASE("adding a target that waits for its retry dials it at once") {
  fixture f;
  f.add("peer:4000");
  auto retry = f.fail("peer:4000");
  REQUIRE(retry.kind == dial_action::retry_later);
  auto a = f.add("peer:4000");
  CHECK(a.kind == dial_action::dial);
  CHECK(f.info("peer:4000").phase == dial_phase::dialing);
  // The timer of the superseded attempt does nothing.
  CHECK(f.fire(retry).kind == dial_action::none);
}

TEST_CASE("a failed dial is retried with growing delays") {
  fixture f;
  f.add("peer:4000");
  for (uint32_t n = 0; n < 9; ++n) {
    auto retry = f.fail("peer:4000");
    check_delay(retry, n);
    CHECK(f.info("peer:4000").phase == dial_phase::waiting);
    CHECK(f.info("peer:4000").attempts == n + 1);
    auto a = f.fire(retry);
    CHECK(a.kind == dial_action::dial);
    CHECK(a.addr == "peer:4000");
  }
}

TEST_CASE("a connection that lasted resets the delays, a short one not") {
  fixture f;
  f.add("peer:4000");
  for (uint32_t n = 0; n < 4; ++n)
    f.fire(f.fail("peer:4000"));
  f.targets.up("aa", "peer:4000");
  CHECK(f.info("peer:4000").phase == dial_phase::connected);
  CHECK(f.info("peer:4000").node_id == "aa");
  auto short_lived = f.lose("aa", "peer:4000", 5);
  REQUIRE(short_lived.size() == 1);
  check_delay(short_lived[0], 4);
  f.fire(short_lived[0]);
  f.targets.up("aa", "peer:4000");
  auto stable = f.lose("aa", "peer:4000", backoff_stable_connection.count());
  REQUIRE(stable.size() == 1);
  check_delay(stable[0], 0);
  CHECK(f.info("peer:4000").attempts == 1);
}

TEST_CASE("a onetry target ends stopped after a failure") {
  fixture f;
  CHECK(f.add("peer:4000", false).kind == dial_action::dial);
  CHECK(f.fail("peer:4000").kind == dial_action::none);
  auto i = f.info("peer:4000");
  CHECK(i.phase == dial_phase::stopped);
  CHECK_FALSE(i.persistent);
  CHECK(std::string{to_string(i.phase)} == "disconnected");
  // onetry again dials it again.
  CHECK(f.add("peer:4000", false).kind == dial_action::dial);
  // A onetry target cannot be removed.
  CHECK_FALSE(f.targets.remove("peer:4000"));
}

TEST_CASE("a target removed while connected is forgotten when it is lost") {
  fixture f;
  f.add("peer:4000");
  f.targets.up("aa", "peer:4000");
  CHECK(f.targets.remove("peer:4000"));
  CHECK(f.targets.contains("peer:4000"));
  CHECK(f.lose("aa", "peer:4000", 5).empty());
  CHECK_FALSE(f.targets.contains("peer:4000"));
}

TEST_CASE("a target removed while waiting is forgotten at once") {
  fixture f;
  f.add("peer:4000");
  auto retry = f.fail("peer:4000");
  CHECK(f.targets.remove("peer:4000"));
  CHECK_FALSE(f.targets.contains("peer:4000"));
  CHECK(f.fire(retry).kind == dial_action::none);
  CHECK_FALSE(f.targets.remove("peer:4000"));
}

TEST_CASE("removing an unknown target is false") {
  fixture f;
  CHECK_FALSE(f.targets.remove("peer:4000"));
}

TEST_CASE("a stale timer does nothing") {
  fixture f;
  f.add("peer:4000");
  auto retry = f.fail("peer:4000");
  auto stale = retry;
  stale.generation -= 1;
  CHECK(f.fire(stale).kind == dial_action::none);
  CHECK(f.info("peer:4000").phase == dial_phase::waiting);
  // Connected before its timer fired: the timer does nothing.
  f.targets.up("aa", "peer:4000");
  CHECK(f.fire(retry).kind == dial_action::none);
  CHECK(f.info("peer:4000").phase == dial_phase::connected);
}

TEST_CASE("a loss while another connection serves the node keeps it") {
  fixture f;
  f.add("peer:4000");
  f.add("alias:4000");
  f.targets.up("aa", "peer:4000");
  // The other address reaches the same node: both connected.
  f.targets.up("aa", "alias:4000");
  f.connected.insert("aa");
  CHECK(f.lose("aa", "peer:4000", 5).empty());
  CHECK(f.info("peer:4000").phase == dial_phase::connected);
  CHECK(f.info("alias:4000").phase == dial_phase::connected);
  // The last connection to the node ends: both are retried.
  f.connected.clear();
  auto retries = f.lose("aa", "alias:4000", 5);
  CHECK(retries.size() == 2);
  CHECK(f.info("peer:4000").phase == dial_phase::waiting);
  CHECK(f.info("alias:4000").phase == dial_phase::waiting);
}

TEST_CASE("a target whose node is connected elsewhere is not dialled") {
  fixture f;
  f.add("peer:4000");
  f.targets.up("aa", "peer:4000");
  auto retries = f.lose("aa", "peer:4000", 5);
  REQUIRE(retries.size() == 1);
  f.connected.insert("aa"); // it dialled us meanwhile
  CHECK(f.fire(retries[0]).kind == dial_action::none);
  CHECK(f.info("peer:4000").phase == dial_phase::connected);
}

TEST_CASE("nothing is dialled or scheduled once stopping") {
  fixture f;
  f.add("peer:4000");
  auto retry = f.fail("peer:4000");
  f.targets.stop();
  CHECK(f.fire(retry).kind == dial_action::none);
  CHECK(f.fail("peer:4000").kind == dial_action::none);
}

TEST_CASE("info reports the states and the time to the next attempt") {
  fixture f;
  f.add("a:1", true, true);
  f.add("b:1");
  f.add("c:1", false);
  f.targets.up("bb", "b:1");
  auto retry = f.fail("a:1");
  f.now += 300ms;
  auto v = f.targets.info(f.now);
  REQUIRE(v.size() == 3);
  CHECK(v[0].address == "a:1");
  CHECK(v[0].phase == dial_phase::waiting);
  CHECK(v[0].masternode);
  CHECK(v[0].attempts == 1);
  CHECK(v[0].next_attempt == retry.delay - 300ms);
  CHECK(std::string{to_string(v[0].phase)} == "reconnecting");
  CHECK(v[1].phase == dial_phase::connected);
  CHECK(v[1].node_id == "bb");
  CHECK(v[1].next_attempt == -1ms);
  CHECK(std::string{to_string(v[1].phase)} == "connected");
  CHECK(v[2].phase == dial_phase::dialing);
  CHECK_FALSE(v[2].persistent);
  CHECK(std::string{to_string(v[2].phase)} == "connecting");
  // Past its time, never negative.
  f.now += 10s;
  CHECK(f.info("a:1").next_attempt == 0ms);
}

TEST_CASE("targets seeded alike re-dial after the same delays") {
  auto delays_of = [](dial_targets targets) {
    auto never = [](const std::string&) { return false; };
    std::vector<std::chrono::milliseconds> out;
    for (const auto* addr : {"10.0.0.1:24100", "10.0.0.2:24100"}) {
      targets.add(addr, true, false, never);
      for (int i = 0; i < 4; ++i) {
        auto retry = targets.dial_failed(addr, {});
        out.push_back(retry.delay);
        targets.timer_fired(addr, retry.generation, never);
      }
    }
    return out;
  };
  auto a = delays_of(dial_targets{std::mt19937_64{7}});
  CHECK(a == delays_of(dial_targets{std::mt19937_64{7}}));
  CHECK(a != delays_of(dial_targets{std::mt19937_64{8}}));
}
