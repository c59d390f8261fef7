#pragma once

// Which blocks to ask which peer for, and in what order to apply them: the
// scheduling core of the sync coordinator (pure, no CAF).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "protocol/chain.hpp"

namespace timecoin {

/// Blocks asked for in one GET_BLOCKS. Small enough that four peers share a
/// short catch-up, large enough that a round trip carries real work.
constexpr uint16_t sync_window_blocks = 128;
/// Windows requested or received but not yet applied, at most: bounds how
/// far ahead of the tip a sync asks (16 × 128 blocks). Memory is bounded by
/// `max_buffered_bytes`, not by this.
constexpr std::size_t max_open_windows = 16;
/// Peers downloading at the same time, at most.
constexpr std::size_t max_download_peers = 4;
/// Requests one peer may have outstanding (pipelining).
constexpr uint32_t max_inflight_per_peer = 2;

/// Decoded bytes of arrived windows waiting to be applied, across peers, at
/// most (the window at `tip + 1` is always taken: it is applied next).
/// Ordinary blocks decode to about 1.5 times their encoded size, so 16 open
/// windows of full 4 MiB answers (about 100 MB) fit; a peer that packs its
/// answers with empty transactions (5 encoded bytes, 64 decoded) reaches this
/// bound instead of 16 × 100 MB.
constexpr std::size_t max_buffered_bytes = 128 * 1024 * 1024;
/// One peer's share of `max_buffered_bytes`: a peer that holds back the
/// window at `tip + 1` and fills the ones after it stops here, and the peers
/// it shares the download with (`max_download_peers`) keep theirs.
constexpr std::size_t max_buffered_bytes_per_peer = max_buffered_bytes
                                                    / max_download_peers;
/// An arrived window waits this long for the windows before it, then is
/// dropped and asked again: by then the window it waits for has timed out
/// at its peer (30 s) and been asked of another (30 s more), so a longer
/// wait means no peer serves it and the memory is better given back.
constexpr auto max_buffered_age = std::chrono::seconds{90};
/// Bytes malloc adds to each heap block, on average (glibc: an 8-byte size
/// header, blocks rounded up to 16 bytes).
constexpr std::size_t heap_block_overhead_bytes = 16;

/// The clock of arrival times (the actor clock's).
using sync_clock = std::chrono::steady_clock;

/// The memory a decoded block holds: its structures as `sizeof` and the
/// vectors' capacities measure them, plus `heap_block_overhead_bytes` per
/// heap block. An empty transaction costs 64 bytes (`sizeof(transaction)`),
/// one with an input and two outputs about 290.
std::size_t decoded_bytes(const proto::block& b);
/// The length of `b`'s MessagePack encoding (`proto::encode_block(b).size()`,
/// what a BLOCKS answer carries for it), computed without encoding.
std::size_t encoded_bytes(const proto::block& b);
/// True if a BLOCKS answer keeps the serving side's bound: at most
/// `proto::max_blocks_answer_bytes` of encoded blocks, or a single block of
/// any size (the first block is always sent, docs/PROTOCOL.md, "Chain
/// requests").
bool within_answer_bound(const std::vector<proto::block>& blocks);

/// A range of heights asked for in one request.
struct block_window {
  uint64_t start = 0;
  uint16_t count = 0;
  /// Tells a current request from a stale one (set by `next_request`).
  uint64_t ticket = 0;
};

/// A window whose blocks arrived, ready to be applied in order.
struct ready_window {
  uint64_t start = 0;
  std::vector<proto::block> blocks;
  std::string source;    ///< node id of the peer that served it
  std::size_t bytes = 0; ///< `decoded_bytes` of the blocks
  sync_clock::time_point arrived{};
};

/// What became of an answer.
enum class answer_outcome : uint8_t {
  stale = 0,    ///< not the current request (a reset or a failure since)
  buffered = 1, ///< its blocks (if any) wait to be applied
  dropped = 2,  ///< over the buffer budget: asked again later
};

/// Plans a parallel block download from `tip + 1` to the best height peers
/// announce. Windows go to the least busy peer that has them; answers are
/// applied strictly in height order; a failed or short answer puts what is
/// missing back at the front of the queue; a peer that times out gets fewer
/// requests. Arrived windows are held within `max_buffered_bytes` (and
/// `max_buffered_bytes_per_peer` each), only while their peer is connected,
/// and for `max_buffered_age` at most; when the budget is full only the
/// window at `tip + 1` is asked for.
class download_plan {
public:
  /// One peer as the plan sees it.
  struct peer {
    uint64_t best = 0;
    /// Windows starting below this are not asked of the peer (it answered
    /// empty there: blocks it does not keep).
    uint64_t min_start = 0;
    uint32_t inflight = 0;
    uint32_t max_inflight = max_inflight_per_peer;
    uint32_t timeouts = 0;
    uint32_t answered = 0;    ///< answers that carried blocks
    std::size_t buffered = 0; ///< decoded bytes of its windows held
    /// An answer of its was dropped over its share: asked for no window
    /// past `tip + 1` until one of its windows is applied or dropped.
    bool share_full = false;
    bool excluded = false; ///< sent an invalid block: never asked again

