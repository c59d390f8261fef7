// The supervisor's re-dial schedule under virtual time, with the node's real
// actors on CAF's test multiplexer.

#include <doctest/doctest.h>

#include "actors/atoms.hpp"
#include "actors/backoff.hpp"
#include "actors/node_clock.hpp"
#include "actors/node_internal.hpp"
#include "fixture.hpp"

using namespace std::chrono_literals;
using namespace timecoin;

namespace {

struct node_fixture : test::net_fixture {
  node_handle node;

  explicit node_fixture(std::vector<std::string> addnode) {
    node_config cfg;
    cfg.tls = false;
    cfg.listen = false;
    cfg.addnode = std::move(addnode);
    cfg.datadir = test::temp_dir("supervisor");
    node_options opts;
    opts.dial_via_backend = true;
    opts.log = test::quiet_logger();
    // Every reading of time virtual, as the timers are.
    opts.clock = actor_system_clock(sys, 1'800'000'000);
    auto h = spawn_node(sys, cfg, opts);
    REQUIRE(h);
    node = *h;
    settle();
  }

  ~node_fixture() {
    caf::anon_send(node.actor(), stop_atom::value);
    settle();
    advance(5s);
  }

  /// Time until the earliest pending re-dial timer (other actors keep
  /// timers of their own).
  caf::timespan next_timer() {
    using actor_msg = caf::detail::simple_actor_clock::actor_msg;
    for (const auto& entry : sched.clock().schedule()) {
      auto msg = dynamic_cast<const actor_msg*>(entry.second.get());
      if (msg == nullptr || !msg->content)
        continue;
      const auto& content = msg->content->content();
      if (content.match_element<caf::atom_value>(0)
          && content.get_as<caf::atom_value>(0) == dial_atom::value)
        return entry.first - sched.clock().now();
    }
    FAIL("no re-dial timer pending");
    return {};
  }
};

} // namespace

TEST_CASE("a peer that cannot be reached is re-dialled at 1, 2, 4 ... 32 s") {
  node_fixture f{{"peer:4000"}};
  for (uint32_t n = 0; n < 9; ++n) {
    CAPTURE(n);
    auto base = std::chrono::duration_cast<caf::timespan>(
      backoff::base_delay(n));
    auto d = f.next_timer();
    CHECK(d >= base * 8 / 10);
    CHECK(d <= base * 12 / 10);
    f.advance(d);
  }
}

TEST_CASE("the re-dial reaches the peer once it is there") {
  node_fixture f{{"peer:4000"}};
  auto hdl = caf::io::connection_handle::from_int(7);
  f.advance(f.next_timer()); // second attempt fails too
  f.mpx.provide_scribe("peer", 4000, hdl);
  f.advance(f.next_timer());
  auto sent = test::frames_of(f.written(hdl));
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].type() == proto::msg_type::hello);
}

TEST_CASE("getaddednodeinfo shows reconnecting, then connecting, peers") {
  node_fixture f{{"peer:4000"}};
  auto ask = [&] {
    auto out = std::make_shared<std::vector<added_node_info>>();
    auto node = f.node.actor();
    f.sys.spawn([=](caf::event_based_actor* self) {
      self->request(node, caf::infinite, addednodes_atom::value)
        .then([=](std::vector<added_node_info>& v) { *out = v; });
    });
    f.settle();
    return *out;
  };
  auto v = ask();
  REQUIRE(v.size() == 1);
  CHECK(v[0].address == "peer:4000");
  CHECK(v[0].state == "reconnecting");
  CHECK(v[0].attempts == 1);
  CHECK(v[0].next_attempt_ms >= 800);
  CHECK(v[0].next_attempt_ms <= 1200);
  // The node reads the virtual clock: exactly the pending timer's delay.
  CHECK(v[0].next_attempt_ms
        == std::chrono::duration_cast<std::chrono::milliseconds>(f.next_timer())
             .count());
  f.mpx.provide_scribe("peer", 4000, caf::io::connection_handle::from_int(9));
  f.advance(f.next_timer());
  v = ask();
  REQUIRE(v.size() == 1);
  CHECK(v[0].state == "connecting"); // TCP up, handshake under way
}
