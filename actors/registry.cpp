#include "actors/registry.hpp"

#include <unordered_map>

#include <caf/all.hpp>

#include "actors/address_book.hpp"
#include "actors/atoms.hpp"
#include "actors/gossip.hpp"
#include "actors/masternode_list.hpp"
#include "actors/node.hpp"
#include "actors/send_later.hpp"
#include "actors/slot_policy.hpp"
#include "config/values.hpp"
#include "protocol/codec.hpp"
#include "security/conn_limits.hpp"
#include "security/envelope.hpp"

namespace timecoin {

namespace {

struct registered {
  conn_record rec;
  caf::actor conn;
  /// Its class for the slot policy (`known_masternode`, `manual_peer`).
  bool masternode = false;
  bool manual = false;
  /// When it last delivered gossip, or a block, this node had not seen.
  int64_t last_gossip = 0;
  int64_t last_block = 0;
  /// Registration order: larger is younger (finer than `connected_since`,
  /// which has whole seconds).
  uint64_t seq = 0;
};

struct tracked {
  std::string target;  ///< dialled address, empty for inbound
  std::string node_id; ///< known once the connection tried to register
  int64_t since = 0;   ///< when it registered
};

struct registry_state {
  static inline const char* name = "registry";
  context_ptr ctx;
  caf::actor supervisor;
  std::unordered_map<std::string, registered> by_id;
  std::unordered_map<caf::actor_addr, tracked> conns;
  std::unique_ptr<gossip_router> gossip;
  bool shutting_down = false;
  uint64_t next_seq = 1;
  /// Checks masternode announcements before they are delivered or relayed.
  caf::actor masternodes;
  /// The key of the eviction's group hash: secret, unknown to peers (from
  /// the node's `node_rng`).
  uint64_t eviction_salt = 0;
};

using registry_actor = caf::stateful_actor<registry_state>;

void publish(registry_actor* self) {
  auto snap = std::make_unique<peer_snapshot>();
  for (const auto& kv : self->state.by_id) {
    snap->by_id.emplace(kv.first, kv.second.rec.entry);
    if (kv.second.rec.entry.inbound)
      ++snap->inbound;
    else
      ++snap->outbound;
    if (kv.second.masternode)
      ++snap->masternodes;
  }
  self->state.ctx->table->publish(std::move(snap));
}

void track(registry_actor* self, const caf::actor& conn,
           const std::string& target) {
  auto [i, added] = self->state.conns.emplace(conn.address(), tracked{});
  if (added) {
    self->monitor(conn);
    i->second.target = target;
  }
}

/// A masternode the operator named (`masternodepeer=`): the address dialled,
/// or for an inbound peer its IP address. A peer's HELLO services bit is
/// never taken for it: any peer can set it.
bool known_masternode(const node_config& cfg, const conn_record& rec) {
  for (const auto& mn : cfg.masternode_peers) {
    if (!rec.entry.inbound) {
      if (rec.target == mn)
        return true;
      continue;
    }
    auto addr = parse_peer_address(mn);
    if (addr && addr->host == rec.entry.host)
      return true;
  }
  return false;
}

/// A masternode for the slots, eviction and the rate limits: in the
/// masternode list, or named by the operator (docs/PROTOCOL.md,
/// "Masternodes").
bool counts_as_masternode(const node_context& ctx, const conn_record& rec) {
  return known_masternode(ctx.cfg, rec)
         || ctx.listed_masternode(rec.entry.node_id);
}

/// Chosen by the operator: outbound connections to configured addresses
/// (`addnode`, `connect`, `masternodepeer`, the `addnode` RPC), and inbound
/// peers from a whitelisted address.
bool manual_peer(const node_context& ctx, const conn_record& rec) {
  if (!rec.entry.inbound)
    return rec.type == conn_type::addnode;
  auto ip = security::ip_address::parse(rec.entry.host);
  return ip && ctx.whitelist.contains(*ip);
}

slot_peer slot_of(const node_context& ctx, const registered& r) {
  const auto& e = r.rec.entry;
  slot_peer p;
  p.id = e.node_id;
  p.inbound = e.inbound;
  p.masternode = r.masternode;
  p.manual = r.manual;
  p.since = static_cast<int64_t>(r.seq);
  p.group = network_group(e.host,
                          e.listen_port != 0 ? e.listen_port : e.remote_port,
                          ctx.cfg.net == proto::network::devnet);
  p.ping_us = r.rec.stats->ping_rtt_us.load(std::memory_order_relaxed);
  p.last_gossip = r.last_gossip;
  p.last_block = r.last_block;
  return p;
}

/// Asks the slot policy for room for `newcomer`; evicts a peer if it says
/// so (REJECT 6). False if there is no room.
bool make_room(registry_actor* self, const registered& newcomer) {
  auto& st = self->state;
  std::vector<slot_peer> peers;
  peers.reserve(st.by_id.size());
  for (const auto& kv : st.by_id)
    peers.push_back(slot_of(*st.ctx, kv.second));
  auto d = decide_slot(slot_limits::for_max(st.ctx->cfg.maxconnections), peers,
                       slot_of(*st.ctx, newcomer), st.eviction_salt);
  if (!d.admit)
    return false;
  // Feelers and seeds are short visits: they never push a peer out.
  auto type = newcomer.rec.type;
  if (d.evict && (type == conn_type::feeler || type == conn_type::seed))
    return false;
  if (d.evict) {
    auto i = st.by_id.find(*d.evict);
    if (i != st.by_id.end()) {
      self->send(i->second.conn, reject_atom::value,
                 static_cast<uint16_t>(proto::reject_code::no_free_slot),
                 std::string{"slot needed for another connection"});
      st.by_id.erase(i);
    }
  }
  return true;
}

uint16_t on_register(registry_actor* self, conn_record& rec) {
  auto& st = self->state;
  auto conn = caf::actor_cast<caf::actor>(self->current_sender());
  if (!conn)
    return static_cast<uint16_t>(proto::reject_code::protocol_violation);
  track(self, conn, rec.target);
  st.conns[conn.address()].node_id = rec.entry.node_id;
  if (st.shutting_down)
    return static_cast<uint16_t>(proto::reject_code::shutting_down);
  auto id = rec.entry.node_id; // a copy: `rec` is moved below
  registered r{std::move(rec), conn, false, false};
  r.seq = st.next_seq++;
  r.masternode = counts_as_masternode(*st.ctx, r.rec);
  r.manual = manual_peer(*st.ctx, r.rec);
  auto i = st.by_id.find(id);
  if (i != st.by_id.end()) {
    if (!newer_connection_wins(i->second.rec.dialer_id, r.rec.dialer_id))
      return static_cast<uint16_t>(proto::reject_code::duplicate);
    self->send(i->second.conn, reject_atom::value,
               static_cast<uint16_t>(proto::reject_code::duplicate),
               std::string{"duplicate connection"});
    st.by_id.erase(i);
  } else if (!make_room(self, r)) {
    return static_cast<uint16_t>(proto::reject_code::no_free_slot);
  }
  st.conns[conn.address()].since = r.rec.entry.connected_since;
  self->send(st.supervisor, up_atom::value, id, r.rec.target,
             r.rec.entry.inbound);
  st.by_id.emplace(id, std::move(r));
  publish(self);
  return 0;
}

/// Sends `msg` to up to `gossip_fanout` connected peers, never `except`.
void relay(registry_actor* self, const proto::gossip& msg,
           const std::string& except) {
  auto& st = self->state;
  std::vector<std::string> ids;
  ids.reserve(st.by_id.size());
  for (const auto& kv : st.by_id)
    ids.push_back(kv.first);
  auto targets = st.gossip->relay_targets(std::move(ids), except);
  if (targets.empty())
    return;
  auto shared = std::make_shared<const proto::message>(proto::message{0, msg});
  st.ctx->counters->gossip_relayed.fetch_add(targets.size(),
                                             std::memory_order_relaxed);
  for (const auto& id : targets)
    self->send(st.by_id.at(id).conn, send_atom::value, shared);
}

/// Hands `msg` to the local subscribers of its kind and relays it.
void deliver(registry_actor* self, const proto::gossip& msg,
             const std::string& origin) {
  auto& st = self->state;
  const auto& subs = st.gossip->subscribers(msg.kind);
  if (!subs.empty()) {
    gossip_message out{msg.kind, msg.payload,
                       msg.sender.empty() ? std::string{}
                                          : proto::to_hex(msg.sender),
                       msg.timestamp, origin};
    for (const auto& who : subs)
      self->send(who, gossip_atom::value, out);
  }
  relay(self, msg, origin);
}

/// Counts peers as masternodes again after the list changed.
void refresh_masternodes(registry_actor* self) {
  auto& st = self->state;
  bool changed = false;
  for (auto& kv : st.by_id) {
    bool mn = counts_as_masternode(*st.ctx, kv.second.rec);
    changed = changed || mn != kv.second.masternode;
    kv.second.masternode = mn;
  }
  if (changed)
    publish(self);
}

/// A verified GOSSIP from a peer: dropped if seen, else delivered and relayed.
void on_gossip(registry_actor* self, gossip_in& in) {
  auto& st = self->state;
  const auto& msg = *in.msg;
  auto now = st.ctx->clock->unix_now();
  if (!st.gossip->first_sight(in.id, msg.timestamp, now)) {
    in.from->stats->gossip_duplicates.fetch_add(1, std::memory_order_relaxed);
    st.ctx->counters->gossip_duplicates.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  st.ctx->counters->gossip_accepted.fetch_add(1, std::memory_order_relaxed);
  auto from = st.by_id.find(in.from->origin);
  if (from != st.by_id.end()) {
    from->second.last_gossip = now;
    if (msg.kind == proto::gossip_kind_block)
      from->second.last_block = now;
  }
  if (msg.kind == gossip_kind_masternode && st.masternodes) {
    // Delivered and relayed only once the masternodes actor accepts it
    // (docs/PROTOCOL.md, "Masternodes"): a forged announcement goes no
    // further than this node.
    self->send(st.masternodes, mn_offer_atom::value, msg, in.from->origin);
    return;
  }
  deliver(self, msg, in.from->origin);
}

bool on_publish(registry_actor* self, uint16_t kind,
                std::vector<uint8_t>& payload) {
  auto& st = self->state;
  const auto& ctx = *st.ctx;
  // Masternode announcements are made by the masternodes actor, checked
  // against the chain like anyone's (masternode=1).
  if (kind == gossip_kind_masternode)
    return false;
  auto msg = security::make_gossip(
    ctx.cfg.enable_message_signing ? &ctx.key : nullptr, ctx.net->magic, kind,
    ctx.clock->unix_now(), std::move(payload));
  if (!well_formed_payload(msg))
    return false;
  st.gossip->first_sight(security::message_id(msg), msg.timestamp,
                         msg.timestamp);
  relay(self, msg, std::string{});
  return true;
}

void on_down(registry_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto t = st.conns.find(dm.source);
  if (t == st.conns.end()) {
    st.gossip->forget(dm.source); // a subscriber
    return;
  }
  auto info = std::move(t->second);
  st.conns.erase(t);
  if (dm.reason)
    st.ctx->log->warn("connection to {} ended abnormally: {}", info.target,
                      self->system().render(dm.reason));
  auto i = st.by_id.find(info.node_id);
  if (i != st.by_id.end() && i->second.conn.address() == dm.source) {
    st.by_id.erase(i);
    publish(self);
  }
  auto lasted = info.since > 0 ? st.ctx->clock->unix_now() - info.since
                               : int64_t{0};
  self->send(st.supervisor, lost_atom::value, info.node_id, info.target,
             lasted);
  if (st.shutting_down && st.conns.empty())
    self->quit();
}

std::vector<peer_info> peer_infos(const registry_state& st) {
  std::vector<peer_info> out;
  out.reserve(st.by_id.size());
  for (const auto& kv : st.by_id) {
    const auto& r = kv.second.rec;
    const auto& s = *r.stats;
    peer_info p;
    p.node_id = r.entry.node_id;
    p.address = r.entry.host + ":" + std::to_string(r.entry.remote_port);
    p.inbound = r.entry.inbound;
    p.services = r.entry.services;
    p.user_agent = r.user_agent;
    p.listen_port = r.entry.listen_port;
    p.connected_since = r.entry.connected_since;
    p.ping_rtt_us = s.ping_rtt_us.load(std::memory_order_relaxed);
    p.best_height = s.best_height.load(std::memory_order_relaxed);
    p.bytes_sent = s.bytes_sent.load(std::memory_order_relaxed);
    p.bytes_received = s.bytes_received.load(std::memory_order_relaxed);
    p.messages_sent = s.messages_sent.load(std::memory_order_relaxed);
    p.messages_received = s.messages_received.load(std::memory_order_relaxed);
    p.violations = s.violations.load(std::memory_order_relaxed);
    p.rate_limited = s.rate_limited.load(std::memory_order_relaxed);
    p.bytes_limited = s.bytes_limited.load(std::memory_order_relaxed);
    p.gossip_duplicates = s.gossip_duplicates.load(std::memory_order_relaxed);
    p.send_queue_bytes = s.send_queue_bytes.load(std::memory_order_relaxed);
    p.verify_queued = s.verify_queued.load(std::memory_order_relaxed);
    p.verify_shed = s.verify_shed.load(std::memory_order_relaxed);
    p.connection_type = to_string(r.type);
    p.masternode = kv.second.masternode;
    out.push_back(std::move(p));
  }
  return out;
}

caf::behavior registry(registry_actor* self, context_ptr ctx,
                       caf::actor supervisor) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.supervisor = std::move(supervisor);
  st.gossip = std::make_unique<gossip_router>(
    st.ctx->cfg, st.ctx->seen, st.ctx->rng.stream("gossip fanout"));
  st.eviction_salt = st.ctx->rng.number("eviction salt");
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  return {
    [=](track_atom, const caf::actor& conn, const std::string& target) {
      track(self, conn, target);
      if (self->state.shutting_down)
        self->send(conn, bye_atom::value, std::string{"shutting down"});
    },
    [=](register_atom, conn_record& rec) { return on_register(self, rec); },
    [=](peers_atom) { return peer_infos(self->state); },
    [=](gossip_atom, gossip_batch& batch) {
      for (auto& in : batch)
        on_gossip(self, in);
    },
    [=](publish_atom, uint16_t kind, std::vector<uint8_t>& payload) {
      return on_publish(self, kind, payload);
    },
    [=](mn_actor_atom, const caf::actor& mn) { self->state.masternodes = mn; },
    [=](mn_relay_atom, const proto::gossip& msg, const std::string& from) {
      if (from.empty()) // this node's own announcement
        self->state.gossip->first_sight(security::message_id(msg),
                                        msg.timestamp, msg.timestamp);
      deliver(self, msg, from);
    },
    [=](mn_changed_atom) { refresh_masternodes(self); },
    [=](subscribe_atom, uint16_t kind, const caf::actor& who) {
      self->monitor(who);
      self->state.gossip->subscribe(kind, who);
    },
    [=](unsub_atom, uint16_t kind, const caf::actor& who) {
      self->state.gossip->unsubscribe(kind, who);
    },
    [=](disconn_ip_atom, const std::string& target) {
      // A single address or a subnet that was just banned.
      auto range = security::subnet::parse(target);
      if (!range)
        return;
      for (const auto& kv : self->state.conns) {
        auto i = self->state.by_id.find(kv.second.node_id);
        std::string host;
        if (i != self->state.by_id.end())
          host = i->second.rec.entry.host;
        auto ip = security::ip_address::parse(host);
        if (ip && range->contains(*ip))
          self->send(caf::actor_cast<caf::actor>(kv.first), bye_atom::value,
                     std::string{"banned"});
      }
    },
    [=](send_atom, const std::string& id, const shared_message& msg) {
      auto i = self->state.by_id.find(id);
      if (i == self->state.by_id.end())
        return false;
      self->send(i->second.conn, send_atom::value, msg);
      return true;
    },
    [=](broadcast_atom, const shared_message& msg) {
      for (const auto& kv : self->state.by_id)
        self->send(kv.second.conn, send_atom::value, msg);
    },
    [=](disconn_atom, const std::string& who) {
      for (const auto& kv : self->state.by_id) {
        const auto& e = kv.second.rec.entry;
        auto addr = e.host + ":" + std::to_string(e.remote_port);
        if (kv.first == who || addr == who) {
          self->send(kv.second.conn, bye_atom::value,
                     std::string{"disconnected by operator"});
          return true;
        }
      }
      return false;
    },
    [=](shutdown_atom) {
      auto& st = self->state;
      if (st.shutting_down)
        return;
      st.shutting_down = true;
      if (st.conns.empty()) {
        self->quit();
        return;
      }
      for (const auto& kv : st.conns)
        self->send(caf::actor_cast<caf::actor>(kv.first), bye_atom::value,
                   std::string{"shutting down"});
      send_later(self, shutdown_grace, caf::timeout_atom::value);
    },
    [=](caf::timeout_atom) {
      for (const auto& kv : self->state.conns)
        self->send_exit(kv.first, caf::exit_reason::kill);
      self->quit();
    },
  };
}

} // namespace

caf::actor spawn_registry(caf::actor_system& sys, context_ptr ctx,
                          caf::actor supervisor) {
  return sys.spawn(registry, std::move(ctx), std::move(supervisor));
}

} // namespace timecoin
