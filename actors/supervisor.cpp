#include "actors/supervisor.hpp"

#include <unistd.h>

#include <mutex>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/atoms.hpp"
#include "actors/chain_actor.hpp"
#include "actors/connector.hpp"
#include "actors/dial_targets.hpp"
#include "actors/discovery.hpp"
#include "actors/forward_answer.hpp"
#include "actors/gossip.hpp"
#include "actors/masternodes.hpp"
#include "actors/metrics.hpp"
#include "actors/node.hpp"
#include "actors/peer_connection.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/registry.hpp"
#include "actors/send_later.hpp"
#include "actors/sim_network.hpp"
#include "actors/sim_transport.hpp"
#include "actors/slot_policy.hpp"
#include "actors/spawn_worker.hpp"
#include "actors/sync_coordinator.hpp"
#include "security/conn_limits.hpp"

namespace timecoin {

namespace {

/// Shared with the connect threads: a connect that completes once the node
/// is stopping closes its socket instead of spawning a connection that
/// nothing would ever close (the registry is going away).
struct dial_gate {
  std::mutex mutex;
  bool closed = false;
};

struct supervisor_state {
  static inline const char* name = "supervisor";
  context_ptr ctx;
  caf::actor registry;
  caf::actor limiter;
  caf::actor verifiers;
  caf::actor listener;
  caf::actor writer; ///< chain writer (null without a chain)
  caf::actor reader; ///< chain reader
  caf::actor sync;   ///< sync coordinator
  caf::actor discovery;
  bool discovery_gone = false;
  caf::actor masternodes;
  std::string no_chain_reason;
  dial_targets targets; ///< the operator's outbound targets
  bool stopping = false;
  /// Closed at stop: no dial that completes after it spawns a connection.
  std::shared_ptr<dial_gate> gate = std::make_shared<dial_gate>();
  bool registry_gone = false;
  bool listener_gone = false;
  std::shared_ptr<dir_lock> lock;
  /// The simulated network the node dials and accepts through, instead of
  /// sockets (null: sockets).
  caf::actor network;
  /// "host:port" the node is reached at on `network`.
  std::string sim_address;
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

spdlog::logger& log(supervisor_actor* self) {
  return *self->state.ctx->log;
}

/// With `maxconnectionsperip` raised, an address may open this many new
/// connections a minute per connection it may hold.
constexpr uint32_t new_connections_per_allowed = 4;

/// Pending handshakes on top of `maxconnections` that the listener admits:
/// the registry answers REJECT 6 to those that complete with no slot free.
constexpr uint32_t pending_connection_slack = 16;

struct listener_state {
  explicit listener_state(const node_config& cfg)
    : limits(slot_limits::for_max(cfg.maxconnections).max_inbound()
               + pending_connection_slack,
             cfg.maxconnectionsperip,
             new_per_minute(cfg, security::default_max_new_per_ip_per_minute),
             /* no outbound reservation: outbound connections evict inbound
                ones in the registry (slot_policy.hpp) */
             0, security::default_max_connections_per_group,
             new_per_minute(cfg,
                            security::default_max_new_per_group_per_minute)) {}

