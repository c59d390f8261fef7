#include "actors/fork_resolution.hpp"

#include <algorithm>
#include <optional>

#include "actors/sync_checks.hpp"
#include "protocol/types.hpp"

namespace timecoin {

fork_resolution::fork_resolution(const chain::chain_params& params)
  : params_(&params) {}

std::pair<uint64_t, uint16_t> fork_resolution::search_range(uint64_t tip) {
  auto start = tip > chain::max_reorg_depth ? tip - chain::max_reorg_depth : 0;
  return {start, static_cast<uint16_t>(tip - start + 1)};
}

sync_actions fork_resolution::start(const std::string& peer, uint64_t tip,
                                    std::vector<proto::hash256> ours,
                                    sync_clock::time_point now) {
  sync_actions out;
  if (active())
    return out;
  phase_ = phase::finding;
  peer_ = peer;
  std::tie(search_start_, search_count_) = search_range(tip);
  ours_ = std::move(ours);
  fork_height_ = 0;
  branch_.clear();
  branch_bytes_ = 0;
  started_ = now;
  out.emplace_back(log_note{
    note_level::info, "our tip " + std::to_string(tip) + " is not on "
                        + short_id(peer) + "'s chain: looking for the fork"});
  ask(proto::get_hashes{search_start_, search_count_}, out);
  return out;
}

sync_actions fork_resolution::on_answer(uint64_t seq, proto::body answer,
                                        const fork_view& view) {
  if (!request_.settle(seq))
    return {};
  if (phase_ == phase::finding)
    return on_hashes(answer, view);
  return on_blocks(std::move(answer), view);
}

sync_actions fork_resolution::on_hashes(const proto::body& answer,
                                        const fork_view& view) {
  sync_actions out;
  auto* theirs = std::get_if<proto::hashes>(&answer);
  if (!theirs) {
    end(out);
    return out;
  }
  std::optional<uint64_t> common;
  auto n = std::min(theirs->items.size(), ours_.size());
  for (std::size_t i = 0; i < n; ++i)
    if (theirs->items[i] == ours_[i])
      common = search_start_ + i;
  if (!common) {
    // Only a full answer proves a fork deeper than we follow; a short one
    // is a peer behind us.
    if (theirs->items.size() >= search_count_) {
      out.emplace_back(log_note{
        note_level::warn, "no common block with " + short_id(peer_)
                            + " in our last " + std::to_string(search_count_)
                            + " blocks: not following its chain"});
      out.emplace_back(exclude_peer{peer_});
    }
    end(out);
    return out;
  }
  fork_height_ = *common;
  phase_ = phase::fetching;
  fetch(view, out);
  return out;
}

sync_actions fork_resolution::on_blocks(proto::body answer,
                                        const fork_view& view) {
  sync_actions out;
  auto* got = std::get_if<proto::blocks>(&answer);
  if (!got || got->items.empty()) {
    finish(view, out);
    return out;
  }
  if (auto bad = refuse_answer(*params_, got->items, asked_count_)) {
    out.emplace_back(log_note{note_level::warn, "fork with " + short_id(peer_)
                                                  + ": " + bad->second});
    out.emplace_back(charge_peer{peer_, bad->first, bad->second});
    if (bad->first == security::violation::invalid_block) {
      ++rejected_blocks_;
      out.emplace_back(exclude_peer{peer_});
    }
    end(out);
    return out;
  }
  auto before = branch_.size();
  for (auto& b : got->items) {
    if (b.header.height != fork_height_ + branch_.size() + 1)
      break;
    branch_bytes_ += decoded_bytes(b);
    branch_.push_back(std::move(b));
  }
  if (branch_.size() == before) {
    // Nothing that continues the branch: no progress to wait for.
    finish(view, out);
    return out;
  }
  fetch(view, out);
  return out;
}

void fork_resolution::fetch(const fork_view& view, sync_actions& out) {
  auto next = fork_height_ + branch_.size() + 1;
  auto best = view.peer_best;
  // Enough once the branch is longer than our chain: the rest comes by the
  // normal download after the switch.
  if (next > best || next > view.tip + 1) {
    finish(view, out);
    return;
  }
  if (view.now - started_ > max_fork_duration
      || branch_bytes_ > max_branch_bytes) {
    out.emplace_back(
      log_note{note_level::warn, "fork with " + short_id(peer_)
                                   + ": abandoned (too slow or too large)"});
    out.emplace_back(exclude_peer{peer_});
    end(out);
    return;
  }
  asked_count_ = static_cast<uint16_t>(std::min<uint64_t>(
    proto::max_get_blocks, std::min(best, view.tip + 1) - next + 1));
  ask(proto::get_blocks{next, asked_count_}, out);
}

void fork_resolution::finish(const fork_view& view, sync_actions& out) {
  auto top = fork_height_ + branch_.size();
  if (top <= view.tip) {
    out.emplace_back(log_note{
      note_level::info, "fork with " + short_id(peer_) + ": its branch ends at "
                          + std::to_string(top) + ", not above our "
                          + std::to_string(view.tip)});
    // Its announced height was not real (or its chain went shorter): not
    // asked again until it announces more.
    out.emplace_back(peer_lacks_from{peer_, top + 1});
    end(out);
    return;
  }
  phase_ = phase::reorganising;
  replaced_tip_ = view.tip;
  out.emplace_back(reorganise{fork_height_, std::move(branch_)});
  branch_.clear();
  branch_bytes_ = 0;
}

sync_actions fork_resolution::on_failure(uint64_t seq) {
  sync_actions out;
  if (request_.is(seq))
    end(out);
  return out;
}

sync_actions fork_resolution::on_peer_left(const std::string& peer) {
  sync_actions out;
  if (peer == peer_ && (phase_ == phase::finding || phase_ == phase::fetching))
    end(out);
  return out;
}

sync_actions fork_resolution::on_written(const write_outcome& w) {
  sync_actions out;
  if (phase_ != phase::reorganising)
    return out;
  if (w.ok) {
    ++reorgs_;
    out.emplace_back(
      log_note{note_level::info,
               "reorganised: " + std::to_string(replaced_tip_ - fork_height_)
                 + " blocks above " + std::to_string(fork_height_)
                 + " replaced, new tip " + std::to_string(w.tip_height) + " "
                 + proto::to_hex(w.tip_hash)});
    out.emplace_back(announce_new_tip{});
    end(out, true);
    return out;
  }
  ++rejected_blocks_;
  auto why = std::string{chain::to_string(w.reason)} + " at height "
             + std::to_string(w.height) + ": " + w.detail;
  out.emplace_back(log_note{note_level::warn, "branch from " + short_id(peer_)
                                                + " refused: " + why});
  if (peer_at_fault(w.reason)) {
    out.emplace_back(charge_peer{peer_, security::violation::invalid_block,
                                 "invalid block in its branch: " + why});
    out.emplace_back(exclude_peer{peer_});
  }
  end(out);
  return out;
}

sync_actions fork_resolution::on_write_failed() {
  sync_actions out;
  if (phase_ == phase::reorganising)
    end(out);
  return out;
}

void fork_resolution::ask(proto::body req, sync_actions& out) {
  out.emplace_back(send_request{peer_, std::move(req), request_.issue()});
}

void fork_resolution::end(sync_actions& out, bool restart) {
  phase_ = phase::idle;
  request_.forget();
  ours_.clear();
  branch_.clear();
  branch_bytes_ = 0;
  out.emplace_back(resume_download{restart});
}

} // namespace timecoin
