#include "actors/node.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/atoms.hpp"
#include "actors/chain_actor.hpp"
#include "actors/connector.hpp"
#include "actors/forward_answer.hpp"
#include "actors/node_internal.hpp"
#include "actors/supervisor.hpp"
#include "chain/params.hpp"
#include "chain/store.hpp"
#include "security/file_util.hpp"
#include "timecoin/version.hpp"

namespace timecoin {

dir_lock& dir_lock::operator=(dir_lock&& other) noexcept {
  std::swap(fd_, other.fd_);
  return *this;
}

dir_lock::~dir_lock() {
  if (fd_ >= 0)
    ::close(fd_);
}

node_handle::node_handle(node_actor actor,
                         std::shared_ptr<const peer_table> table,
                         std::string node_id, uint16_t p2p_port)
  : actor_(std::move(actor)),
    table_(std::move(table)),
    node_id_(std::move(node_id)),
    p2p_port_(p2p_port) {
  // nop
}

bool node_handle::is_connected(const std::string& node_id_hex) const {
  return table_ && table_->is_connected(node_id_hex);
}

std::size_t node_handle::connected_count() const {
  return table_ ? table_->connected_count() : 0;
}

std::vector<std::string> node_handle::connected_peers() const {
  return table_ ? table_->connected_peers() : std::vector<std::string>{};
}

namespace {

struct facade_state {
  static inline const char* name = "node";
};

network_info make_network_info(const node_context& ctx) {
  network_info info;
  info.node_id = ctx.node_id_hex;
  info.network = ctx.net->name;
  info.protocol_version = proto::protocol_version;
  info.user_agent = ctx.local.user_agent;
  ctx.table->read([&](const peer_snapshot& s) {
    info.connections_in = s.inbound;
    info.connections_out = s.outbound;
    return 0;
  });
  if (ctx.local.listen_port != 0)
    info.local_addresses.push_back(ctx.cfg.bind + ":"
                                   + std::to_string(ctx.local.listen_port));
  auto tip = ctx.tip();
  info.best_height = tip.height;
  info.best_hash = proto::to_hex(tip.hash);
  return info;
}

using facade_actor = node_actor::stateful_pointer<facade_state>;

node_actor::behavior_type node_facade(facade_actor self, context_ptr ctx,
                                      caf::actor supervisor) {
  self->link_to(supervisor);
  return {
    [=](status_atom) { return make_network_info(*ctx); },
    [=](peers_atom) {
      return forward_answer<std::vector<peer_info>>(self, supervisor,
                                                    peers_atom::value);
    },
    [=](addnode_atom, const std::string& addr,
        uint8_t mode) -> caf::result<bool> {
      if (!parse_peer_address(addr) || mode > 2)
        return false;
      return forward_answer<bool>(self, supervisor, addnode_atom::value, addr,
                                  mode);
    },
    [=](disconn_atom, const std::string& who) {
      return forward_answer<bool>(self, supervisor, disconn_atom::value, who);
    },
    [=](addednodes_atom) {
      return forward_answer<std::vector<added_node_info>>(
        self, supervisor, addednodes_atom::value);
    },
    [=](nodeaddrs_atom a, uint32_t count) {
      return forward_answer<std::vector<node_address_info>>(self, supervisor, a,
                                                            count);
    },
    [=](addpeeradr_atom a, const std::string& host, uint16_t port) {
      return forward_answer<bool>(self, supervisor, a, host, port);
    },
    [=](sendto_atom a, const std::string& owner, uint64_t units) {
      return forward_answer<std::string>(self, supervisor, a, owner, units);
    },
    [=](mnlist_atom a) {
      return forward_answer<std::vector<masternode_info>>(self, supervisor, a);
    },
    [=](publish_atom, uint16_t kind, std::vector<uint8_t>& payload) {
      return forward_answer<bool>(self, supervisor, publish_atom::value, kind,
                                  std::move(payload));
    },
    [=](subscribe_atom, uint16_t kind, caf::actor& who) {
      caf::anon_send(supervisor, subscribe_atom::value, kind, std::move(who));
    },
    [=](unsub_atom, uint16_t kind, caf::actor& who) {
      caf::anon_send(supervisor, unsub_atom::value, kind, std::move(who));
    },
    [=](setban_atom, const std::string& subnet, bool add, int64_t seconds) {
      return forward_answer<bool>(self, supervisor, setban_atom::value, subnet,
                                  add, seconds);
    },
    [=](listbans_atom) {
      return forward_answer<std::vector<ban_info>>(self, supervisor,
                                                   listbans_atom::value);
    },
    [=](clearbans_atom) {
      return forward_answer<bool>(self, supervisor, clearbans_atom::value);
    },
    [=](chaininfo_atom a) {
      return forward_answer<chain_info>(self, supervisor, a);
    },
    [=](blockhash_atom a, uint64_t height) {
      return forward_answer<std::string>(self, supervisor, a, height);
    },
    [=](getblock_atom a, const std::string& which) {
      return forward_answer<block_info>(self, supervisor, a, which);
    },
    [=](generate_atom a, uint32_t n, uint32_t txs) {
      return forward_answer<std::vector<std::string>>(self, supervisor, a, n,
                                                      txs);
    },
    [=](verifychain_atom a) {
      return forward_answer<std::string>(self, supervisor, a);
    },
    [=](metrics_atom a) {
      return forward_answer<metrics_snapshot>(self, supervisor, a);
    },
    [=](stop_atom) { caf::anon_send(supervisor, stop_atom::value); },
  };
}

caf::error runtime_error(std::string what) {
  return caf::make_error(caf::sec::runtime_error, std::move(what));
}

} // namespace

std::string error_message(caf::actor_system& sys, const caf::error& err) {
  const auto& ctx = err.context();
  if (err.category() == caf::atom("system")
      && err.code() == static_cast<uint8_t>(caf::sec::runtime_error)
      && ctx.match_elements<std::string>())
    return ctx.get_as<std::string>(0);
  return sys.render(err);
}

namespace {

/// How `opts` asks for the chain store to be opened.
chain::store_options store_options_of(const node_options& opts) {
  chain::store_options out;
  if (opts.chain_map_bytes != 0)
    out.map_bytes = opts.chain_map_bytes;
  if (opts.scheduled_workers)
    out.verify_threads = 1;
  return out;
}

/// Opens the chain store in `<datadir>/chain`; null (and why) when the
/// network has no genesis block configured.
std::shared_ptr<chain::store> open_chain(const node_config& cfg,
                                         const std::string& dir,
                                         const chain::store_options& options,
                                         std::string& why, bool& fatal) {
  auto params = chain::params_for(cfg);
  if (!params) {
    why = params.error();
    return nullptr;
  }
  auto s = chain::store::open(dir + "/chain", std::move(*params), options);
  if (!s) {
    why = s.error();
    fatal = true;
    return nullptr;
  }
  return std::shared_ptr<chain::store>(std::move(*s));
}

} // namespace

void configure_actor_system(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.max-consecutive-reads", max_consecutive_reads);
}

caf::expected<node_handle> spawn_node(caf::actor_system& sys,
                                      const node_config& cfg) {
  return spawn_node(sys, cfg, node_options{});
}

caf::expected<node_handle> spawn_node(caf::actor_system& sys,
                                      const node_config& cfg,
                                      const node_options& opts) {
  auto ctx = std::make_shared<node_context>();
  ctx->cfg = cfg;
  ctx->net = &proto::params(cfg.net);
  auto dir = cfg.data_dir();
  // Created 0700, as timed does: it holds the node key and the cookie.
  std::string dir_err;
  if (!security::make_private_dirs(dir, dir_err))
    return runtime_error("cannot create data directory " + dir + ": "
                         + dir_err);
  auto lock_path = dir + "/.lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return runtime_error("cannot open " + lock_path + ": "
                         + std::strerror(errno));
  // Held by the supervisor: released when the node has stopped.
  auto lock = std::make_shared<dir_lock>(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
    return runtime_error("data directory " + dir
                         + " is in use by another node");
  ctx->clock = opts.clock ? opts.clock : real_clock();
  ctx->rng = node_rng{opts.seed};
  ctx->scheduled_workers = opts.scheduled_workers;
  std::string key_warning;
  if (ctx->rng.seeded()) {
    ctx->key = security::node_key::from_seed(
      ctx->rng.bytes<std::tuple_size_v<proto::hash256>>("node key"));
  } else {
    auto key = security::node_key::load_or_create(dir + "/node_key",
                                                  &key_warning);
    if (!key)
      return runtime_error(key.error().message);
    ctx->key = *key;
  }
  ctx->node_id_hex = proto::to_hex(ctx->key.public_key());
  if (cfg.tls) {
    auto tls = security::tls_context::make(ctx->key);
    if (!tls)
      return runtime_error("TLS setup failed: " + tls.error());
    ctx->tls = *tls;
  }
  ctx->table = std::make_shared<peer_table>();
  auto whitelist = security::subnet_set::parse(cfg.whitelist);
  if (!whitelist)
    return runtime_error("whitelist: " + whitelist.error().message);
  ctx->whitelist = std::move(*whitelist);
  ctx->seen = std::make_shared<seen_gossip>(
    gossip_bloom_params(cfg),
    ctx->rng.bytes<std::tuple_size_v<security::bloom_key>>("gossip filter"));
  if (cfg.enable_rate_limiting)
    ctx->budgets = std::make_shared<address_budgets>(
      cfg.max_requests_per_second * security::per_address_rate_multiplier, 0);
  std::string no_chain_reason;
  bool chain_fatal = false;
  auto store = open_chain(cfg, dir, store_options_of(opts), no_chain_reason,
                          chain_fatal);
  if (chain_fatal)
    return runtime_error("chain store: " + no_chain_reason);
  if (store)
    ctx->tip_cell->publish(std::make_unique<chain_tip>(tip_of(*store)));
  ctx->dial_via_backend = opts.dial_via_backend;
  ctx->tamper = opts.tamper_answers;
  ctx->send_delay = std::max(opts.send_delay, std::chrono::microseconds{0});
  ctx->log = opts.log ? opts.log
                      : spdlog::default_logger()->clone(
                        "node " + ctx->node_id_hex.substr(0, 8));
  if (!key_warning.empty())
    ctx->log->warn("{}", key_warning);
  auto reads = caf::get_or(sys.config(), "middleman.max-consecutive-reads",
                           caf::defaults::middleman::max_consecutive_reads);
  if (reads > max_consecutive_reads)
    ctx->log->warn("middleman.max-consecutive-reads is {}: one busy peer can "
                   "hold the I/O thread that every connection shares; "
                   "configure_actor_system sets {}",
                   reads, max_consecutive_reads);
  auto& local = ctx->local;
  local.magic = ctx->net->magic;
  local.network = ctx->net->name;
  local.services = cfg.masternode ? uint32_t{proto::service_masternode} : 0u;
  if (store) {
    // A node that fast-synced keeps no blocks below its snapshot.
    if (store->tip().base_height == 0)
      local.services |= proto::service_full_history;
    local.services |= proto::service_utxo_snapshots;
  }
  local.user_agent = std::string{user_agent};
  caf::io::doorman_ptr doorman;
  if (opts.sim_network) {
    local.listen_port = cfg.p2p_port();
  } else if (cfg.listen) {
    auto dm = sys.middleman().backend().new_tcp_doorman(cfg.p2p_port(),
                                                        cfg.bind.c_str(), true);
    if (!dm)
      return runtime_error("cannot listen on " + cfg.bind + ":"
                           + std::to_string(cfg.p2p_port())
                           + " (port in use, or no such local address)");
    doorman = std::move(*dm);
    local.listen_port = doorman->port();
  }
  auto port = local.listen_port;
  ctx->log->info("node {} on {}, P2P {}", ctx->node_id_hex, ctx->net->name,
                 cfg.listen ? cfg.bind + ":" + std::to_string(port)
                            : std::string{"not listening"});
  if (store) {
    auto t = store->tip();
    ctx->log->info("chain at height {} {} ({} unspent outputs)", t.height,
                   proto::to_hex(t.hash), t.utxos);
  } else {
    ctx->log->warn("no chain: {}", no_chain_reason);
  }
  context_ptr shared = ctx;
  auto sup = spawn_supervisor(sys, shared, std::move(doorman), std::move(lock),
                              std::move(store), std::move(no_chain_reason),
                              opts.sim_network);
  auto facade = sys.spawn(node_facade, shared, sup);
  return node_handle{facade, ctx->table, ctx->node_id_hex, port};
}

} // namespace timecoin
