#pragma once

// Fork resolution with one peer as a state machine (pure, no CAF, no clock
// of its own): find the highest block we share with the peer, fetch its
// branch above it, and have it applied in one reorganisation if it is longer
// than our chain. See docs/PROTOCOL.md, "Sync", on forks.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "actors/download_plan.hpp"
#include "actors/sync_actions.hpp"
#include "chain/params.hpp"

namespace timecoin {

/// A fork resolution that has not finished after this long is abandoned: a
/// peer must not hold the node in fork mode by answering slowly.
constexpr auto max_fork_duration = std::chrono::minutes{2};
/// A fork branch is held in memory, unvalidated, up to this many bytes
/// (`decoded_bytes`) before the reorganisation checks it.
constexpr std::size_t max_branch_bytes = 256 * 1024 * 1024;

/// What the coordinator knows when the machine takes an answer.
struct fork_view {
  uint64_t tip = 0;       ///< our tip's height
  uint64_t peer_best = 0; ///< the peer's known height (0: unknown)
  sync_clock::time_point now{};
};

/// Resolves one fork at a time. `start` asks the peer for the hashes of our
/// last `chain::max_reorg_depth` heights; the highest hash both chains share
/// is the fork point. Its branch is then fetched (GET_BLOCKS) until it is
/// longer than our chain, and handed over as `reorganise`. Every way out
/// ends with `resume_download`; a peer that served something invalid is
/// charged and excluded, one whose announced height proved false is
/// reported as lacking those blocks. A fork deeper than the search, a
/// resolution older than `max_fork_duration` or a branch over
/// `max_branch_bytes` is abandoned.
class fork_resolution {
public:
  /// Where the machine is.
  enum class phase : uint8_t {
    idle = 0,         ///< no fork being resolved
    finding = 1,      ///< GET_HASHES asked: looking for the fork point
    fetching = 2,     ///< GET_BLOCKS asked: fetching the branch
    reorganising = 3, ///< the branch is with the chain writer
  };

  /// Blocks are checked against `params` (which must outlive the machine).
  explicit fork_resolution(const chain::chain_params& params);

  /// The heights the fork point is looked for among when our tip is `tip`:
  /// the first, and how many (at most `chain::max_reorg_depth + 1`).
  static std::pair<uint64_t, uint16_t> search_range(uint64_t tip);

  /// Our tip (height `tip`) is not on `peer`'s chain. `ours` are our hashes
  /// at `search_range(tip)`, lowest first. Nothing if a fork is already
  /// being resolved.
  sync_actions start(const std::string& peer, uint64_t tip,
                     std::vector<proto::hash256> ours,
                     sync_clock::time_point now);
  /// The answer to request `seq` (a stale one is ignored).
  sync_actions on_answer(uint64_t seq, proto::body answer,
                         const fork_view& view);
  /// Request `seq` timed out or failed: the fork is left.
  sync_actions on_failure(uint64_t seq);
  /// `peer`'s connection closed. While the writer holds the branch nothing
  /// changes: its answer ends the resolution.
  sync_actions on_peer_left(const std::string& peer);
  /// The writer's answer to `reorganise`.
  sync_actions on_written(const write_outcome& w);
  /// The writer failed to answer `reorganise`.
  sync_actions on_write_failed();

  phase current() const { return phase_; }
  bool active() const { return phase_ != phase::idle; }
  /// The peer whose chain is looked at (while active).
  const std::string& peer() const { return peer_; }
  /// Blocks of the branch held, and their `decoded_bytes`.
  std::size_t branch_blocks() const { return branch_.size(); }
  std::size_t branch_bytes() const { return branch_bytes_; }
  /// Reorganisations done, and blocks refused, so far.
  uint64_t reorgs() const { return reorgs_; }
  uint64_t rejected_blocks() const { return rejected_blocks_; }

private:
  sync_actions on_hashes(const proto::body& answer, const fork_view& view);
  sync_actions on_blocks(proto::body answer, const fork_view& view);
  /// Asks for more of the branch, or finishes.
  void fetch(const fork_view& view, sync_actions& out);
  /// The branch is as long as it gets: hand it over, or give up.
  void finish(const fork_view& view, sync_actions& out);
  void ask(proto::body req, sync_actions& out);
  /// Back to idle; the download resumes.
  void end(sync_actions& out, bool restart = false);

  const chain::chain_params* params_;
  phase phase_ = phase::idle;
  std::string peer_;
  uint64_t search_start_ = 0;
  uint16_t search_count_ = 0;
  std::vector<proto::hash256> ours_;
  uint64_t fork_height_ = 0;
  std::vector<proto::block> branch_;
  std::size_t branch_bytes_ = 0;
  sync_clock::time_point started_{};
  /// Blocks the outstanding GET_BLOCKS asked for.
  uint16_t asked_count_ = 0;
  /// Our tip when the branch was handed over.
  uint64_t replaced_tip_ = 0;
  /// The request answers are expected to.
  outstanding_request request_;
  uint64_t reorgs_ = 0;
  uint64_t rejected_blocks_ = 0;
};

} // namespace timecoin