    /// Timed out more often than it answered: asked only when no other
    /// peer has the blocks.
    bool slow() const { return timeouts > answered; }
  };

  /// Starts over above `tip`: every window is forgotten (answers still on
  /// their way are ignored).
  void reset(uint64_t tip);
  /// The local tip moved to `tip` (blocks applied, or produced locally).
  void advance(uint64_t tip);

  /// A peer announced `best` (TIP, PING, PONG, a gossiped block).
  void peer_best(const std::string& id, uint64_t best);
  /// `id` answered a window at `height` with no blocks: with
  /// `full_history` it is past its tip (its best drops below `height` until
  /// it announces more); without, it keeps no blocks that low.
  void peer_lacks(const std::string& id, uint64_t height, bool full_history);
  /// A peer is gone: its requests, and the windows it served that are not
  /// applied yet, are put back in the queue. An excluded peer is remembered
  /// (it stays excluded if it comes back).
  void peer_gone(const std::string& id);
  /// `id` sent an invalid block: it is never asked again, and what it served
  /// and has not been applied yet is put back in the queue.
  void exclude(const std::string& id);

  /// The next request to send, and to whom; nothing if every window is
  /// taken, no free peer has the next blocks, or the buffer budget (the
  /// total, or the free peer's share) is spent and the next window is not
  /// the one at `tip + 1`.
  std::optional<std::pair<std::string, block_window>> next_request();
  /// The answer to `w` from `id`, arrived at `now`: `blocks` contiguous from
  /// `w.start` (fewer than asked, or none). A window past `tip + 1` that
  /// would overrun the budget or the peer's share is dropped and asked again
  /// (of another peer first, if it was over its share).
  answer_outcome on_answer(const std::string& id, block_window w,
                           std::vector<proto::block> blocks,
                           sync_clock::time_point now = {});
  /// The request for `w` to `id` failed (timeout, peer gone, NOT_FOUND).
  void on_failure(const std::string& id, block_window w, bool timeout);
  /// The next window to apply (the one starting at `tip + 1`), if it arrived.
  std::optional<ready_window> take_ready();
  /// Drops the windows that arrived before `now - max_buffered_age` and
  /// still wait (not the one at `tip + 1`); they are asked again. Returns how
  /// many were dropped.
  std::size_t expire(sync_clock::time_point now);
  /// Blocks taken but not applied (the rest of a window after an invalid
  /// block) go back in the queue, asked of `avoid` last.
  void give_back(uint64_t start, uint16_t count, const std::string& avoid) {
    requeue(start, count, avoid);
  }

  /// The local tip as the plan knows it.
  uint64_t tip() const { return tip_; }
  /// The best height a usable peer announced.
  uint64_t target() const;
  /// True while the peers are ahead of the tip.
  bool behind() const { return target() > tip_; }
  /// True if nothing is requested or waiting to be applied.
  bool idle() const { return inflight_.empty() && ready_.empty(); }
  const std::map<std::string, peer>& peers() const { return peers_; }
  /// Requests timed out so far.
  uint64_t timeouts() const { return timeouts_; }
  /// Decoded bytes of the arrived windows held.
  std::size_t buffered_bytes() const { return buffered_bytes_; }
  /// Arrived windows held.
  std::size_t buffered_windows() const { return ready_.size(); }
  /// Answers dropped over the budget, and windows aged out, so far.
  uint64_t dropped() const { return dropped_; }

private:
  struct queued {
    uint16_t count = 0;
    std::string avoid; ///< the peer that failed it, asked last
  };
  struct asked {
    std::string peer;
    uint16_t count = 0;
    uint64_t ticket = 0;
  };
  void requeue(uint64_t start, uint16_t count, const std::string& avoid);
  /// Removes the request `w` from `id` if it is current.
  bool settle(const std::string& id, const block_window& w);
  /// Stores an arrived window and counts its bytes.
  void hold(ready_window w);
  /// Takes an arrived window's bytes off the counts (before it is moved out).
  void uncount(const ready_window& w);
  /// Forgets an arrived window and its bytes; the next one.
  std::map<uint64_t, ready_window>::iterator
  release(std::map<uint64_t, ready_window>::iterator i);
  /// Drops the arrived windows `drop` selects and asks them again, of
  /// `avoid` last.
  template <class Pred>
  std::size_t drop_ready(Pred drop, const std::string& avoid);

  uint64_t tip_ = 0;
  /// The next height not yet in a window.
  uint64_t next_ = 1;
  std::map<std::string, peer> peers_;
  /// Windows to ask again, lowest first (before `next_`).
  std::map<uint64_t, queued> retry_;
  /// start → requests on their way.
  std::map<uint64_t, asked> inflight_;
  /// start → arrived window.
  std::map<uint64_t, ready_window> ready_;
  uint64_t timeouts_ = 0;
  uint64_t next_ticket_ = 1;
  std::size_t buffered_bytes_ = 0;
  /// An answer was dropped over the total budget: nothing past `tip + 1` is
  /// asked until a held window is released (else the same window would be
  /// asked and dropped again and again).
  bool budget_full_ = false;
  uint64_t dropped_ = 0;
};

} // namespace timecoin
