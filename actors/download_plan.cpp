#include "actors/download_plan.hpp"

#include <algorithm>

#include "protocol/messages.hpp"

namespace timecoin {

namespace {

// MessagePack lengths, as msgpack-c packs (smallest form first).
std::size_t uint_bytes(uint64_t v) {
  return v < 0x80          ? 1
         : v <= 0xff       ? 2
         : v <= 0xffff     ? 3
         : v <= 0xffffffff ? 5
                           : 9;
}

std::size_t int_bytes(int64_t v) {
  if (v >= 0)
    return uint_bytes(static_cast<uint64_t>(v));
  return v >= -32                    ? 1
         : v >= -128                 ? 2
         : v >= -32768               ? 3
         : v >= INT64_C(-2147483648) ? 5
                                     : 9;
}

std::size_t array_bytes(std::size_t n) {
  return n < 16 ? 1 : n <= 0xffff ? 3 : 5;
}

std::size_t bin_bytes(std::size_t n) {
  return n + (n <= 0xff ? 2 : n <= 0xffff ? 3 : 5);
}

/// The heap a vector holds: its capacity and the block's overhead.
template <class T>
std::size_t heap_bytes(const std::vector<T>& v) {
  return v.capacity() == 0
           ? 0
           : v.capacity() * sizeof(T) + heap_block_overhead_bytes;
}

std::size_t sum_decoded(const std::vector<proto::block>& blocks) {
  std::size_t n = 0;
  for (const auto& b : blocks)
    n += decoded_bytes(b);
  return n;
}

} // namespace

std::size_t decoded_bytes(const proto::block& b) {
  std::size_t n = sizeof(proto::block) + heap_bytes(b.transactions);
  for (const auto& tx : b.transactions)
    n += heap_bytes(tx.inputs) + heap_bytes(tx.outputs);
  return n;
}

std::size_t encoded_bytes(const proto::block& b) {
  constexpr std::size_t hash = 32;
  constexpr std::size_t sig = 64;
  const auto& h = b.header;
  std::size_t n = array_bytes(3) // [header, producer_signature, txs]
                  + array_bytes(7) + uint_bytes(h.version)
                  + uint_bytes(h.height) + 3 * bin_bytes(hash)
                  + int_bytes(h.timestamp) + bin_bytes(hash) + bin_bytes(sig)
                  + array_bytes(b.transactions.size());
  for (const auto& tx : b.transactions) {
    n += array_bytes(4) + uint_bytes(tx.version) + array_bytes(tx.inputs.size())
         + array_bytes(tx.outputs.size()) + uint_bytes(tx.lock_time);
    for (const auto& in : tx.inputs)
      n += array_bytes(3) + bin_bytes(hash) + uint_bytes(in.vout)
           + bin_bytes(sig);
    for (const auto& out : tx.outputs)
      n += array_bytes(2) + uint_bytes(out.value) + bin_bytes(hash);
  }
  return n;
}

bool within_answer_bound(const std::vector<proto::block>& blocks) {
  if (blocks.size() <= 1)
    return true;
  std::size_t total = 0;
  for (const auto& b : blocks) {
    total += encoded_bytes(b);
    if (total > proto::max_blocks_answer_bytes)
      return false;
  }
  return true;
}

void download_plan::hold(ready_window w) {
  if (auto old = ready_.find(w.start); old != ready_.end())
    release(old);
  buffered_bytes_ += w.bytes;
  if (auto p = peers_.find(w.source); p != peers_.end())
    p->second.buffered += w.bytes;
  auto start = w.start;
  ready_.emplace(start, std::move(w));
}

std::map<uint64_t, ready_window>::iterator
download_plan::release(std::map<uint64_t, ready_window>::iterator i) {
  uncount(i->second);
  return ready_.erase(i);
}

void download_plan::uncount(const ready_window& w) {
  buffered_bytes_ -= std::min(buffered_bytes_, w.bytes);
  budget_full_ = false;
  if (auto p = peers_.find(w.source); p != peers_.end()) {
    p->second.buffered -= std::min(p->second.buffered, w.bytes);
    p->second.share_full = false;
  }
}

template <class Pred>
std::size_t download_plan::drop_ready(Pred drop, const std::string& avoid) {
  std::size_t n = 0;
  for (auto i = ready_.begin(); i != ready_.end();) {
    if (drop(i->second)) {
      requeue(i->first, static_cast<uint16_t>(i->second.blocks.size()), avoid);
      i = release(i);
      ++n;
    } else {
      ++i;
    }
  }
  return n;
}

void download_plan::reset(uint64_t tip) {
  tip_ = tip;
  next_ = tip + 1;
  retry_.clear();
  inflight_.clear();
  ready_.clear();
  buffered_bytes_ = 0;
  budget_full_ = false;
  for (auto& kv : peers_) {
    kv.second.inflight = 0;
    kv.second.buffered = 0;
    kv.second.share_full = false;
  }
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
    uncount(ready_.begin()->second);
    auto w = std::move(ready_.begin()->second);
    ready_.erase(ready_.begin());
    auto end = w.start + w.blocks.size();
    if (end > tip + 1) {
      w.blocks.erase(w.blocks.begin(),
                     w.blocks.begin() + static_cast<long>(tip + 1 - w.start));
      w.start = tip + 1;
      w.bytes = sum_decoded(w.blocks);
      hold(std::move(w));
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
  // Its windows are dropped too: a block of theirs that proved invalid
  // could no longer be charged to anyone, and their memory must not outlive
  // the connection.
  drop_ready([&](const ready_window& w) { return w.source == id; }, id);
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
  drop_ready([&](const ready_window& w) { return w.source == id; }, id);
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
  p.buffered = 0;
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
  // Past a full buffer only the window the others wait for is asked.
  const bool gap = w.start == tip_ + 1;
  if (!gap && (budget_full_ || buffered_bytes_ >= max_buffered_bytes))
    return std::nullopt;
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
    if (!gap && (p.share_full || p.buffered >= max_buffered_bytes_per_peer))
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

answer_outcome download_plan::on_answer(const std::string& id, block_window w,
                                        std::vector<proto::block> blocks,
                                        sync_clock::time_point now) {
  if (!settle(id, w))
    return answer_outcome::stale;
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
    return answer_outcome::buffered;
  auto p = peers_.find(id);
  if (p != peers_.end())
    ++p->second.answered;
  auto end = w.start + n; // exclusive
  if (end <= tip_ + 1)
    return answer_outcome::buffered; // applied meanwhile (a gossiped block)
  if (w.start <= tip_) {
    blocks.erase(blocks.begin(),
                 blocks.begin() + static_cast<long>(tip_ + 1 - w.start));
    w.start = tip_ + 1;
  }
  auto bytes = sum_decoded(blocks);
  // The window at tip + 1 is applied next: always taken. Others wait for it
  // within the budget; past it they are asked again once the gap is filled.
  if (w.start != tip_ + 1) {
    auto share = p == peers_.end() ? 0 : p->second.buffered;
    bool over_share = share + bytes > max_buffered_bytes_per_peer;
    if (over_share || buffered_bytes_ + bytes > max_buffered_bytes) {
      ++dropped_;
      if (over_share && p != peers_.end())
        p->second.share_full = true;
      else
        budget_full_ = true;
      requeue(w.start, static_cast<uint16_t>(blocks.size()),
              over_share ? id : std::string{});
      return answer_outcome::dropped;
    }
  }
  hold(ready_window{w.start, std::move(blocks), id, bytes, now});
  return answer_outcome::buffered;
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
  uncount(i->second);
  auto w = std::move(i->second);
  ready_.erase(i);
  return w;
}

std::size_t download_plan::expire(sync_clock::time_point now) {
  auto n = drop_ready(
    [&](const ready_window& w) {
      return w.start != tip_ + 1 && now - w.arrived >= max_buffered_age;
    },
    std::string{});
  dropped_ += n;
  return n;
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
