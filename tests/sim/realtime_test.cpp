// Real time against virtual time: nodes over loopback TLS sockets, each
// write held for the link latency, take at least the simulated time and
// only a little more.

#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "sim/driver.hpp"
#include "sim/report.hpp"
#include "sim/simulation.hpp"

namespace timecoin::sim {

namespace {

using namespace std::chrono_literals;

/// The one latency of every link: long against what a hop costs besides
/// it, so that the margin below can be a fraction of it.
constexpr auto latency = std::chrono::milliseconds{40};
/// What real time may add to the p50 and p90 of virtual time, as a fraction
/// of it. Every link has the one latency, so virtual time is hops times the
/// latency, and this is half a latency (20 ms) per hop: a hop whose bytes
/// were held twice, or released a latency late, fails it. Besides the
/// latency, a real hop costs TLS record encryption and decryption, the
/// signature check of the envelope, actor scheduling on both sides and the
/// timer thread that releases the held bytes. Measured here (2 cores
/// shared with other builds and tests, load average 6-8), p90 over the
/// 3-hop bound: 1-2 ms a hop in a release build, 3-6 ms under
/// AddressSanitizer, up to 10 ms under AddressSanitizer with both cores
/// also busy-looping. The tail (p99, p100) is only checked against the
/// bound: one descheduled thread moves it.
constexpr double margin_ratio = 0.5;

run_options small_network(clock_mode mode) {
  run_options o;
  o.nodes = 10;
  o.degree = 3;
  o.latency = latency;
  o.seed = 11;
  o.mode = mode;
  o.tls = true;
  return o;
}

/// Ten messages from random nodes, 100 ms apart, then time to spread.
scenario ten_messages() {
  scenario sc;
  sc.name = "realtime-test";
  sc.duration = 3s;
  publish_event p;
  p.count = 10;
  p.interval = 100ms;
  sc.events.push_back(event{500ms, p, 0});
  return sc;
}

report run(clock_mode mode) {
  auto rec = run_scenario(small_network(mode), ten_messages());
  REQUIRE_MESSAGE(rec, (rec ? std::string{} : rec.error().message));
  return analyze(*rec);
}

sim_options real_options() {
  sim_options o;
  o.mode = clock_mode::real_time;
  o.link.latency = latency;
  return o;
}

double metric(const metrics_snapshot& m, const std::string& name,
              const std::string& label, const std::string& value) {
  double sum = 0;
  for (const auto& s : m)
    for (const auto& kv : s.labels)
      if (s.name == name && kv.first == label && kv.second == value)
        sum += s.value;
  return sum;
}

} // namespace

TEST_CASE("real time: gossip takes the simulated time and a little more") {
  auto virt = run(clock_mode::virtual_time);
  auto real = run(clock_mode::real_time);
  CHECK(virt.delivered_ratio == doctest::Approx(1.0));
  CHECK(real.delivered_ratio == doctest::Approx(1.0));
  for (std::size_t k = 0; k < report_percentiles.size(); ++k) {
    INFO("p" << report_percentiles[k] << ": virtual " << virt.reach_s[k]
             << " s, real " << real.reach_s[k] << " s");
    REQUIRE_FALSE(std::isnan(virt.reach_s[k]));
    REQUIRE_FALSE(std::isnan(real.reach_s[k]));
    // Nothing beats the latency the sender holds every write for.
    CHECK(real.reach_s[k] >= virt.reach_s[k]);
    if (report_percentiles[k] <= 90)
      CHECK(real.reach_s[k] <= virt.reach_s[k] * (1 + margin_ratio));
  }
}

TEST_CASE("real time: a close waits for the held bytes, BYE included") {
  simulation net{real_options()};
  node_config only_links;
  only_links.connect_only = true;
  net.add_node(only_links);
  net.add_node(only_links);
  net.connect(0, 1);
  REQUIRE(net.run_until(
    [&] {
      return net.node(0).connected_count() == 1
             && net.node(1).connected_count() == 1;
    },
    30s));
  net.stop(1);
  REQUIRE(
    net.run_until([&] { return net.node(0).connected_count() == 0; }, 30s));
  // The peer heard the BYE: the socket did not close under it.
  auto m = net.metrics(0);
  CHECK(metric(m, "timecoin_connections_closed_total", "reason", "peer_bye")
        == 1);
  CHECK(metric(m, "timecoin_connections_closed_total", "reason", "peer_closed")
        == 0);
}

TEST_CASE("real time: what only the simulated network does is refused") {
  simulation net{real_options()};
  net.add_node();
  net.add_node();
  CHECK_THROWS_AS(net.set_link(0, 1, link_params{5ms, 0us, 0}),
                  std::logic_error);
  CHECK_THROWS_AS(net.partition({0, 1}), std::logic_error);
  CHECK_THROWS_AS(net.heal(), std::logic_error);

  auto jitter = real_options();
  jitter.link.jitter = 5ms;
  CHECK_THROWS_AS(simulation{jitter}, std::invalid_argument);
  auto bandwidth = real_options();
  bandwidth.link.bits_per_second = 1'000'000;
  CHECK_THROWS_AS(simulation{bandwidth}, std::invalid_argument);

  auto sc = ten_messages();
  sc.events.push_back(event{1s, partition_event{}, 1});
  auto rec = run_scenario(small_network(clock_mode::real_time), sc);
  REQUIRE_FALSE(rec);
  CHECK(rec.error().message.find("no partitions") != std::string::npos);
}

} // namespace timecoin::sim
