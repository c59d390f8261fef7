#pragma once

// Fast sync as a state machine (pure, no CAF, no clock of its own): headers
// 1 ... S from one peer, then every chunk of its UTXO snapshot at S, then
// the install. See docs/PROTOCOL.md, "Sync", on fast sync.

#include <cstdint>
#include <string>
#include <vector>

#include "actors/sync_actions.hpp"
#include "chain/params.hpp"

namespace timecoin {

/// Fast sync gives up on snapshots after this many refused or failed tries
/// and downloads every block instead.
constexpr uint32_t max_fastsync_attempts = 3;
/// A snapshot of more chunks than this is refused (10^7 outputs): a fast
/// sync holds the snapshot in memory (about 90 bytes an output) until it is
/// checked, so a peer must not be able to announce an endless one.
constexpr uint32_t max_snapshot_chunks = 1'000;

/// A peer that may serve a snapshot: connected, serving snapshots (services
/// bit 4), not excluded from the download and not marked bad for snapshots.
struct snapshot_candidate {
  std::string peer;
  uint64_t best = 0; ///< its known height
};

/// Runs fast syncs one attempt at a time, until one is installed or
/// `max_fastsync_attempts` failed; then it is `finished` and the block
/// download does the rest. An attempt picks the candidate with the highest
/// snapshot height S (the highest multiple of the snapshot interval at or
/// below its height; the first of equals), asks it for headers 1 ... S
/// (GET_HEADERS, checked batch by batch), then for the snapshot's chunks one
/// by one (GET_UTXO_CHUNK), and hands everything over as `install_snapshot`.
/// Every failed attempt ends with `resume_download`; a peer that served
/// invalid headers, a chunk that does not answer its request (another
/// height, index or total than the earlier chunks, or too many chunks), or a
/// snapshot the chain refused is charged and marked bad for snapshots.
class fast_sync {
public:
  /// Where the machine is.
  enum class phase : uint8_t {
    idle = 0,       ///< no attempt under way; may start one
    headers = 1,    ///< GET_HEADERS asked
    snapshot = 2,   ///< GET_UTXO_CHUNK asked
    installing = 3, ///< the snapshot is with the chain writer
    rechecking = 4, ///< the chain refused it: is the peer's header the same?
    finished = 5,   ///< installed, or given up: never starts again
  };

  /// Headers are checked against `params` (which must outlive the machine).
  explicit fast_sync(const chain::chain_params& params);

  /// Starts an attempt with the best of `candidates` (in the order given);
  /// nothing if none has a snapshot height above 0 or the machine is not
  /// idle.
  sync_actions start(const std::vector<snapshot_candidate>& candidates);
  /// The answer to request `seq` (a stale one is ignored).
  sync_actions on_answer(uint64_t seq, proto::body answer);
  /// Request `seq` timed out or failed: the attempt failed.
  sync_actions on_failure(uint64_t seq);
  /// `peer`'s connection closed. While the writer holds the snapshot
  /// nothing changes: its answer ends the attempt.
  sync_actions on_peer_left(const std::string& peer);
  /// The writer's answer to `install_snapshot`.
  sync_actions on_written(const write_outcome& w);
  /// The writer failed to answer `install_snapshot`.
  sync_actions on_write_failed();

  phase current() const { return phase_; }
  /// True while an attempt is under way.
  bool active() const {
    return phase_ != phase::idle && phase_ != phase::finished;
  }
  bool finished() const { return phase_ == phase::finished; }
  /// The peer of the attempt under way, and its snapshot height.
  const std::string& peer() const { return peer_; }
  uint64_t height() const { return height_; }
  /// Headers and unspent outputs received in this attempt (until handed
  /// over).
  std::size_t headers_received() const { return headers_.size(); }
  std::size_t entries_received() const { return entries_.size(); }
  /// Attempts failed so far.
  uint32_t attempts() const { return attempts_; }
  /// Headers refused (counted as blocks), and snapshots refused, so far.
  uint64_t rejected_blocks() const { return rejected_blocks_; }
  uint64_t rejected_snapshots() const { return rejected_snapshots_; }

private:
  sync_actions on_headers(proto::body answer);
  sync_actions on_chunk(proto::body answer);
  sync_actions on_recheck(const proto::body& answer);
  /// Asks for the next headers, or moves on to the snapshot.
  void fetch_headers(sync_actions& out);
  /// Asks for the next chunk, or hands the snapshot over.
  void fetch_chunk(sync_actions& out);
  void ask(proto::body req, sync_actions& out);
  /// The attempt failed for `why`; the download resumes.
  void fail(const std::string& why, sync_actions& out);

  const chain::chain_params* params_;
  phase phase_ = phase::idle;
  std::string peer_;
  uint64_t height_ = 0;
  std::vector<proto::signed_header> headers_; ///< heights 1 ... so far
  proto::block_header last_; ///< the header `headers_` continue from
  std::vector<proto::utxo_entry> entries_;
  uint32_t next_chunk_ = 0;
  uint32_t total_chunks_ = 0; ///< 0: not known yet
  /// The outstanding GET_HEADERS.
  uint64_t asked_start_ = 0;
  uint16_t asked_count_ = 0;
  /// Of the snapshot handed over: the hash of header S, how many entries,
  /// and, if the chain refused it, why.
  proto::hash256 header_hash_{};
  std::size_t installed_entries_ = 0;
  std::string refused_why_;
  /// The request answers are expected to.
  outstanding_request request_;
  uint32_t attempts_ = 0;
  uint64_t rejected_blocks_ = 0;
  uint64_t rejected_snapshots_ = 0;
};

} // namespace timecoin
