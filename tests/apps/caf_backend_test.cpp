#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "apps/rpc/caf_backend.hpp"

using namespace timecoin;
using namespace timecoin::rpc;

namespace {

/// A stand-in for the node: canned answers; "10.0.0.9:9" is never answered.
node_actor::behavior_type fake_node(node_actor::pointer self) {
  return {
    [](status_atom) {
      network_info info;
      info.node_id = "ab";
      info.connections_in = 1;
      return info;
    },
    [](peers_atom) {
      peer_info p;
      p.address = "10.0.0.1:1";
      return std::vector<peer_info>{p};
    },
    [self](addnode_atom, const std::string& addr,
           uint8_t mode) -> caf::result<bool> {
      if (addr == "10.0.0.9:9")
        return self->make_response_promise<bool>(); // never delivered
      return addr == "10.0.0.1:1"
             && mode == static_cast<uint8_t>(addnode_mode::onetry);
    },
    [](disconn_atom, const std::string& target) { return target == "x"; },
    [](nodeaddrs_atom, uint32_t) { return std::vector<node_address_info>{}; },
    [](addpeeradr_atom, const std::string&, uint16_t) { return true; },
    [](mnlist_atom) { return std::vector<masternode_info>{}; },
    [](sendto_atom, const std::string&, uint64_t) { return std::string{}; },
    [](addednodes_atom) {
      added_node_info n;
      n.address = "10.0.0.1:1";
      n.state = "connected";
      return std::vector<added_node_info>{n};
    },
    [](publish_atom, uint16_t, const std::vector<uint8_t>&) { return true; },
    [](subscribe_atom, uint16_t, const caf::actor&) {},
    [](unsub_atom, uint16_t, const caf::actor&) {},
    [](setban_atom, const std::string& subnet, bool add, int64_t seconds) {
      return subnet == "10.0.0.0/8" && add == (seconds == 60);
    },
    [](listbans_atom) {
      ban_info b;
      b.subnet = "10.0.0.0/8";
      b.banned_until = 2;
      b.created = 1;
      b.reason = "manual";
      return std::vector<ban_info>{b};
    },
    [](clearbans_atom) { return true; },
    [](chaininfo_atom) {
      chain_info info;
      info.chain = "devnet";
      info.blocks = 7;
      info.snapshot_heights = {0, 5};
      info.sync.state = "idle";
      info.sync.reorgs = 2;
      return info;
    },
    [](blockhash_atom, uint64_t height) -> caf::result<std::string> {
      if (height > 7)
        return caf::make_error(caf::sec::runtime_error,
                               "height " + std::to_string(height)
                                 + " is above the tip 7");
      return std::string(64, 'a');
    },
    [](getblock_atom, const std::string& which) -> caf::result<block_info> {
      if (which != "3")
        return caf::make_error(caf::sec::runtime_error,
                               std::string{"block not found"});
      block_info b;
      b.height = 3;
      b.hash = std::string(64, 'b');
      b.confirmations = 5;
      b.encoded = {1, 2, 3};
      return b;
    },
    [self](generate_atom, uint32_t n,
           uint32_t txs) -> caf::result<std::vector<std::string>> {
      if (n == 1234)
        return self->make_response_promise<std::vector<std::string>>();
      if (txs == 99)
        return caf::make_error(caf::sec::runtime_error,
                               std::string{"generate is devnet only"});
      return std::vector<std::string>(n, std::string(64, 'c'));
    },
    [](verifychain_atom) { return std::string{}; },
    [](metrics_atom) {
      metric_sample s;
      s.name = "timecoin_peers";
      s.help = "Connected peers, by direction.";
      s.type = "gauge";
      s.labels = {{"class", "inbound"}};
      s.value = 3;
      return metrics_snapshot{s};
    },
    [self](stop_atom) { self->quit(); },
  };
}

} // namespace

