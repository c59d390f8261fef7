// The outbound plan as plain code: anchors first, masternodes up to their
// own limit, then book addresses in distinct network groups; never this
// node, a connected node, or a configured address; feelers only when full.

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "actors/outbound_plan.hpp"

using namespace timecoin;

namespace {

constexpr int64_t now = 1'800'000'000;

std::array<uint8_t, 32> key() {
  std::array<uint8_t, 32> k{};
  k.fill(7);
  return k;
}

book_address at(const std::string& host, uint16_t port,
                const std::string& id = {}) {
  book_address a;
  a.host = host;
  a.port = port;
  a.node_id = id;
  a.last_seen = now;
  return a;
}

/// A book of `n` addresses in `n` different /16 networks.
address_book spread_book(int n) {
  address_book book{key(), false, 1};
  for (int i = 0; i < n; ++i)
    book.add(at("20." + std::to_string(i) + ".0.1", 24100),
             "30." + std::to_string(i) + ".0.1", now);
  return book;
}

std::size_t count(const std::vector<planned_dial>& d, conn_type t) {
  std::size_t n = 0;
  for (const auto& x : d)
    n += x.type == t ? 1 : 0;
  return n;
}

} // namespace

TEST_CASE("plan: regular addresses in distinct network groups, up to "
          "maxoutbound") {
  auto book = spread_book(20);
  // Ten more addresses in one /16: at most one of them is chosen.
  for (int i = 0; i < 10; ++i)
    book.add(at("21.1.0." + std::to_string(i + 1), 24100), "31.0.0.1", now);
  outbound_view v;
  std::vector<std::string> anchors;
  std::mt19937_64 rng{1};
  auto dials = plan_outbound(v, anchors, {}, book, rng, now);
  REQUIRE(dials.size() == 8);
  std::set<std::string> groups;
  for (const auto& d : dials) {
    CHECK(d.type == conn_type::outbound);
    groups.insert(network_group(d.host, d.port, false));
  }
  CHECK(groups.size() == 8);
  // With 6 connections already, 2 more, in groups not used yet.
  v.current.clear();
  for (int i = 0; i < 6; ++i) {
    auto host = "20." + std::to_string(i) + ".0.1";
    v.current.push_back({host + ":24100", conn_type::outbound,
                         network_group(host, 24100, false)});
  }
  auto more = plan_outbound(v, anchors, {}, book, rng, now);
  REQUIRE(more.size() == 2);
  for (const auto& d : more)
    for (int i = 0; i < 6; ++i)
      CHECK(network_group(d.host, d.port, false)
            != "4:20." + std::to_string(i));
}

TEST_CASE("plan: never this node, a connected node or a configured address") {
  address_book book{key(), false, 1};
  book.add(at("20.1.0.1", 24100, std::string(64, 'a')), "30.0.0.1", now);
  book.add(at("20.2.0.1", 24100, std::string(64, 'b')), "30.0.0.1", now);
  book.add(at("20.3.0.1", 24100), "30.0.0.1", now);
  book.add(at("20.4.0.1", 24100), "30.0.0.1", now);
  book.add(at("20.5.0.1", 24100), "30.0.0.1", now);
  outbound_view v;
  v.own_id = std::string(64, 'a');
  v.connected_ids = {std::string(64, 'b')};
  v.configured = {"20.3.0.1:24100"};
  v.own_address.emplace("20.4.0.1", 24100);
  std::vector<std::string> anchors;
  std::mt19937_64 rng{2};
  auto dials = plan_outbound(v, anchors, {}, book, rng, now);
  REQUIRE(dials.size() == 1);
  CHECK(dials[0].key() == "20.5.0.1:24100");
  // Nothing left: nothing planned (the actor then asks its seeds).
  v.current.push_back({"20.5.0.1:24100", conn_type::outbound, "4:20.5"});
  CHECK(plan_outbound(v, anchors, {}, book, rng, now).empty());
}

TEST_CASE("plan: anchors first, then masternodes on top of the regular "
          "connections") {
  auto book = spread_book(20);
  outbound_view v;
  v.max_regular = 3;
  v.max_masternodes = 2;
  v.own_id = std::string(64, 'f');
  std::vector<std::string> anchors{"40.0.0.2:24100", "40.0.0.1:24100"};
  std::vector<listed_masternode> mns{
    {std::string(64, '1'), "50.0.0.1", 24100},
    {std::string(64, '2'), "50.1.0.1", 24100},
    {std::string(64, '3'), "50.2.0.1", 24100},
    {std::string(64, 'f'), "50.3.0.1", 24100}, // this node
  };
  v.connected_ids = {std::string(64, '3')};
  std::mt19937_64 rng{3};
  auto dials = plan_outbound(v, anchors, mns, book, rng, now);
  REQUIRE(dials.size() == 5);
  CHECK(dials[0].key() == "40.0.0.1:24100");
  CHECK(dials[1].key() == "40.0.0.2:24100");
  CHECK(anchors.empty());
  CHECK(count(dials, conn_type::masternode) == 2);
  CHECK(count(dials, conn_type::outbound) == 3);
  for (const auto& d : dials)
    if (d.type == conn_type::masternode)
      CHECK((d.host == "50.0.0.1" || d.host == "50.1.0.1"));
  // The masternode limit holds across calls.
  v.current.push_back({"50.0.0.1:24100", conn_type::masternode, "4:50.0"});
  v.current.push_back({"50.1.0.1:24100", conn_type::masternode, "4:50.1"});
  v.max_regular = 0;
  CHECK(plan_outbound(v, anchors, mns, book, rng, now).empty());
}

TEST_CASE("plan: a local cluster groups by host and port") {
  address_book book{key(), true, 1};
  for (int i = 0; i < 30; ++i)
    book.add(at("127.0.0.1", static_cast<uint16_t>(30000 + i)), "127.0.0.1",
             now);
  outbound_view v;
  v.local = true;
  std::vector<std::string> anchors;
  std::mt19937_64 rng{4};
  auto dials = plan_outbound(v, anchors, {}, book, rng, now);
  CHECK(dials.size() == 8);
}

TEST_CASE("feeler: only with the outbound slots full, one at a time, a new "
          "address") {
  auto book = spread_book(12);
  book.good("20.0.0.1", 24100, std::string(64, 'c'), 0, now);
  outbound_view v;
  v.max_regular = 2;
  CHECK(!plan_feeler(v, book, now));
  v.current.push_back({"20.1.0.1:24100", conn_type::outbound, "4:20.1"});
  v.current.push_back({"20.2.0.1:24100", conn_type::outbound, "4:20.2"});
  auto f = plan_feeler(v, book, now);
  REQUIRE(f);
  CHECK(f->type == conn_type::feeler);
  CHECK(f->key() != "20.0.0.1:24100"); // tried already
  CHECK(f->key() != "20.1.0.1:24100");
  v.current.push_back({f->key(), conn_type::feeler, ""});
  CHECK(!plan_feeler(v, book, now));
}
