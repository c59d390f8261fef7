// Network parameters and the state-free checks of docs/PROTOCOL.md, "Chain
// data".

#include <fstream>

#include <doctest/doctest.h>

#include "protocol/codec.hpp"
#include "tests/chain/helpers.hpp"

using namespace timecoin;
using namespace timecoin::chain;
using namespace timecoin::chain::test;

TEST_CASE("params_for: devnet built in, others from genesis.hex") {
  const auto dev = devnet_params();
  CHECK(dev.net == proto::network::devnet);
  CHECK(proto::block_hash(dev.genesis.header) == proto::devnet_genesis_hash());
  CHECK(dev.producers
        == std::vector<proto::hash256>{proto::devnet_producer_public_key()});
  CHECK(dev.block_reward == proto::devnet_block_reward);
  CHECK(dev.snapshot_interval == 100);

  temp_dir d;
  node_config cfg;
  cfg.net = proto::network::testnet;
  cfg.datadir = d.path;
  auto r = params_for(cfg);
  REQUIRE(!r);
  CHECK(r.error().find("no genesis block for testnet") != std::string::npos);
  CHECK(r.error().find(d.path + "/genesis.hex") != std::string::npos);

  {
    std::ofstream out{d.path + "/genesis.hex"};
    out << proto::to_hex(proto::encode_block(proto::devnet_genesis())) << "\n";
  }
  const auto pk = security::node_key::from_seed(proto::hash256{9}).public_key();
  cfg.producer = {proto::to_hex(pk)};
  r = params_for(cfg);
  REQUIRE(r);
  CHECK(r->net == proto::network::testnet);
  CHECK(r->snapshot_interval == 1000);
  CHECK(proto::block_hash(r->genesis.header) == proto::devnet_genesis_hash());
  CHECK(r->producers == std::vector<proto::hash256>{pk});

  cfg.producer = {"zz"};
  CHECK(!params_for(cfg));
  cfg.producer = {};
  {
    std::ofstream out{d.path + "/genesis.hex"};
    out << "c0ffee";
  }
  CHECK(!params_for(cfg));
  {
    std::ofstream out{d.path + "/genesis.hex"};
    out << "not hex";
  }
  CHECK(!params_for(cfg));
}

TEST_CASE("a store opens on a testnet genesis with configured producers") {
  temp_dir d;
  auto params = devnet_params();
  params.net = proto::network::testnet;
  const auto other = security::node_key::from_seed(proto::hash256{3});
  params.producers = {other.public_key()};
  auto s = open_store(d.sub("s"), params);
  producer devp{devnet_key()};
  auto b = devp.next_block(*s, 1, test_time);
  REQUIRE(b);
  auto r = s->append({*b});
  REQUIRE(r.error);
  CHECK(r.error->reason == reject_reason::bad_producer);
  // The configured producer may build on the genesis, but owns no coins.
  producer op{other};
  REQUIRE(op.generate(*s, 2, 3, test_time));
  CHECK(s->tip().height == 2);
  CHECK(!s->verify());
}

TEST_CASE("check_headers") {
  temp_dir d;
  auto s = open_store(d.sub("s"));
  producer p{devnet_key()};
  REQUIRE(p.generate(*s, 5, 0, test_time));
  const auto params = s->params();
  const auto genesis = params.genesis.header;
  auto hs = ok(s->get_headers(1, 5)).items;
  CHECK(check_headers(params, genesis, hs));
  CHECK(check_headers(params, genesis, {}));
  CHECK(check_headers(params, ok(s->header_at(2))->header,
                      {hs.begin() + 2, hs.end()}));

  SUBCASE("broken link") {
    hs[3].header.prev_hash[0] ^= 1;
    auto r = check_headers(params, genesis, hs);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::bad_prev_hash);
    CHECK(r.error().height == 4);
  }
  SUBCASE("bad signature") {
    hs[2].producer_signature[0] ^= 1;
    auto r = check_headers(params, genesis, hs);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::bad_producer_signature);
    CHECK(r.error().height == 3);
  }
  SUBCASE("gap") {
    hs.erase(hs.begin() + 1);
    auto r = check_headers(params, genesis, hs);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::bad_height);
  }
  SUBCASE("unauthorised producer") {
    auto other = params;
    other.producers = {proto::hash256{1}};
    auto r = check_headers(other, genesis, hs);
    REQUIRE(!r);
    CHECK(r.error().reason == reject_reason::bad_producer);
  }
}

TEST_CASE("utxo_root_of and reason names") {
  const auto g = proto::devnet_genesis();
  proto::utxo_entry e;
  e.txid = proto::txid(g.transactions[0]);
  e.vout = 0;
  e.value = g.transactions[0].outputs[0].value;
  e.owner = g.transactions[0].outputs[0].owner;
  e.height = 0;
  CHECK(utxo_root_of({e}) == g.header.utxo_root);
  proto::lthash16 empty;
  CHECK(utxo_root_of({}) == empty.digest());
  CHECK(std::string{to_string(reject_reason::bad_merkle_root)}
        == "bad_merkle_root");
  CHECK(std::string{to_string(reject_reason::storage)} == "storage");
}
