#include "actors/rate_limiter.hpp"

#include <caf/all.hpp>

#include "actors/atoms.hpp"
#include "actors/deadline_timer.hpp"
#include "actors/node.hpp"
#include "security/ban_list.hpp"
#include "security/violations.hpp"

namespace timecoin {

namespace {

struct limiter_state {
  static inline const char* name = "rate_limiter";
  context_ptr ctx;
  caf::actor registry;
  std::string path;
  security::violation_tracker tracker;
  security::ban_list bans;
  std::unordered_map<std::string, int64_t> banned_ids;
  /// Set for the next end of a ban or of a violation's window, while there
  /// is one.
  deadline_timer<expire_atom> timer;
  node_clock::time_point last_expire;
};

using limiter_actor = caf::stateful_actor<limiter_state>;

spdlog::logger& log(limiter_actor* self) {
  return *self->state.ctx->log;
}

/// Publishes the bans to readers and writes them to the data directory.
void commit(limiter_actor* self) {
  auto& st = self->state;
  auto view = std::make_unique<ban_view>();
  view->addresses = st.bans;
  view->node_ids = st.banned_ids;
  st.ctx->bans->publish(std::move(view));
  if (auto ok = st.bans.save_changes(st.path, st.ctx->clock->unix_now()); !ok)
    log(self).error("{}", ok.error().message);
}

/// Sets the timer for `due`, or for later if the last pass was less than
/// `ban_expiry_interval` before.
void expire_at(limiter_actor* self, node_clock::time_point due) {
  auto& st = self->state;
  st.timer.at(self, st.ctx->clock->now(),
              std::max(due, st.last_expire + ban_expiry_interval));
}

/// Sets the timer for the earliest end of a ban (of an address or a node
/// id) or of a violation's window; none while nothing will end.
void schedule_expiry(limiter_actor* self) {
  auto& st = self->state;
  auto end = st.bans.next_end();
  for (const auto& kv : st.banned_ids)
    if (!end || kv.second < *end)
      end = kv.second;
  auto due = st.tracker.next_expiry();
  if (end) {
    // Ends are unix seconds; the timer runs on the monotonic clock.
    auto wait = std::max<int64_t>(*end - st.ctx->clock->unix_now(), 0);
    auto at = st.ctx->clock->now() + std::chrono::seconds{wait};
    due = due ? std::min(*due, at) : at;
  }
  if (due)
    expire_at(self, *due);
}

/// Forgets the bans that ended and the violations out of their window.
void expire(limiter_actor* self) {
  auto& st = self->state;
  auto now = st.ctx->clock->unix_now();
  st.last_expire = st.ctx->clock->now();
  st.tracker.expire(st.last_expire);
  auto ended = st.bans.expire(now);
  for (auto i = st.banned_ids.begin(); i != st.banned_ids.end();) {
    if (i->second <= now) {
      i = st.banned_ids.erase(i);
      ++ended;
    } else {
      ++i;
    }
  }
  if (ended > 0)
    commit(self);
  schedule_expiry(self);
}

void on_violation(limiter_actor* self, const std::string& ip_text, uint8_t kind,
                  const std::string& node_id) {
  auto& st = self->state;
  auto ip = security::ip_address::parse(ip_text);
  if (!ip)
    return;
  auto v = static_cast<security::violation>(kind);
  if (kind < st.ctx->counters->violations.size())
    st.ctx->counters->violations[kind].fetch_add(1, std::memory_order_relaxed);
  if (st.ctx->whitelist.contains(*ip)) {
    log(self).info("violation {} by whitelisted {}: not counted",
                   security::to_string(v), ip_text);
    return;
  }
  auto ban = st.tracker.record(*ip, v, st.ctx->clock->now());
  auto count = st.tracker.count(*ip, st.ctx->clock->now());
  // The timer is set for the earliest end already: this window's end can
  // only move it earlier.
  expire_at(self, st.ctx->clock->now() + security::violation_window);
  log(self).info("violation {} by {} ({} within the hour)",
                 security::to_string(v), ip_text, count);
  if (!ban)
    return;
  auto now = st.ctx->clock->unix_now();
  auto until = now + ban->count();
  st.bans.ban(security::subnet::single(*ip), until,
              std::to_string(count)
                + " violations, last: " + std::string{security::to_string(v)},
              now);
  if (!node_id.empty()) {
    auto& t = st.banned_ids[node_id];
    t = std::max(t, until);
  }
  st.ctx->counters->bans.fetch_add(1, std::memory_order_relaxed);
  log(self).warn("banned {} for {} s after {} violations", ip_text,
                 ban->count(), count);
  commit(self);
  expire_at(self, st.ctx->clock->now() + *ban);
  self->send(st.registry, disconn_ip_atom::value, ip->to_string());
}

bool on_setban(limiter_actor* self, const std::string& text, bool add,
               int64_t seconds) {
  auto& st = self->state;
  auto target = security::subnet::parse(text);
  if (!target)
    return false;
  auto now = st.ctx->clock->unix_now();
  if (!add) {
    if (!st.bans.unban(*target))
      return false;
    log(self).info("unbanned {}", target->to_string());
    commit(self);
    return true;
  }
  if (seconds <= 0)
    seconds = std::chrono::seconds{security::default_ban_duration}.count();
  if (!st.bans.can_ban(*target, security::ban_kind::manual)) {
    log(self).warn("setban {} refused: {} manual bans are the most kept",
                   target->to_string(), security::max_manual_bans);
    return false;
  }
  st.bans.ban(*target, now + seconds, "manual", now,
              security::ban_kind::manual);
  log(self).info("banned {} for {} s (setban)", target->to_string(), seconds);
  commit(self);
  schedule_expiry(self);
  // Connections inside the subnet go at once.
  self->send(st.registry, disconn_ip_atom::value, target->to_string());
  return true;
}

std::vector<ban_info> list_bans(const limiter_state& st) {
  std::vector<ban_info> out;
  for (auto& e : st.bans.list(st.ctx->clock->unix_now()))
    out.push_back(ban_info{e.target.to_string(), e.until, e.created, e.reason});
  return out;
}

caf::behavior rate_limiter(limiter_actor* self, context_ptr ctx,
                           caf::actor registry) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.registry = std::move(registry);
  st.path = st.ctx->cfg.data_dir() + "/" + security::ban_list_file_name;
  std::string problem;
  st.bans = security::ban_list::load_or_empty(
    st.path, st.ctx->clock->unix_now(), problem);
  if (!problem.empty())
    log(self).error("{}", problem);
  else if (st.bans.size() > 0)
    log(self).info("{} bans loaded from {}", st.bans.size(), st.path);
  commit(self);
  st.last_expire = st.ctx->clock->now();
  schedule_expiry(self);
  return {
    [=](violation_atom, const std::string& ip, uint8_t kind,
        const std::string& node_id) { on_violation(self, ip, kind, node_id); },
    [=](setban_atom, const std::string& subnet, bool add, int64_t seconds) {
      return on_setban(self, subnet, add, seconds);
    },
    [=](listbans_atom) { return list_bans(self->state); },
    [=](clearbans_atom) {
      self->state.bans.clear();
      self->state.banned_ids.clear();
      log(self).info("ban list cleared");
      commit(self);
      return true;
    },
    [=](expire_atom, uint64_t generation) {
      if (self->state.timer.fired(generation))
        expire(self);
    },
  };
}

} // namespace

caf::actor spawn_rate_limiter(caf::actor_system& sys, context_ptr ctx,
                              caf::actor registry) {
  return sys.spawn(rate_limiter, std::move(ctx), std::move(registry));
}

} // namespace timecoin
