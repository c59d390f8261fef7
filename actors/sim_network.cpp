#include "actors/sim_network.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/send_later.hpp"
#include "protocol/types.hpp"

namespace timecoin {

namespace {

using time_point = caf::actor_clock::time_point;

/// Bytes that arrive for an end before its connection actor is bound (it
/// is spawned at the same moment; only the first flight can wait).
constexpr std::size_t max_early_bytes = 1024 * 1024;

/// One end of a link, and the direction of bytes it sends.
struct sim_end {
  std::string addr;
  caf::actor conn;
  /// This end closed (its actor is gone or going).
  bool closed = false;
  /// What arrived before `conn` was bound, and whether the close did.
  std::vector<proto::bytes> early;
  std::size_t early_bytes = 0;
  bool early_fin = false;
  /// The sending side of this end: when the link is free again, and when
  /// its last bytes arrive (later bytes never arrive earlier).
  time_point busy_until{};
  time_point last_arrival{};
};

struct sim_link {
  sim_end ends[2];
  link_params params;
  /// Deliveries scheduled and not yet arrived.
  uint64_t in_flight = 0;
};

struct network_state {
  static inline const char* name = "sim_network";

  link_params defaults;
  std::map<std::pair<std::string, std::string>, link_params> pairs;
  std::unordered_map<uint64_t, sim_link> links;
  uint64_t next_link = 1;
  std::map<std::string, caf::actor> listeners;
  std::map<std::string, int> groups;
  uint64_t rng = 0;
  sim_network_stats stats;
};

using network_actor = caf::stateful_actor<network_state>;

/// splitmix64: the same jitter for the same seed on every platform.
uint64_t next_random(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int group_of(const network_state& st, const std::string& addr) {
  auto i = st.groups.find(addr);
  return i == st.groups.end() ? 0 : i->second;
}

link_params params_for(const network_state& st, const std::string& a,
                       const std::string& b) {
  auto i = st.pairs.find({a, b});
  if (i == st.pairs.end())
    i = st.pairs.find({b, a});
  return i == st.pairs.end() ? st.defaults : i->second;
}

/// Schedules the delivery of `bytes` (or, with `fin`, of the close) sent by
/// end `from` to the other end, as the link would carry it.
void schedule(network_actor* self, uint64_t from, proto::bytes bytes,
              bool fin) {
  auto& st = self->state;
  auto& link = st.links.at(from / 2);
  auto& out = link.ends[from % 2];
  auto now = self->clock().now();
  auto depart = std::max(now, out.busy_until);
  if (link.params.bits_per_second > 0 && !bytes.empty())
    depart += std::chrono::microseconds{
      (bytes.size() * 8 * 1000000 + link.params.bits_per_second - 1)
      / link.params.bits_per_second};
  out.busy_until = depart;
  auto arrive = depart + link.params.latency;
  if (link.params.jitter.count() > 0)
    arrive += std::chrono::microseconds{static_cast<int64_t>(
      next_random(st.rng)
      % static_cast<uint64_t>(link.params.jitter.count() + 1))};
  arrive = std::max(arrive, out.last_arrival);
  out.last_arrival = arrive;
  ++link.in_flight;
  send_later(self, arrive - now, sim_arrive_atom::value, from ^ 1,
             std::move(bytes), fin);
}

/// Forgets a link once both ends closed and nothing is under way.
void maybe_erase(network_state& st, uint64_t link_id) {
  auto i = st.links.find(link_id);
  if (i != st.links.end() && i->second.ends[0].closed
      && i->second.ends[1].closed && i->second.in_flight == 0)
    st.links.erase(i);
}

void arrive(network_actor* self, uint64_t to, proto::bytes& bytes, bool fin) {
  auto& st = self->state;
  auto i = st.links.find(to / 2);
  if (i == st.links.end())
    return; // cut
  auto& link = i->second;
  --link.in_flight;
  auto& end = link.ends[to % 2];
  if (!end.closed) {
    if (!end.conn) {
      if (fin) {
        end.early_fin = true;
      } else if (end.early_bytes + bytes.size() <= max_early_bytes) {
        end.early_bytes += bytes.size();
        end.early.push_back(std::move(bytes));
      }
    } else if (fin) {
      self->send(end.conn, sim_closed_atom::value);
    } else {
      ++st.stats.deliveries;
      st.stats.bytes += bytes.size();
      self->send(end.conn, sim_data_atom::value, std::move(bytes));
    }
  }
  maybe_erase(st, to / 2);
}

/// Cuts the links between different groups: both ends learn at once.
void cut_across(network_actor* self) {
  auto& st = self->state;
  std::vector<uint64_t> cut;
  for (auto& kv : st.links) {
    auto& l = kv.second;
    if (group_of(st, l.ends[0].addr) != group_of(st, l.ends[1].addr))
      cut.push_back(kv.first);
  }
  // In id order: the same run sends the same messages in the same order.
  std::sort(cut.begin(), cut.end());
  for (auto id : cut) {
    auto& l = st.links.at(id);
    for (auto& e : l.ends)
      if (!e.closed && e.conn)
        self->send(e.conn, sim_closed_atom::value);
    st.links.erase(id);
    ++st.stats.links_cut;
  }
}

caf::behavior sim_network(network_actor* self, link_params defaults,
                          uint64_t seed) {
  self->state.defaults = defaults;
  self->state.rng = seed;
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& ls = self->state.listeners;
    for (auto i = ls.begin(); i != ls.end();) {
      if (i->second.address() == dm.source)
        i = ls.erase(i);
      else
        ++i;
    }
  });
  return {
    [=](sim_attach_atom, const std::string& addr, const caf::actor& sup) {
      self->monitor(sup);
      self->state.listeners[addr] = sup;
    },
    [=](sim_dial_atom, const std::string& from,
        const std::string& to) -> caf::result<uint64_t> {
      auto& st = self->state;
      auto i = st.listeners.find(to);
      if (i == st.listeners.end()) {
        ++st.stats.dials_refused;
        return caf::make_error(caf::sec::cannot_connect_to_node,
                               "connection refused");
      }
      if (group_of(st, from) != group_of(st, to)) {
        ++st.stats.dials_refused;
        return caf::make_error(caf::sec::cannot_connect_to_node,
                               "network unreachable");
      }
      auto id = st.next_link++;
      auto& link = st.links[id];
      link.params = params_for(st, from, to);
      link.ends[0].addr = from;
      link.ends[1].addr = to;
      ++st.stats.links_opened;
      self->send(i->second, sim_accept_atom::value, caf::actor{self},
                 id * 2 + 1, from);
      return id * 2;
    },
    [=](sim_bind_atom, uint64_t end, const caf::actor& conn) {
      auto& st = self->state;
      auto i = st.links.find(end / 2);
      if (i == st.links.end()) {
        // Cut before the end was bound.
        self->send(conn, sim_closed_atom::value);
        return;
      }
      auto& e = i->second.ends[end % 2];
      e.conn = conn;
      for (auto& b : e.early) {
        ++st.stats.deliveries;
        st.stats.bytes += b.size();
        self->send(conn, sim_data_atom::value, std::move(b));
      }
      e.early.clear();
      e.early_bytes = 0;
      if (e.early_fin)
        self->send(conn, sim_closed_atom::value);
    },
    [=](sim_send_atom, uint64_t end, proto::bytes& bytes) {
      auto& st = self->state;
      auto i = st.links.find(end / 2);
      if (i == st.links.end() || i->second.ends[end % 2].closed)
        return;
      schedule(self, end, std::move(bytes), false);
    },
    [=](sim_arrive_atom, uint64_t to, proto::bytes& bytes, bool fin) {
      arrive(self, to, bytes, fin);
    },
    [=](sim_close_atom, uint64_t end) {
      auto& st = self->state;
      auto i = st.links.find(end / 2);
      if (i == st.links.end() || i->second.ends[end % 2].closed)
        return;
      i->second.ends[end % 2].closed = true;
      i->second.ends[end % 2].conn = nullptr;
      if (!i->second.ends[(end % 2) ^ 1].closed)
        schedule(self, end, proto::bytes{}, true);
      maybe_erase(st, end / 2);
    },
    [=](sim_params_atom, const std::string& a, const std::string& b,
        int64_t latency_us, int64_t jitter_us, uint64_t bps) {
      self->state.pairs[{a, b}]
        = link_params{std::chrono::microseconds{latency_us},
                      std::chrono::microseconds{jitter_us}, bps};
    },
    [=](sim_part_atom, const std::map<std::string, int>& groups) {
      self->state.groups = groups;
      cut_across(self);
    },
    [=](sim_heal_atom) { self->state.groups.clear(); },
    [=](sim_stats_atom) { return self->state.stats; },
  };
}

} // namespace

caf::actor spawn_sim_network(caf::actor_system& sys, link_params defaults,
                             uint64_t seed) {
  return sys.spawn(sim_network, defaults, seed);
}

} // namespace timecoin
