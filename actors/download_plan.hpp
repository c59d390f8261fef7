#pragma once

// Which blocks to ask which peer for, and in what order to apply them: the
// scheduling core of the sync coordinator (pure, no CAF).

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
/// Windows requested or received but not yet applied, at most: bounds the
/// memory a sync holds (16 × 128 blocks of at most 4 MiB per answer).
constexpr std::size_t max_open_windows = 16;
/// Peers downloading at the same time, at most.
constexpr std::size_t max_download_peers = 4;
/// Requests one peer may have outstanding (pipelining).
constexpr uint32_t max_inflight_per_peer = 2;

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
  std::string source; ///< node id of the peer that served it
};

/// Plans a parallel block download from `tip + 1` to the best height peers
/// announce. Windows go to the least busy peer that has them; answers are
/// applied strictly in height order; a failed or short answer puts what is
/// missing back at the front of the queue; a peer that times out gets fewer
/// requests.
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
    uint32_t answered = 0; ///< answers that carried blocks
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
  /// A peer is gone: its requests are put back in the queue. An excluded
  /// peer is remembered (it stays excluded if it comes back).
  void peer_gone(const std::string& id);
  /// `id` sent an invalid block: it is never asked again, and what it served
  /// and has not been applied yet is put back in the queue.
  void exclude(const std::string& id);

  /// The next request to send, and to whom; nothing if every window is
  /// taken, the buffer is full, or no free peer has the next blocks.
  std::optional<std::pair<std::string, block_window>> next_request();
  /// The answer to `w` from `id`: `blocks` contiguous from `w.start` (fewer
  /// than asked, or none). False if the answer was stale (a reset since).
  bool on_answer(const std::string& id, block_window w,
                 std::vector<proto::block> blocks);
  /// The request for `w` to `id` failed (timeout, peer gone, NOT_FOUND).
  void on_failure(const std::string& id, block_window w, bool timeout);
  /// The next window to apply (the one starting at `tip + 1`), if it arrived.
  std::optional<ready_window> take_ready();
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
};

} // namespace timecoin