  /// New connections per minute allowed from one address (or network): the
  /// default, or more when the operator allows more connections per
  /// address (a local cluster: many nodes behind one address).
  static uint32_t new_per_minute(const node_config& cfg, uint32_t base) {
    return std::max(base,
                    new_connections_per_allowed * cfg.maxconnectionsperip);
  }
  security::conn_limits limits;
  std::unordered_map<caf::actor_addr, security::ip_address> children;
  uint64_t refused = 0;
  uint64_t accepted = 0;
  /// After `shutdown`: sockets still accepted are closed at once.
  bool stopping = false;
};

/// The listener forgets the attempts of addresses and networks that went
/// quiet every this many accepted sockets: its records stay bounded by the
/// open connections plus the attempts of the last minute, with no timer.
constexpr uint64_t listener_expire_every = 256;

using listener_close_atom = caf::atom_constant<caf::atom("lclose")>;
/// How long after `shutdown` the listener closes its socket (see there).
constexpr auto listener_close_delay = std::chrono::milliseconds{1};

/// Accepts connections. Banned addresses, and addresses over their limits
/// (per address, new per minute), are closed before any TLS work.

caf::behavior listener(caf::io::broker* self, caf::io::doorman_ptr doorman,
                       context_ptr ctx, conn_params params) {
  auto accept_hdl = doorman->hdl();
  self->add_doorman(std::move(doorman));
  auto st = std::make_shared<listener_state>(ctx->cfg);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto i = st->children.find(dm.source);
    if (i != st->children.end()) {
      st->limits.close(i->second, true);
      st->children.erase(i);
    }
  });
  return {
    [=](const caf::io::new_connection_msg& msg) {
      if (++st->accepted % listener_expire_every == 0)
        st->limits.expire(ctx->clock->now());
      if (st->stopping) {
        self->close(msg.handle);
        return;
      }
      auto host = self->remote_addr(msg.handle);
      auto ip = security::ip_address::parse(host);
      if (!ip) {
        self->close(msg.handle);
        return;
      }
      if (ctx->bans->address_banned(*ip, ctx->clock->unix_now())) {
        ++st->refused;
        ctx->counters->refused[0].fetch_add(1, std::memory_order_relaxed);
        ctx->log->debug("refused {}: banned", host);
        self->close(msg.handle);
        return;
      }
      auto exempt = ctx->whitelist.contains(*ip);
      auto admit = st->limits.try_open(*ip, true, ctx->clock->now(), exempt);
      if (admit != security::conn_limits::admit_result::ok) {
        ++st->refused;
        ctx->counters->refused[static_cast<size_t>(admit)].fetch_add(
          1, std::memory_order_relaxed);
        ctx->log->debug("refused {}: {}", host, security::to_string(admit));
        self->close(msg.handle);
        return;
      }
      auto conn = fork_inbound(self, msg.handle, ctx, params);
      st->children.emplace(conn.address(), *ip);
      self->monitor(conn);
      self->send(params.registry, track_atom::value, conn, std::string{});
    },
    [=](const caf::io::acceptor_closed_msg&) { self->quit(); },
    [=](shutdown_atom) {
      st->stopping = true;
      // Closed from a later turn of the multiplexer, never from the one that
      // started the listener: CAF 0.17 merges an acceptor's add and remove
      // queued in one turn into no change at all, and the acceptor then
      // keeps a reference to its own doorman forever (a leak, seen when a
      // node is stopped right after it started).
      send_later(self, listener_close_delay, listener_close_atom::value);
    },
    [=](listener_close_atom) {
      self->close(accept_hdl);
      self->quit();
    },
  };
}

conn_params make_params(supervisor_actor* self, security::conn_role role,
                        const std::string& target, conn_type type) {
  auto& st = self->state;
  conn_params p;
  p.role = role;
  p.target = target;
  p.registry = st.registry;
  p.node = caf::actor_cast<caf::actor>(self);
  p.limiter = st.limiter;
  p.verifiers = st.verifiers;
  p.sync = st.sync;
  p.chain = st.reader;
  p.discovery = st.discovery;
  p.masternodes = st.masternodes;
  p.type = type;
  return p;
}

/// Dials `addr` on the simulated network.
void connect_simulated(supervisor_actor* self, const std::string& addr,
                       conn_params params) {
  auto& st = self->state;
  auto where = parse_peer_address(addr);
  self
    ->request(st.network, caf::infinite, sim_dial_atom::value, st.sim_address,
              addr)
    .then(
      [=](uint64_t end) mutable {
        auto& st = self->state;
        if (st.stopping || !where) {
          self->send(st.network, sim_close_atom::value, end);
          return;
        }
        auto conn = spawn_sim_connection(self->system(), st.network, end,
                                         where->host, where->port, st.ctx,
                                         std::move(params));
        self->send(st.registry, track_atom::value, conn, addr);
      },
      [=](caf::error& err) {
        self->send(self, dialed_atom::value, addr, self->system().render(err));
      });
}

/// A node dialled this one on the simulated network: admitted as the
/// listener admits a socket (banned addresses are refused).
void accept_simulated(supervisor_actor* self, const caf::actor& network,
                      uint64_t end, const std::string& from) {
  auto& st = self->state;
  auto where = parse_peer_address(from);
  auto ip = where ? security::ip_address::parse(where->host) : std::nullopt;
  if (st.stopping || !ip
      || st.ctx->bans->address_banned(*ip, st.ctx->clock->unix_now())) {
    self->send(network, sim_close_atom::value, end);
    return;
  }
  auto conn = spawn_sim_connection(
    self->system(), network, end, where->host, where->port, st.ctx,
    make_params(self, security::conn_role::acceptor, "", conn_type::inbound));
  self->send(st.registry, track_atom::value, conn, std::string{});
}

/// Dials `where`; the registry tracks the connection, or `dialed` tells
/// the supervisor that the connect failed.
void connect_to(supervisor_actor* self, const peer_address& where,
                conn_params params) {
  auto& st = self->state;
  auto addr = params.target;
  if (st.network) {
    connect_simulated(self, addr, std::move(params));
    return;
  }
  if (st.ctx->dial_via_backend) {
    auto conn = spawn_via_backend(self->system(), where.host, where.port,
                                  st.ctx, std::move(params));
    if (!conn) {
      self->send(self, dialed_atom::value, addr,
                 self->system().render(conn.error()));
      return;
    }
    self->send(st.registry, track_atom::value, *conn, addr);
    return;
  }
  // The connect blocks: run it on a thread of its own, never on the
  // multiplexer or the scheduler's workers (`scheduled_workers` aside:
  // simulations dial via the backend and never get here).
  auto ctx = st.ctx;
  auto registry = st.registry;
  auto sup = caf::actor_cast<caf::actor>(self);
  auto gate = st.gate;
  spawn_worker(*self, *ctx, [=](caf::event_based_actor* dialer) {
    auto fd = connect_with_timeout(where, connect_timeout);
    if (!fd) {
      dialer->send(sup, dialed_atom::value, addr, fd.error());
      dialer->quit();
      return;
    }
    std::lock_guard<std::mutex> guard{gate->mutex};
    if (gate->closed) {
      ::close(*fd);
    } else {
      // Under the lock: the registry has this connection in its mailbox
      // before the supervisor tells it to shut down.
      auto conn = spawn_on_socket(dialer->system(), *fd, ctx, params);
      dialer->send(registry, track_atom::value, conn, addr);
    }
    dialer->quit();
  });
}

/// Asks the peer table whether a connection to a node id is registered.
dial_targets::is_connected_fn connected_in(supervisor_actor* self) {
  auto table = self->state.ctx->table;
  return [table](const std::string& id) { return table->is_connected(id); };
}

/// Does what the targets answered.
void execute(supervisor_actor* self, const dial_action& a) {
  switch (a.kind) {
    case dial_action::none: return;
    case dial_action::dial:
      log(self).debug("dialling {}", a.addr);
      connect_to(self, a.where,
                 make_params(self, security::conn_role::dialer, a.addr,
                             conn_type::addnode));
      return;
    case dial_action::retry_later:
      log(self).debug("re-dialling {} in {} ms", a.addr, a.delay.count());
      send_later(self, a.delay, dial_atom::value, a.addr, a.generation);
      return;
  }
}

void add_target(supervisor_actor* self, const std::string& addr,
                bool persistent, bool masternode) {
  execute(self, self->state.targets.add(addr, persistent, masternode,
                                        connected_in(self)));
}

added_node_info to_added_node_info(const dial_target_info& t) {
  added_node_info info;
  info.address = t.address;
  info.state = to_string(t.phase);
  info.node_id = t.node_id;
  info.persistent = t.persistent;
  info.masternode = t.masternode;
  info.attempts = t.attempts;
  if (t.phase == dial_phase::waiting)
    info.next_attempt_ms = t.next_attempt.count();
  return info;
}

caf::error no_chain(supervisor_actor* self) {
  return caf::make_error(caf::sec::runtime_error,
                         "no chain: " + self->state.no_chain_reason);
}

/// Spawns and links the node's actors: registry, rate limiter, verifiers,
/// discovery, masternodes, the chain actors (with a `store`) and, with a
/// `doorman`, the listener.
void spawn_children(supervisor_actor* self, caf::io::doorman_ptr doorman,
                    const std::shared_ptr<chain::store>& store) {
  auto& st = self->state;
  auto& ctx = st.ctx;
  st.registry = spawn_registry(self->system(), ctx,
                               caf::actor_cast<caf::actor>(self));
  self->link_to(st.registry);
  self->monitor(st.registry);
  st.limiter = spawn_rate_limiter(self->system(), ctx, st.registry);
  self->link_to(st.limiter);
  st.verifiers = spawn_verifiers(self->system(), ctx, st.registry, st.limiter);
  self->link_to(st.verifiers);
  st.discovery = spawn_discovery(
    self->system(), ctx, caf::actor_cast<caf::actor>(self), st.registry);
  self->link_to(st.discovery);
  self->monitor(st.discovery);
  st.masternodes = spawn_masternodes(self->system(), ctx, store, st.registry,
                                     st.discovery);
  self->link_to(st.masternodes);
  self->send(st.registry, mn_actor_atom::value, st.masternodes);
  if (store) {
    st.writer = spawn_chain_writer(self->system(), ctx, store, st.masternodes);
    self->link_to(st.writer);
    st.reader = spawn_chain_reader(self->system(), ctx, store);
    self->link_to(st.reader);
    st.sync = spawn_sync_coordinator(self->system(), ctx, store,
                                     sync_links{st.writer, st.reader,
                                                st.registry});
    self->link_to(st.sync);
  }
  if (doorman) {
    auto params = make_params(self, security::conn_role::acceptor, {},
                              conn_type::inbound);
    st.listener = self->system().middleman().spawn_broker(
      listener, std::move(doorman), ctx, std::move(params));
    self->link_to(st.listener);
    self->monitor(st.listener);
  }
}

/// Dials the peers of the configuration: masternodes first, then the other
/// configured peers.
void add_configured_targets(supervisor_actor* self) {
  const auto& cfg = self->state.ctx->cfg;
  for (const auto& addr : cfg.masternode_peers)
    add_target(self, addr, true, true);
  for (const auto& addr : cfg.addnode)
    add_target(self, addr, true, false);
  for (const auto& addr : cfg.connect)
    add_target(self, addr, true, false);
}

/// How the supervisor ends: with a child that fails, or once its children
/// have stopped.
void watch_children(supervisor_actor* self) {
  // The listener exits first on shutdown; only other exits end the node.
  self->set_exit_handler([=](caf::exit_msg& em) {
    if (em.source != self->state.listener.address()
        && em.reason != caf::exit_reason::normal)
      self->quit(em.reason);
  });
  // The node ends once the registry (every connection closed) and the
  // listener (its socket released in the multiplexer) are gone: an actor
  // system destroyed right after would otherwise find the listening socket
  // still registered.
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source == st.registry.address())
      st.registry_gone = true;
    else if (st.listener && dm.source == st.listener.address())
      st.listener_gone = true;
    else if (dm.source == st.discovery.address())
      st.discovery_gone = true;
    if (st.registry_gone && (st.listener_gone || !st.listener)
        && st.discovery_gone)
      self->quit(caf::exit_reason::user_shutdown);
  });
}

