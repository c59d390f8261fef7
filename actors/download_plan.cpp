#include "actors/download_plan.hpp"

#include <algorithm>

namespace timecoin {

void download_plan::reset(uint64_t tip) {
  tip_ = tip;
  next_ = tip + 1;
  retry_.clear();
  inflight_.clear();
  ready_.clear();
  for (auto& kv : peers_)
    kv.second.inflight = 0;
}

void download_plan::advance(uint64_t tip) {
  if (tip <= tip_)
    return;
  tip_ = tip;
  next_ = std::max(next_, tip + 1);
  // Queued and arrived windows wholly at or below the tip are done; one that
  // straddles it keeps its upper part.
  auto trim_queue = [&] {
    while (!retry_.empty() && retry_.begin()->first <= tip) {
      auto start = retry_.begin()->first;
      auto q = retry_.begin()->second;
      retry_.erase(retry_.begin());
      auto end = start + q.count; // exclusive
      if (end > tip + 1)
        retry_[tip + 1] = queued{static_cast<uint16_t>(end - (tip + 1)),
                                 q.avoid};
    }
  };
  trim_queue();
  while (!ready_.empty() && ready_.begin()->first <= tip) {
    auto w = std::move(ready_.begin()->second);
    ready_.erase(ready_.begin());
    auto end = w.start + w.blocks.size();
    if (end > tip + 1) {
      w.blocks.erase(w.blocks.begin(),
                     w.blocks.begin() + static_cast<long>(tip + 1 - w.start));
      w.start = tip + 1;
      ready_.emplace(w.start, std::move(w));
    }
  }
}

void download_plan::peer_best(const std::string& id, uint64_t best) {
  auto& p = peers_[id];
  p.best = std::max(p.best, best);
}

void download_plan::peer_lacks(const std::string& id, uint64_t height,
                               bool full_history) {
  auto p = peers_.find(id);
  if (p == peers_.end())
    return;
  if (full_history)
    p->second.best = std::min(p->second.best, height - 1);
  else
    p->second.min_start = std::max(p->second.min_start, height + 1);
}

void download_plan::peer_gone(const std::string& id) {
  for (auto i = inflight_.begin(); i != inflight_.end();) {
    if (i->second.peer == id) {
      requeue(i->first, i->second.count, id);
      i = inflight_.erase(i);
    } else {
      ++i;
    }
  }
  auto p = peers_.find(id);
  if (p == peers_.end())
    return;
  // An excluded peer stays excluded when it reconnects.
  if (p->second.excluded)
    p->second.inflight = 0;
  else
    peers_.erase(p);
}

void download_plan::exclude(const std::string& id) {
  for (auto i = ready_.begin(); i != ready_.end();) {
    if (i->second.source == id) {
      requeue(i->first, static_cast<uint16_t>(i->second.blocks.size()), id);
      i = ready_.erase(i);
    } else {
      ++i;
    }
  }
  for (auto i = inflight_.begin(); i != inflight_.end();) {
    if (i->second.peer == id) {
      requeue(i->first, i->second.count, id);
      i = inflight_.erase(i);
    } else {
      ++i;
    }
  }
  auto& p = peers_[id];
  p.excluded = true;
  p.inflight = 0;
}

uint64_t download_plan::target() const {
  uint64_t best = 0;
  for (const auto& kv : peers_)
    if (!kv.second.excluded)
      best = std::max(best, kv.second.best);
  return best;
}

std::optional<std::pair<std::string, block_window>>
download_plan::next_request() {
  if (inflight_.size() + ready_.size() >= max_open_windows)
    return std::nullopt;
  block_window w;
  std::string avoid;
  bool from_retry = false;
  if (!retry_.empty()) {
    w.start = retry_.begin()->first;
    w.count = retry_.begin()->second.count;
    avoid = retry_.begin()->second.avoid;
    from_retry = true;
  } else {
    auto target_height = target();
    if (next_ > target_height)
      return std::nullopt;
    w.start = next_;
    w.count = static_cast<uint16_t>(
      std::min<uint64_t>(sync_window_blocks, target_height - next_ + 1));
  }
  // The least busy peer that has the window; the one that failed it only if
  // no other can take it.
  const std::string* chosen = nullptr;
  bool chosen_avoided = false;
  std::size_t busy = 0;
  bool prompt_peer_has_it = false; // a peer that is not slow, busy or not
  for (const auto& kv : peers_) {
    if (kv.second.inflight > 0)
      ++busy;
    if (!kv.second.excluded && !kv.second.slow() && kv.second.best >= w.start
        && kv.second.min_start <= w.start)
      prompt_peer_has_it = true;
  }
  for (const auto& [id, p] : peers_) {
    if (p.excluded || p.best < w.start || p.min_start > w.start
        || p.inflight >= p.max_inflight)
      continue;
    if (p.inflight == 0 && busy >= max_download_peers)
      continue;
    // A slow peer waits while a prompt one is merely busy.
    if (p.slow() && prompt_peer_has_it)
      continue;
    bool avoided = id == avoid;
    if (chosen) {
      const auto& c = peers_.at(*chosen);
      auto better = std::make_tuple(avoided, p.inflight, p.timeouts)
                    < std::make_tuple(chosen_avoided, c.inflight, c.timeouts);
      if (!better)
        continue;
    }
    chosen = &id;
    chosen_avoided = avoided;
  }
  if (!chosen)
    return std::nullopt;
  auto& p = peers_.at(*chosen);
  auto count = static_cast<uint16_t>(
    std::min<uint64_t>(w.count, p.best - w.start + 1));
  if (from_retry) {
    auto q = retry_.begin()->second;
    retry_.erase(retry_.begin());
    if (count < w.count)
      retry_[w.start + count] = queued{static_cast<uint16_t>(w.count - count),
                                       q.avoid};
  } else {
    next_ = w.start + count;
  }
  w.count = count;
  w.ticket = next_ticket_++;
  ++p.inflight;
  inflight_[w.start] = asked{*chosen, count, w.ticket};
  return std::make_pair(*chosen, w);
}

bool download_plan::settle(const std::string& id, const block_window& w) {
  auto i = inflight_.find(w.start);
  if (i == inflight_.end() || i->second.ticket != w.ticket
      || i->second.peer != id)
    return false;
  inflight_.erase(i);
  auto p = peers_.find(id);
  if (p != peers_.end() && p->second.inflight > 0)
    --p->second.inflight;
  return true;
}

bool download_plan::on_answer(const std::string& id, block_window w,
                              std::vector<proto::block> blocks) {
  if (!settle(id, w))
    return false;
  // Only the contiguous prefix of the right heights counts.
  std::size_t n = 0;
  while (n < blocks.size() && n < w.count
         && blocks[n].header.height == w.start + n)
    ++n;
  blocks.resize(n);
  if (n < w.count)
    requeue(w.start + n, static_cast<uint16_t>(w.count - n),
            n == 0 ? id : std::string{});
  if (n == 0)
    return true;
  if (auto p = peers_.find(id); p != peers_.end())
    ++p->second.answered;
  auto end = w.start + n; // exclusive
  if (end <= tip_ + 1)
    return true; // applied meanwhile (a gossiped or produced block)
  if (w.start <= tip_) {
    blocks.erase(blocks.begin(),
                 blocks.begin() + static_cast<long>(tip_ + 1 - w.start));
    w.start = tip_ + 1;
  }
  ready_[w.start] = ready_window{w.start, std::move(blocks), id};
  return true;
}

void download_plan::on_failure(const std::string& id, block_window w,
                               bool timeout) {
  if (!settle(id, w))
    return;
  if (timeout) {
    ++timeouts_;
    auto p = peers_.find(id);
    if (p != peers_.end()) {
      ++p->second.timeouts;
      p->second.max_inflight = 1;
    }
  }
  requeue(w.start, w.count, id);
}

std::optional<ready_window> download_plan::take_ready() {
  auto i = ready_.find(tip_ + 1);
  if (i == ready_.end())
    return std::nullopt;
  auto w = std::move(i->second);
  ready_.erase(i);
  return w;
}

void download_plan::requeue(uint64_t start, uint16_t count,
                            const std::string& avoid) {
  if (count == 0 || start + count <= tip_ + 1)
    return;
  if (start <= tip_) {
    count = static_cast<uint16_t>(start + count - (tip_ + 1));
    start = tip_ + 1;
  }
  retry_[start] = queued{count, avoid};
}

} // namespace timecoin
