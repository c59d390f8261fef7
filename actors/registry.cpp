#include "actors/registry.hpp"

#include <unordered_map>

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/node.hpp"

namespace timecoin {

namespace {

struct registered {
  conn_record rec;
  caf::actor conn;
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
  bool shutting_down = false;
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
  auto i = st.by_id.find(id);
  if (i != st.by_id.end()) {
    if (!newer_connection_wins(i->second.rec.dialer_id, rec.dialer_id))
      return static_cast<uint16_t>(proto::reject_code::duplicate);
    self->send(i->second.conn, reject_atom::value,
               static_cast<uint16_t>(proto::reject_code::duplicate),
               std::string{"duplicate connection"});
    st.by_id.erase(i);
  } else if (st.by_id.size() >= st.ctx->cfg.maxconnections) {
    return static_cast<uint16_t>(proto::reject_code::no_free_slot);
  }
  st.conns[conn.address()].since = rec.entry.connected_since;
  self->send(st.supervisor, up_atom::value, id, rec.target,
             rec.entry.inbound);
  st.by_id.emplace(id, registered{std::move(rec), conn});
  publish(self);
  return 0;
}

void on_down(registry_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto t = st.conns.find(dm.source);
  if (t == st.conns.end())
    return;
  auto info = std::move(t->second);
  st.conns.erase(t);
  auto i = st.by_id.find(info.node_id);
  if (i != st.by_id.end() && i->second.conn.address() == dm.source) {
    st.by_id.erase(i);
    publish(self);
  }
  auto lasted = info.since > 0 ? unix_now() - info.since : int64_t{0};
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
    out.push_back(std::move(p));
  }
  return out;
}

caf::behavior registry(registry_actor* self, context_ptr ctx,
                       caf::actor supervisor) {
  self->state.ctx = std::move(ctx);
  self->state.supervisor = std::move(supervisor);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  return {
    [=](track_atom, const caf::actor& conn, const std::string& target) {
      track(self, conn, target);
      if (self->state.shutting_down)
        self->send(conn, bye_atom::value, std::string{"shutting down"});
    },
    [=](register_atom, conn_record& rec) { return on_register(self, rec); },
    [=](peers_atom) { return peer_infos(self->state); },
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
      self->delayed_send(self, shutdown_grace, caf::timeout_atom::value);
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