/// The chain's state with the sync coordinator's.
caf::result<chain_info> ask_chain_info(supervisor_actor* self) {
  auto& st = self->state;
  if (!st.reader)
    return no_chain(self);
  auto rp = self->make_response_promise<chain_info>();
  auto sync = st.sync;
  self->request(st.reader, caf::infinite, chaininfo_atom::value)
    .then(
      [=](chain_info& info) mutable {
        self->request(sync, caf::infinite, syncinfo_atom::value)
          .then(
            [=](sync_info& s) mutable {
              info.sync = std::move(s);
              rp.deliver(std::move(info));
            },
            [=](caf::error& e) mutable { rp.deliver(std::move(e)); });
      },
      [=](caf::error& e) mutable { rp.deliver(std::move(e)); });
  return rp;
}

/// The metrics, with the registry's list of peers.
caf::result<metrics_snapshot> ask_metrics(supervisor_actor* self) {
  auto rp = self->make_response_promise<metrics_snapshot>();
  self
    ->request(self->state.registry, std::chrono::seconds{5}, peers_atom::value)
    .then(
      [=](std::vector<peer_info>& peers) mutable {
        rp.deliver(collect_metrics(*self->state.ctx, peers));
      },
      [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

caf::behavior supervisor(supervisor_actor* self, context_ptr ctx,
                         caf::io::doorman_ptr doorman,
                         std::shared_ptr<dir_lock> lock,
                         std::shared_ptr<chain::store> store,
                         std::string no_chain_reason, caf::actor network) {
  auto& st = self->state;
  st.lock = std::move(lock);
  st.network = std::move(network);
  st.ctx = std::move(ctx);
  st.targets = dial_targets{st.ctx->rng.stream("backoff")};
  st.no_chain_reason = std::move(no_chain_reason);
  if (st.network) {
    st.sim_address = st.ctx->cfg.bind + ":"
                     + std::to_string(st.ctx->local.listen_port);
    self->send(st.network, sim_attach_atom::value, st.sim_address,
               caf::actor_cast<caf::actor>(self));
  }
  spawn_children(self, std::move(doorman), store);
  add_configured_targets(self);
  watch_children(self);
  return {
    [=](sim_accept_atom, const caf::actor& network, uint64_t end,
        const std::string& from) {
      accept_simulated(self, network, end, from);
    },
    [=](dial_atom, const std::string& addr, uint64_t generation) {
      execute(self, self->state.targets.timer_fired(addr, generation,
                                                    connected_in(self)));
    },
    [=](dialed_atom a, const std::string& addr, const std::string& err) {
      auto& st = self->state;
      if (st.targets.contains(addr)) {
        log(self).info("cannot connect to {}: {}", addr, err);
        execute(self, st.targets.dial_failed(addr, st.ctx->clock->now()));
      } else {
        log(self).debug("cannot connect to {}: {}", addr, err);
      }
      self->send(st.discovery, a, addr, err);
    },
    [=](up_atom a, const std::string& id, const std::string& addr, bool in) {
      self->state.targets.up(id, addr);
      self->send(self->state.discovery, a, id, addr, in);
    },
    [=](lost_atom a, const std::string& id, const std::string& addr,
        int64_t lasted_s) {
      for (const auto& act :
           self->state.targets.lost(id, addr, lasted_s, connected_in(self),
                                    self->state.ctx->clock->now()))
        execute(self, act);
      self->send(self->state.discovery, a, id, addr, lasted_s);
    },
    [=](autodial_atom, const std::string& addr, uint8_t type) {
      // An automatic connection chosen by discovery: dialled once, never
      // re-dialled here (discovery chooses again).
      auto where = parse_peer_address(addr);
      if (!where || self->state.stopping) {
        self->send(self->state.discovery, dialed_atom::value, addr,
                   std::string{"not dialled"});
        return;
      }
      connect_to(self, *where,
                 make_params(self, security::conn_role::dialer, addr,
                             static_cast<conn_type>(type)));
    },
    [=](nodeaddrs_atom a, uint32_t count) {
      return self->delegate(self->state.discovery, a, count);
    },
    [=](addpeeradr_atom a, const std::string& host, uint16_t port) {
      return self->delegate(self->state.discovery, a, host, port);
    },
    [=](mnlist_atom a) { return self->delegate(self->state.masternodes, a); },
    [=](sendto_atom a, const std::string& owner,
        uint64_t units) -> caf::result<std::string> {
      if (!self->state.writer)
        return no_chain(self);
      return forward_answer<std::string>(self, self->state.writer, a, owner,
                                         units);
    },
    [=](addnode_atom, const std::string& addr, uint8_t mode) {
      switch (static_cast<addnode_mode>(mode)) {
        case addnode_mode::add:
          add_target(self, addr, true, false);
          return true;
        case addnode_mode::onetry:
          add_target(self, addr, false, false);
          return true;
        case addnode_mode::remove: return self->state.targets.remove(addr);
      }
      return false;
    },
    [=](addednodes_atom) {
      std::vector<added_node_info> out;
      for (const auto& t :
           self->state.targets.info(self->state.ctx->clock->now()))
        out.push_back(to_added_node_info(t));
      return out;
    },
    [=](peers_atom) {
      return self->delegate(self->state.registry, peers_atom::value);
    },
    [=](publish_atom, uint16_t kind, std::vector<uint8_t>& payload) {
      return self->delegate(self->state.registry, publish_atom::value, kind,
                            std::move(payload));
    },
    [=](subscribe_atom, uint16_t kind, caf::actor& who) {
      self->send(self->state.registry, subscribe_atom::value, kind,
                 std::move(who));
    },
    [=](unsub_atom, uint16_t kind, caf::actor& who) {
      self->send(self->state.registry, unsub_atom::value, kind, std::move(who));
    },
    [=](setban_atom, const std::string& subnet, bool add, int64_t seconds) {
      return self->delegate(self->state.limiter, setban_atom::value, subnet,
                            add, seconds);
    },
    [=](listbans_atom) {
      return self->delegate(self->state.limiter, listbans_atom::value);
    },
    [=](clearbans_atom) {
      return self->delegate(self->state.limiter, clearbans_atom::value);
    },
    [=](disconn_atom, const std::string& who) {
      return self->delegate(self->state.registry, disconn_atom::value, who);
    },
    [=](chaininfo_atom) { return ask_chain_info(self); },
    [=](blockhash_atom a, uint64_t height) -> caf::result<std::string> {
      if (!self->state.reader)
        return no_chain(self);
      return forward_answer<std::string>(self, self->state.reader, a, height);
    },
    [=](getblock_atom a, const std::string& which) -> caf::result<block_info> {
      if (!self->state.reader)
        return no_chain(self);
      return forward_answer<block_info>(self, self->state.reader, a, which);
    },
    [=](metrics_atom) { return ask_metrics(self); },
    [=](verifychain_atom a) -> caf::result<std::string> {
      if (!self->state.reader)
        return no_chain(self);
      return forward_answer<std::string>(self, self->state.reader, a);
    },
    [=](generate_atom a, uint32_t n,
        uint32_t txs) -> caf::result<std::vector<std::string>> {
      if (!self->state.sync)
        return no_chain(self);
      return forward_answer<std::vector<std::string>>(self, self->state.sync, a,
                                                      n, txs);
    },
    [=](stop_atom) {
      auto& st = self->state;
      if (st.stopping)
        return;
      st.stopping = true;
      st.targets.stop();
      {
        std::lock_guard<std::mutex> guard{st.gate->mutex};
        st.gate->closed = true;
      }
      log(self).info("stopping: saying BYE to {} peers",
                     st.ctx->table->connected_count());
      if (st.listener)
        self->send(st.listener, shutdown_atom::value);
      self->send(st.discovery, shutdown_atom::value);
      self->send(st.registry, shutdown_atom::value);
    },
  };
}

} // namespace

caf::actor spawn_supervisor(caf::actor_system& sys, context_ptr ctx,
                            caf::io::doorman_ptr doorman,
                            std::shared_ptr<dir_lock> lock,
                            std::shared_ptr<chain::store> store,
                            std::string no_chain_reason, caf::actor network) {
  return sys.spawn(supervisor, std::move(ctx), std::move(doorman),
                   std::move(lock), std::move(store),
                   std::move(no_chain_reason), std::move(network));
}

} // namespace timecoin
