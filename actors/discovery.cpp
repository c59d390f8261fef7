#include "actors/discovery.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <random>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/address_book.hpp"
#include "actors/atoms.hpp"
#include "actors/deadline_timer.hpp"
#include "actors/discovery_files.hpp"
#include "actors/discovery_sources.hpp"
#include "actors/node.hpp"
#include "actors/outbound_plan.hpp"
#include "actors/slot_policy.hpp"
#include "actors/spawn_worker.hpp"
#include "config/values.hpp"

namespace timecoin {

namespace {

/// One automatic outbound connection: dialling, or up.
struct auto_conn {
  conn_type type = conn_type::outbound;
  std::string host;
  uint16_t port = 0;
  std::string group;
  std::string node_id; ///< once up
  bool up = false;
  int64_t since = 0; ///< when it came up
};

struct discovery_state {
  static inline const char* name = "discovery";
  context_ptr ctx;
  caf::actor supervisor;
  caf::actor registry;
  std::optional<address_book> book;
  bool local = false;
  std::string book_path;
  std::string anchors_path;
  /// Automatic outbound connections by "host:port".
  std::map<std::string, auto_conn> conns;
  /// Dialled first: the anchors of the last run.
  std::vector<std::string> anchors;
  /// Addresses the operator configured: never dialled automatically.
  std::vector<std::string> configured;
  std::unordered_map<std::string, int64_t> relayed;
  /// Chooses among addresses and peers (from the node's `node_rng`).
  std::mt19937_64 rng;
  node_clock::time_point last_reseed{};
  node_clock::time_point last_url{};
  bool url_asked = false;
  bool stopping = false;
  /// The outbound plan runs when something may have given it work (start,
  /// a connection lost, a dial failed, addresses learned, the masternode
  /// list changed), at most once per `outbound_tick`; its timer is set
  /// only to keep that pace or to reseed while the node lacks peers.
  node_clock::time_point last_plan{};
  deadline_timer<disc_tick_atom> plan_timer;
  /// Set only while a feeler may find an address to test.
  node_clock::time_point last_feeler{};
  deadline_timer<feeler_atom> feeler_timer;
  /// The book changed since it was written; the save timer is then set.
  bool book_dirty = false;
  deadline_timer<save_atom> save_timer;
};

using discovery_actor = caf::stateful_actor<discovery_state>;

spdlog::logger& log(discovery_actor* self) {
  return *self->state.ctx->log;
}

/// Reads `peers.json`; a file that is not one is moved aside (never a
/// reason not to start).
void load_book(discovery_actor* self) {
  auto& st = self->state;
  auto seed = std::uniform_int_distribution<uint64_t>{}(st.rng);
  auto loaded = timecoin::load_book(st.book_path, st.local, seed,
                                    st.ctx->rng.bytes<address_book_key_bytes>(
                                      "address book key"),
                                    st.ctx->clock->unix_now());
  if (!loaded.warning.empty())
    log(self).warn("{}", loaded.warning);
  else if (loaded.book.size() > 0)
    log(self).info("address book: {} addresses from {}", loaded.book.size(),
                   st.book_path);
  st.book.emplace(std::move(loaded.book));
}

void save_book(discovery_actor* self) {
  auto& st = self->state;
  st.book_dirty = false;
  std::string err;
  if (!timecoin::save_book(st.book_path, *st.book, err))
    log(self).warn("cannot write {}: {}", st.book_path, err);
}

/// The book changed: it is written `book_save_interval` later (and at
/// shutdown), once for all the changes until then.
void book_changed(discovery_actor* self) {
  auto& st = self->state;
  if (st.book_dirty)
    return;
  st.book_dirty = true;
  auto now = st.ctx->clock->now();
  st.save_timer.at(self, now, now + book_save_interval);
}

/// Writes the longest-lived automatic outbound peers to `anchors.json`.
void save_anchors(discovery_actor* self) {
  auto& st = self->state;
  std::vector<const std::pair<const std::string, auto_conn>*> up;
  for (const auto& kv : st.conns)
    if (kv.second.up
        && (kv.second.type == conn_type::outbound
            || kv.second.type == conn_type::masternode))
      up.push_back(&kv);
  std::sort(up.begin(), up.end(), [](const auto* a, const auto* b) {
    return a->second.since < b->second.since;
  });
  std::vector<std::string> anchors;
  for (std::size_t i = 0; i < up.size() && i < anchor_count; ++i)
    anchors.push_back(up[i]->first);
  std::string err;
  if (!timecoin::save_anchors(st.anchors_path, anchors, err))
    log(self).warn("cannot write {}: {}", st.anchors_path, err);
}

/// This node as the outbound plan sees it: its id and its own address.
outbound_view own_view(const discovery_state& st) {
  outbound_view v;
  v.own_id = st.ctx->node_id_hex;
  if (auto own = self_address(*st.ctx))
    v.own_address.emplace(own->host, own->port);
  return v;
}

/// Adds addresses a peer (or a seed) told us of.
std::size_t learn(discovery_actor* self, const std::vector<book_address>& in,
                  const std::string& source) {
  auto& st = self->state;
  auto now = st.ctx->clock->unix_now();
  auto own = own_view(st);
  std::size_t added = 0;
  for (const auto& a : in)
    if (!is_own_address(own, a) && st.book->add(a, source, now))
      ++added;
  // Known addresses were refreshed (last seen, services).
  if (!in.empty())
    book_changed(self);
  return added;
}

void dial(discovery_actor* self, const std::string& host, uint16_t port,
          conn_type type) {
  auto& st = self->state;
  book_address a;
  a.host = host;
  a.port = port;
  auto key = a.key();
  auto_conn c;
  c.type = type;
  c.host = host;
  c.port = port;
  c.group = network_group(host, port, st.local);
  st.conns[key] = c;
  st.book->attempt(host, port, st.ctx->clock->unix_now());
  book_changed(self);
  log(self).debug("dialling {} ({})", key, to_string(type));
  self->send(st.supervisor, autodial_atom::value, key,
             static_cast<uint8_t>(type));
}

/// Asks the seeds again: `seednode`, DNS seeds, the discovery service.
void reseed(discovery_actor* self) {
  auto& st = self->state;
  auto now = st.ctx->clock->now();
  st.last_reseed = now;
  for (const auto& s : st.ctx->cfg.seednode) {
    if (st.conns.count(s))
      continue;
    auto addr = parse_peer_address(s);
    if (addr)
      dial(self, addr->host, addr->port, conn_type::seed);
  }
  // The network's P2P port (docs/PROTOCOL.md), whatever port= this node
  // listens on.
  auto port = proto::params(st.ctx->cfg.net).p2p_port;
  auto me = caf::actor_cast<caf::actor>(self);
  auto clock = st.ctx->clock;
  for (const auto& name : st.ctx->cfg.dnsseed) {
    spawn_worker(*self, *st.ctx, [=](caf::event_based_actor* worker) {
      auto found = resolve_dns_seed(name, port, clock->unix_now());
      if (found)
        worker->send(me, learned_atom::value, *found, "dns:" + name);
      else
        worker->send(me, learned_atom::value, std::vector<book_address>{},
                     "dns:" + name + ": " + found.error());
      worker->quit();
    });
  }
  const auto& url = st.ctx->cfg.discoveryurl;
  if (!url.empty() && st.book->size() < discoveryurl_below
      && (!st.url_asked || now - st.last_url >= discoveryurl_interval)) {
    st.url_asked = true;
    st.last_url = now;
    std::string network = st.ctx->net->name;
    spawn_worker(*self, *st.ctx, [=](caf::event_based_actor* worker) {
      auto found = fetch_discovery_url(url, network, clock->unix_now());
      if (found)
        worker->send(me, learned_atom::value, *found, std::string{"url"});
      else
        worker->send(me, learned_atom::value, std::vector<book_address>{},
                     "url: " + found.error());
      worker->quit();
    });
  }
}

/// What the outbound plan looks at, from the actor's state.
outbound_view view_of(const discovery_state& st) {
  const auto& cfg = st.ctx->cfg;
  auto v = own_view(st);
  v.max_regular = cfg.maxoutbound;
  v.max_masternodes = cfg.maxoutboundmasternodes;
  v.local = st.local;
  for (const auto& [key, c] : st.conns)
    v.current.push_back(outbound_conn{key, c.type, c.group});
  auto connected = st.ctx->table->connected_peers();
  v.connected_ids.insert(connected.begin(), connected.end());
  v.configured.insert(st.configured.begin(), st.configured.end());
  return v;
}

/// Automatic connections of `type`, open or being dialled.
uint32_t count_conns(const discovery_state& st, conn_type type) {
  uint32_t n = 0;
  for (const auto& kv : st.conns)
    n += kv.second.type == type ? 1 : 0;
  return n;
}

/// Whether the plan may find something to dial: outbound slots free, or
/// masternode slots free with masternodes listed.
bool wants_dials(const discovery_state& st) {
  const auto& cfg = st.ctx->cfg;
  if (st.stopping || cfg.connect_only)
    return false;
  if (count_conns(st, conn_type::outbound) < cfg.maxoutbound)
    return true;
  auto mn = count_conns(st, conn_type::masternode);
  return mn < cfg.maxoutboundmasternodes
         && st.ctx->masternodes->read([](const masternode_view& v) {
              return v.by_id.size();
            }) > mn;
}

/// When reseeding next has a source to ask, if it has any: `seednode` and
/// `dnsseed` every `reseed_interval`, the discovery service alone only
/// while the book is small and at its own pace.
std::optional<node_clock::time_point> next_reseed(const discovery_state& st) {
  const auto& cfg = st.ctx->cfg;
  auto at = st.last_reseed + reseed_interval;
  if (!cfg.seednode.empty() || !cfg.dnsseed.empty())
    return at;
  if (cfg.discoveryurl.empty() || st.book->size() >= discoveryurl_below)
    return std::nullopt;
  return st.url_asked ? std::max(at, st.last_url + discoveryurl_interval) : at;
}

/// Fills the outbound slots (`plan_outbound`); asks the seeds again when
/// there is nothing to dial, and sets the timer for the next time it may.
void plan(discovery_actor* self) {
  auto& st = self->state;
  const auto& cfg = st.ctx->cfg;
  if (st.stopping || cfg.connect_only)
    return;
  auto now = st.ctx->clock->now();
  st.last_plan = now;
  auto v = view_of(st);
  std::vector<listed_masternode> masternodes;
  st.ctx->masternodes->read([&](const masternode_view& mv) {
    for (const auto& [id, where] : mv.by_id)
      masternodes.push_back(listed_masternode{id, where.host, where.port});
    return 0;
  });
  auto dials = plan_outbound(v, st.anchors, masternodes, *st.book, st.rng,
                             st.ctx->clock->unix_now());
  uint32_t regular = 0;
  for (const auto& c : v.current)
    regular += c.type == conn_type::outbound ? 1 : 0;
  for (const auto& d : dials) {
    dial(self, d.host, d.port, d.type);
    regular += d.type == conn_type::outbound ? 1 : 0;
  }
  if (regular >= cfg.maxoutbound)
    return;
  if (now - st.last_reseed >= reseed_interval)
    reseed(self);
  if (auto at = next_reseed(st))
    st.plan_timer.at(self, now, *at);
}

/// Something happened that may give the plan work: it runs now, or
/// `outbound_tick` after it last ran.
void plan_soon(discovery_actor* self) {
  auto& st = self->state;
  if (!wants_dials(st))
    return;
  auto now = st.ctx->clock->now();
  auto due = st.last_plan + outbound_tick;
  if (now >= due)
    plan(self);
  else
    st.plan_timer.at(self, now, due);
}

/// A feeler: a short connection to a new address, to move it to tried.
void feel(discovery_actor* self) {
  auto& st = self->state;
  st.last_feeler = st.ctx->clock->now();
  if (st.stopping || st.ctx->cfg.connect_only)
    return;
  if (auto d = plan_feeler(view_of(st), *st.book, st.ctx->clock->unix_now()))
    dial(self, d->host, d->port, d->type);
}

/// Sets the feeler timer, `feeler_interval` after the last feeler, if a
/// feeler may find an address: the outbound slots are all taken, no feeler
/// is under way and the new table holds addresses. A feeler that finds
/// none sets nothing: the next change of connections or addresses does.
void feel_later(discovery_actor* self) {
  auto& st = self->state;
  const auto& cfg = st.ctx->cfg;
  if (st.feeler_timer.set() || st.stopping || cfg.connect_only
      || count_conns(st, conn_type::outbound) < cfg.maxoutbound
      || count_conns(st, conn_type::feeler) > 0 || st.book->new_count() == 0)
    return;
  auto now = st.ctx->clock->now();
  st.feeler_timer.at(self, now, st.last_feeler + feeler_interval);
}

/// Relays fresh addresses of a small unsolicited PEERS to two random peers.
void relay(discovery_actor* self, const std::vector<book_address>& addrs,
           const std::string& from_id) {
  auto& st = self->state;
  auto now = st.ctx->clock->unix_now();
  if (st.relayed.size() > max_relayed_remembered) {
    for (auto i = st.relayed.begin(); i != st.relayed.end();)
      i = now - i->second >= relay_once_per_seconds ? st.relayed.erase(i)
                                                    : std::next(i);
    if (st.relayed.size() > max_relayed_remembered)
      st.relayed.clear();
  }
  proto::peers out;
  for (const auto& a : addrs) {
    if (now - a.last_seen > relay_max_age_seconds)
      continue;
    auto& last = st.relayed[a.key()];
    if (last != 0 && now - last < relay_once_per_seconds)
      continue;
    last = now;
    out.entries.push_back(to_wire(a));
  }
  if (out.entries.empty())
    return;
  auto peers = st.ctx->table->connected_peers();
  peers.erase(std::remove(peers.begin(), peers.end(), from_id), peers.end());
  std::shuffle(peers.begin(), peers.end(), st.rng);
  if (peers.size() > relay_peers)
    peers.resize(relay_peers);
  auto msg = std::make_shared<const proto::message>(
    proto::message{0, std::move(out)});
  for (const auto& id : peers)
    caf::anon_send(st.registry, send_atom::value, id, msg);
}

/// Addresses from a peer: solicited (the answer to our GET_PEERS) or
/// within the allowance its connection keeps; `relayable` for an
/// unsolicited PEERS of at most `relay_max_addresses`. New ones may give
/// the plan and the feelers work.
void on_peers(discovery_actor* self, const std::string& from_host,
              const std::string& from_id, bool relayable, proto::peers& in) {
  auto now = self->state.ctx->clock->unix_now();
  std::vector<book_address> addrs;
  addrs.reserve(in.entries.size());
  for (const auto& e : in.entries)
    if (auto a = from_wire(e, now))
      addrs.push_back(std::move(*a));
  auto added = learn(self, addrs, from_host);
  log(self).debug("{} addresses from {} ({} new)", addrs.size(), from_host,
                  added);
  if (relayable)
    relay(self, addrs, from_id);
  if (added > 0) {
    plan_soon(self);
    feel_later(self);
  }
}

proto::peers answer_getaddr(discovery_actor* self, const std::string& host,
                            const std::string& id) {
  auto& st = self->state;
  auto now = st.ctx->clock->unix_now();
  proto::peers out;
  auto own = self_address(*st.ctx);
  if (own)
    out.entries.push_back(*own);
  for (auto& a :
       st.book->sample(proto::max_peers_entries, now, address_answer_max_age)) {
    if (out.entries.size() >= proto::max_peers_entries)
      break;
    if (a.node_id == id || (a.host == host && !st.local))
      continue;
    out.entries.push_back(to_wire(a));
  }
  return out;
}

void on_up(discovery_actor* self, const std::string& id,
           const std::string& target) {
  auto& st = self->state;
  auto i = st.conns.find(target);
  if (i == st.conns.end())
    return;
  auto& c = i->second;
  c.up = true;
  c.node_id = id;
  c.since = st.ctx->clock->unix_now();
  uint32_t services = 0;
  st.ctx->table->read([&](const peer_snapshot& s) {
    auto e = s.by_id.find(id);
    if (e != s.by_id.end())
      services = e->second.services;
    return 0;
  });
  st.book->good(c.host, c.port, id, services, c.since);
  book_changed(self);
  feel_later(self);
}

/// A connection or a dial ended: its slot is free.
void on_gone(discovery_actor* self, const std::string& target) {
  self->state.conns.erase(target);
  plan_soon(self);
  feel_later(self);
}

caf::behavior discovery(discovery_actor* self, context_ptr ctx,
                        caf::actor supervisor, caf::actor registry) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.supervisor = std::move(supervisor);
  st.registry = std::move(registry);
  st.rng = st.ctx->rng.stream("discovery");
  const auto& cfg = st.ctx->cfg;
  st.local = cfg.net == proto::network::devnet;
  st.book_path = cfg.data_dir() + "/peers.json";
  st.anchors_path = cfg.data_dir() + "/anchors.json";
  for (const auto* list :
       {&cfg.addnode, &cfg.connect, &cfg.masternode_peers, &cfg.seednode})
    st.configured.insert(st.configured.end(), list->begin(), list->end());
  load_book(self);
  st.anchors = take_anchors(st.anchors_path, anchor_count);
  if (!st.anchors.empty())
    log(self).info("dialling {} anchors first", st.anchors.size());
  // The operator's peers are addresses too (no source: a group of their own).
  auto now = st.ctx->clock->unix_now();
  for (const auto* list : {&cfg.addnode, &cfg.connect, &cfg.masternode_peers})
    for (const auto& s : *list)
      if (auto addr = parse_peer_address(s);
          addr && is_ip_literal(addr->host)) {
        book_address a;
        a.host = addr->host;
        a.port = addr->port;
        a.last_seen = now;
        if (st.book->add(a, std::string{}, now))
          book_changed(self);
      }
  auto start = st.ctx->clock->now();
  st.last_feeler = start;
  if (!cfg.connect_only) {
    st.last_reseed = start - reseed_interval;
    if (st.book->size() < discoveryurl_below)
      reseed(self);
    st.plan_timer.at(self, start, start);
  }
  return {
    [=](disc_tick_atom, uint64_t generation) {
      if (self->state.plan_timer.fired(generation))
        plan(self);
    },
    [=](feeler_atom, uint64_t generation) {
      if (self->state.feeler_timer.fired(generation))
        feel(self);
    },
    [=](save_atom, uint64_t generation) {
      if (self->state.save_timer.fired(generation) && !self->state.stopping)
        save_book(self);
    },
    [=](learned_atom, const std::vector<book_address>& addrs,
        const std::string& source) {
      if (addrs.empty()) {
        log(self).info("no addresses from {}; falling back to the configured "
                       "peers",
                       source);
        return;
      }
      auto added = learn(self, addrs, source);
      log(self).info("{} addresses from {} ({} new)", addrs.size(), source,
                     added);
      plan(self);
      feel_later(self);
    },
    [=](peer_addrs_atom, const std::string& host, const std::string& id,
        bool solicited,
        proto::peers& in) { on_peers(self, host, id, solicited, in); },
    [=](getaddr_atom, const std::string& host, const std::string& id) {
      return answer_getaddr(self, host, id);
    },
    [=](up_atom, const std::string& id, const std::string& target, bool) {
      on_up(self, id, target);
    },
    [=](lost_atom, const std::string&, const std::string& target, int64_t) {
      on_gone(self, target);
    },
    [=](dialed_atom, const std::string& target, const std::string&) {
      on_gone(self, target);
    },
    [=](mn_changed_atom) { plan_soon(self); },
    [=](nodeaddrs_atom, uint32_t count) {
      std::vector<node_address_info> out;
      for (auto& a : self->state.book->sample(
             count, self->state.ctx->clock->unix_now(), address_horizon)) {
        out.push_back(node_address_info{a.host, a.port, a.node_id, a.services,
                                        a.last_seen, a.tried});
      }
      return out;
    },
    [=](addpeeradr_atom, const std::string& host, uint16_t port) {
      book_address a;
      a.host = host;
      a.port = port;
      a.last_seen = self->state.ctx->clock->unix_now();
      // Its own source, as bitcoind's addpeeraddress: addresses the
      // operator adds one by one do not share the buckets of one source.
      auto added = self->state.book->add(a, host, a.last_seen);
      if (added) {
        book_changed(self);
        plan_soon(self);
        feel_later(self);
      }
      return added;
    },
    [=](shutdown_atom) {
      auto& st = self->state;
      if (st.stopping)
        return;
      st.stopping = true;
      save_book(self);
      save_anchors(self);
      self->quit();
    },
  };
}

} // namespace

std::optional<proto::peer_address> self_address(const node_context& ctx) {
  if (!ctx.cfg.listen || ctx.local.listen_port == 0)
    return std::nullopt;
  std::string host;
  if (is_ip_literal(ctx.cfg.externalip))
    host = ctx.cfg.externalip;
  else if (ctx.cfg.net == proto::network::devnet && ctx.cfg.externalip.empty()
           && ctx.cfg.bind != "0.0.0.0" && ctx.cfg.bind != "::")
    host = ctx.cfg.bind;
  if (host.empty())
    return std::nullopt;
  proto::peer_address a;
  a.host = host;
  a.port = ctx.local.listen_port;
  a.node_id.assign(ctx.key.public_key().begin(), ctx.key.public_key().end());
  a.services = ctx.local.services;
  a.last_seen = ctx.clock->unix_now();
  return a;
}

caf::actor spawn_discovery(caf::actor_system& sys, context_ptr ctx,
                           caf::actor supervisor, caf::actor registry) {
  return sys.spawn(discovery, std::move(ctx), std::move(supervisor),
                   std::move(registry));
}

} // namespace timecoin
