#include "actors/fast_sync.hpp"

#include <algorithm>
#include <iterator>

#include "actors/sync_checks.hpp"
#include "protocol/types.hpp"

namespace timecoin {

fast_sync::fast_sync(const chain::chain_params& params) : params_(&params) {}

sync_actions
fast_sync::start(const std::vector<snapshot_candidate>& candidates) {
  sync_actions out;
  if (phase_ != phase::idle)
    return out;
  auto interval = params_->snapshot_interval;
  const snapshot_candidate* best = nullptr;
  uint64_t best_height = 0;
  for (const auto& c : candidates) {
    auto h = interval == 0 ? 0 : c.best / interval * interval;
    if (h > best_height) {
      best_height = h;
      best = &c;
    }
  }
  if (!best)
    return out;
  phase_ = phase::headers;
  peer_ = best->peer;
  height_ = best_height;
  headers_.clear();
  last_ = params_->genesis.header;
  entries_.clear();
  next_chunk_ = 0;
  total_chunks_ = 0;
  out.emplace_back(log_note{
    note_level::info, "fast sync: headers 1-" + std::to_string(height_)
                        + " and the UTXO snapshot at " + std::to_string(height_)
                        + " from " + short_id(peer_)});
  fetch_headers(out);
  return out;
}

void fast_sync::fetch_headers(sync_actions& out) {
  auto have = headers_.size();
  if (have >= height_) {
    phase_ = phase::snapshot;
    out.emplace_back(log_note{
      note_level::info, "fast sync: " + std::to_string(have)
                          + " headers checked; fetching the UTXO snapshot at "
                          + std::to_string(height_)});
    fetch_chunk(out);
    return;
  }
  asked_start_ = have + 1;
  asked_count_ = static_cast<uint16_t>(
    std::min<uint64_t>(proto::max_get_headers, height_ - have));
  ask(proto::get_headers{asked_start_, asked_count_}, out);
}

void fast_sync::fetch_chunk(sync_actions& out) {
  if (total_chunks_ != 0 && next_chunk_ >= total_chunks_) {
    phase_ = phase::installing;
    installed_entries_ = entries_.size();
    header_hash_ = headers_.empty() ? proto::hash256{}
                                    : proto::block_hash(headers_.back().header);
    out.emplace_back(
      install_snapshot{std::move(headers_), std::move(entries_)});
    headers_.clear();
    entries_.clear();
    return;
  }
  ask(proto::get_utxo_chunk{height_, next_chunk_}, out);
}

sync_actions fast_sync::on_answer(uint64_t seq, proto::body answer) {
  if (!request_.settle(seq))
    return {};
  switch (phase_) {
    case phase::headers: return on_headers(std::move(answer));
    case phase::snapshot: return on_chunk(std::move(answer));
    case phase::rechecking: return on_recheck(answer);
    default: return {};
  }
}

sync_actions fast_sync::on_headers(proto::body answer) {
  sync_actions out;
  auto* got = std::get_if<proto::headers>(&answer);
  if (!got || got->items.empty()) {
    // It announced a height it does not have.
    out.emplace_back(peer_lacks_from{peer_, asked_start_});
    fail("no headers from " + short_id(peer_), out);
    return out;
  }
  auto& items = got->items;
  if (items.size() > asked_count_)
    items.resize(asked_count_);
  auto ok = chain::check_headers(*params_, last_, items);
  if (!ok) {
    ++rejected_blocks_;
    out.emplace_back(charge_peer{peer_, security::violation::invalid_block,
                                 "invalid header: " + ok.error().detail});
    out.emplace_back(mark_bad_snapshot{peer_});
    out.emplace_back(exclude_peer{peer_});
    fail("invalid header from " + short_id(peer_) + ": " + ok.error().detail,
         out);
    return out;
  }
  last_ = items.back().header;
  headers_.insert(headers_.end(), std::make_move_iterator(items.begin()),
                  std::make_move_iterator(items.end()));
  fetch_headers(out);
  return out;
}

sync_actions fast_sync::on_chunk(proto::body answer) {
  sync_actions out;
  auto* chunk = std::get_if<proto::utxo_chunk>(&answer);
  if (!chunk) {
    fail("no snapshot at " + std::to_string(height_) + " from "
           + short_id(peer_),
         out);
    return out;
  }
  if (chunk->height != height_ || chunk->index != next_chunk_
      || chunk->total == 0 || chunk->total > max_snapshot_chunks
      || (total_chunks_ != 0 && chunk->total != total_chunks_)) {
    out.emplace_back(charge_peer{peer_, security::violation::protocol,
                                 "UTXO_CHUNK does not answer its request"});
    out.emplace_back(mark_bad_snapshot{peer_});
    fail("malformed snapshot chunk", out);
    return out;
  }
  total_chunks_ = chunk->total;
  entries_.insert(entries_.end(),
                  std::make_move_iterator(chunk->entries.begin()),
                  std::make_move_iterator(chunk->entries.end()));
  ++next_chunk_;
  fetch_chunk(out);
  return out;
}

sync_actions fast_sync::on_written(const write_outcome& w) {
  sync_actions out;
  if (phase_ != phase::installing)
    return out;
  if (w.ok) {
    out.emplace_back(log_note{
      note_level::info,
      "fast sync: snapshot at height " + std::to_string(height_)
        + " installed (" + std::to_string(installed_entries_)
        + " unspent outputs, utxo_root " + proto::to_hex(w.utxo_root) + ")"});
    phase_ = phase::finished;
    out.emplace_back(resume_download{true});
    return out;
  }
  auto why = std::string{chain::to_string(w.reason)} + ": " + w.detail;
  if (!peer_at_fault(w.reason)) {
    fail("snapshot not installed: " + why, out);
    return out;
  }
  ++rejected_snapshots_;
  out.emplace_back(mark_bad_snapshot{peer_});
  // Chunks are read one request at a time: a peer that reorganised across
  // the snapshot height meanwhile served parts of two sets. Charged only if
  // its header there is still the one we checked.
  refused_why_ = why;
  phase_ = phase::rechecking;
  ask(proto::get_headers{height_, 1}, out);
  return out;
}

sync_actions fast_sync::on_recheck(const proto::body& answer) {
  sync_actions out;
  auto* h = std::get_if<proto::headers>(&answer);
  if (h && !h->items.empty()
      && proto::block_hash(h->items.front().header) == header_hash_)
    out.emplace_back(charge_peer{peer_, security::violation::invalid_block,
                                 "snapshot refused: " + refused_why_});
  fail("snapshot at " + std::to_string(height_) + " from " + short_id(peer_)
         + " refused: " + refused_why_,
       out);
  return out;
}

sync_actions fast_sync::on_write_failed() {
  sync_actions out;
  if (phase_ == phase::installing)
    fail("chain writer gone", out);
  return out;
}

sync_actions fast_sync::on_failure(uint64_t seq) {
  sync_actions out;
  if (!request_.settle(seq))
    return out;
  if (phase_ == phase::headers)
    fail("header request failed", out);
  else if (phase_ == phase::snapshot)
    fail("snapshot request failed", out);
  else if (phase_ == phase::rechecking)
    on_recheck(proto::not_found{}).swap(out);
  return out;
}

sync_actions fast_sync::on_peer_left(const std::string& peer) {
  sync_actions out;
  if (peer != peer_)
    return out;
  if (phase_ == phase::headers || phase_ == phase::snapshot)
    fail("peer " + short_id(peer) + " left", out);
  else if (phase_ == phase::rechecking)
    on_recheck(proto::not_found{}).swap(out);
  return out;
}

void fast_sync::ask(proto::body req, sync_actions& out) {
  out.emplace_back(send_request{peer_, std::move(req), request_.issue()});
}

void fast_sync::fail(const std::string& why, sync_actions& out) {
  out.emplace_back(log_note{note_level::warn, "fast sync: " + why});
  request_.forget();
  headers_.clear();
  entries_.clear();
  phase_ = phase::idle;
  if (++attempts_ >= max_fastsync_attempts) {
    out.emplace_back(
      log_note{note_level::warn, "fast sync: giving up after "
                                   + std::to_string(attempts_)
                                   + " attempts; downloading every block"});
    phase_ = phase::finished;
  }
  out.emplace_back(resume_download{});
}

} // namespace timecoin