TEST_CASE("caf_backend talks to a node actor") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto node = sys.spawn(fake_node);
  std::atomic<int> stops{0};
  caf_backend backend{sys, node, [&] { ++stops; },
                      std::chrono::milliseconds{100}};

  auto status = backend.status();
  REQUIRE(status);
  CHECK(status->node_id == "ab");
  CHECK(status->connections_in == 1);

  auto peers = backend.peers();
  REQUIRE(peers);
  REQUIRE(peers->size() == 1);
  CHECK((*peers)[0].address == "10.0.0.1:1");

  CHECK(backend.addnode("10.0.0.1:1", addnode_mode::onetry).value() == true);
  CHECK(backend.addnode("10.0.0.1:1", addnode_mode::add).value() == false);
  CHECK(backend.disconnect("x").value() == true);
  CHECK(backend.disconnect("y").value() == false);
  auto added = backend.added_nodes();
  REQUIRE(added);
  REQUIRE(added->size() == 1);
  CHECK((*added)[0].state == "connected");

  CHECK(backend.setban("10.0.0.0/8", true, 60).value() == true);
  CHECK(backend.setban("10.0.0.0/8", false, 0).value() == true);
  CHECK(backend.setban("10.0.0.0/8", true, 61).value() == false);
  CHECK(backend.setban("1.2.3.4", true, 60).value() == false);
  auto bans = backend.list_banned();
  REQUIRE(bans);
  REQUIRE(bans->size() == 1);
  CHECK((*bans)[0].subnet == "10.0.0.0/8");
  CHECK((*bans)[0].banned_until == 2);
  CHECK((*bans)[0].created == 1);
  CHECK((*bans)[0].reason == "manual");
  CHECK(backend.clear_banned().value() == true);

  // A node that does not answer: the request times out.
  auto slow = backend.addnode("10.0.0.9:9", addnode_mode::add);
  REQUIRE_FALSE(slow);
  CHECK(slow.error().message.find("did not answer") != std::string::npos);
  CHECK(slow.error().code == backend_errc::unavailable);

  backend.request_stop();
  CHECK(stops == 1);

  caf::anon_send(node, stop_atom::value);
  {
    caf::scoped_actor self{sys};
    self->wait_for(node);
  }
  auto gone = backend.status();
  REQUIRE_FALSE(gone);
  CHECK(gone.error().message == "the node is not running");
}

TEST_CASE("caf_backend: the chain methods") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto node = sys.spawn(fake_node);
  caf_backend backend{sys, node, nullptr, std::chrono::milliseconds{1000},
                      std::chrono::milliseconds{100}};

  auto chain = backend.chain();
  REQUIRE(chain);
  CHECK(chain->chain == "devnet");
  CHECK(chain->blocks == 7);
  CHECK(chain->snapshot_heights == std::vector<uint64_t>{0, 5});
  CHECK(chain->sync.state == "idle");
  CHECK(chain->sync.reorgs == 2);

  CHECK(backend.block_hash(7).value() == std::string(64, 'a'));
  // The node's refusal comes back with its own text.
  auto high = backend.block_hash(5000);
  REQUIRE_FALSE(high);
  CHECK(high.error().code == backend_errc::refused);
  CHECK(high.error().message == "height 5000 is above the tip 7");

  auto b = backend.block("3");
  REQUIRE(b);
  CHECK(b->height == 3);
  CHECK(b->confirmations == 5);
  CHECK(b->encoded == std::vector<uint8_t>{1, 2, 3});
  auto missing = backend.block(std::string(64, 'f'));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == backend_errc::refused);
  CHECK(missing.error().message == "block not found");

  auto metrics = backend.metrics();
  REQUIRE(metrics);
  REQUIRE(metrics->size() == 1);
  CHECK((*metrics)[0].name == "timecoin_peers");
  CHECK(
    (*metrics)[0].labels
    == std::vector<std::pair<std::string, std::string>>{{"class", "inbound"}});
  CHECK((*metrics)[0].value == 3);

  auto made = backend.generate(3, 0);
  REQUIRE(made);
  CHECK(made->size() == 3);
  auto refused = backend.generate(1, 99);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "generate is devnet only");
  // generate has its own timeout (100 ms here, minutes in timed).
  auto slow = backend.generate(1234, 0);
  REQUIRE_FALSE(slow);
  CHECK(slow.error().code == backend_errc::unavailable);
  CHECK(slow.error().message.find("within 100 ms") != std::string::npos);

  auto verify = backend.verify_chain();
  REQUIRE(verify);
  CHECK(verify->empty());

  caf::anon_send(node, stop_atom::value);
  {
    caf::scoped_actor self{sys};
    self->wait_for(node);
  }
  auto gone = backend.chain();
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == backend_errc::unavailable);
}

TEST_CASE("caf_backend without a node") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf_backend backend{sys, node_actor{}, nullptr};
  CHECK_FALSE(backend.status());
  backend.request_stop(); // no callback: nothing happens
}
