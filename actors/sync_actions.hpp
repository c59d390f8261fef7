#pragma once

// What the sync state machines (fork resolution, fast sync) ask the sync
// coordinator to do, and what the chain writer answered them (pure, no CAF).
// A machine takes an event and returns a list of actions; the coordinator
// carries them out in order and feeds the answers back as events.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "chain/params.hpp"
#include "protocol/messages.hpp"
#include "security/violations.hpp"

namespace timecoin {

/// Send `body` to `peer` as a request. Its answer (or failure) comes back to
/// the machine tagged with `seq`; answers to any other `seq` are stale.
struct send_request {
  std::string peer;
  proto::body body;
  uint64_t seq = 0;
};

/// The one request a state machine has outstanding, by sequence number: an
/// answer or a failure counts only for it, so a late answer to an earlier
/// request is ignored.
class outstanding_request {
public:
  /// A new request replaces the outstanding one: its number (never 0).
  uint64_t issue() {
    pending_ = next_++;
    return pending_;
  }
  /// `seq` is the outstanding request's number.
  bool is(uint64_t seq) const { return seq != 0 && seq == pending_; }
  /// `seq` answers the outstanding request, which is then settled.
  bool settle(uint64_t seq) {
    if (!is(seq))
      return false;
    pending_ = 0;
    return true;
  }
  /// No request is outstanding any more.
  void forget() { pending_ = 0; }

private:
  uint64_t pending_ = 0;
  uint64_t next_ = 1;
};

/// Charge `what` to `peer` as violation `v` (its connection counts it and
/// closes).
struct charge_peer {
  std::string peer;
  security::violation v = security::violation::protocol;
  std::string what;
};

/// `peer` served something invalid: the download never asks it again.
struct exclude_peer {
  std::string peer;
};

/// `peer` has no blocks from `height` on, whatever it announced: its known
/// height drops below `height` until it announces more.
struct peer_lacks_from {
  std::string peer;
  uint64_t height = 0;
};

/// `peer` is never a snapshot source again.
struct mark_bad_snapshot {
  std::string peer;
};

/// Replace our blocks above `fork_height` with `branch` (all or nothing).
struct reorganise {
  uint64_t fork_height = 0;
  std::vector<proto::block> branch;
};

/// Make `entries` the UTXO set at the height of the last of `headers`
/// (headers 1 ... S).
struct install_snapshot {
  std::vector<proto::signed_header> headers;
  std::vector<proto::utxo_entry> entries;
};

/// Tell every peer our tip (it moved).
struct announce_new_tip {};

/// The machine is done: the block download takes over. `restart`: the tip
/// changed under the download (a reorganisation, a snapshot), every window
/// starts over.
struct resume_download {
  bool restart = false;
};

/// How loud a `log_note` is.
enum class note_level : uint8_t { info = 0, warn = 1 };

/// A line for the node's log.
struct log_note {
  note_level level = note_level::info;
  std::string text;
};

/// One thing a machine asks the coordinator to do.
using sync_action
  = std::variant<send_request, charge_peer, exclude_peer, peer_lacks_from,
                 mark_bad_snapshot, reorganise, install_snapshot,
                 announce_new_tip, resume_download, log_note>;

/// What a machine asks after an event, in the order to do it.
using sync_actions = std::vector<sync_action>;

/// The chain writer's answer to a `reorganise` or an `install_snapshot`.
struct write_outcome {
  bool ok = true;
  /// Why it refused (when not `ok`), at which height, in words.
  chain::reject_reason reason = chain::reject_reason::storage;
  uint64_t height = 0;
  std::string detail;
  /// The tip after the write.
  uint64_t tip_height = 0;
  proto::hash256 tip_hash{};
  proto::hash256 utxo_root{};
};

/// The first 16 hex digits of a node id, as the log shows peers.
inline std::string short_id(const std::string& id) {
  return id.substr(0, 16);
}

} // namespace timecoin
