#pragma once

// The chain store: blocks and headers by height and hash, the UTXO set, the
// tip, undo data for reorganisations and UTXO snapshots, on LMDB, with the
// validity rules of docs/PROTOCOL.md, "Block validity" (pure, no CAF).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chain/params.hpp"
#include "protocol/chain.hpp"
#include "protocol/messages.hpp"
#include "protocol/result.hpp"

namespace timecoin::chain {

/// The tip of the stored chain.
struct tip_info {
  uint64_t height = 0;
  proto::hash256 hash{};
  proto::hash256 utxo_root{};
  /// Unspent outputs in the UTXO set.
  uint64_t utxos = 0;
  int64_t timestamp = 0;
  /// The lowest height whose block is stored: 0, or the snapshot height a
  /// fast sync started from (headers are stored for every height).
  uint64_t base_height = 0;
};

/// An unspent output.
struct coin {
  uint64_t value = 0;
  proto::hash256 owner{};
  uint64_t height = 0; ///< of the block that created it
};

/// A read the store could not do: the database failed (I/O, a damaged
/// file) or a stored record is malformed. Never means "not found": the
/// caller logs it and refuses, it does not answer as if the data were
/// absent.
struct read_error {
  std::string detail; ///< which read, and why it failed
};

/// The outcome of a read: the value, or a read_error.
template <class T>
using read_result = result<T, read_error>;

/// The outcome of a lookup: the value, nullopt if it is not stored, or a
/// read_error.
template <class T>
using lookup = read_result<std::optional<T>>;

/// The largest a store may grow by default: 64 GiB. The map is reserved
/// address space, the file stays sparse and grows with the data.
constexpr std::size_t default_map_bytes = std::size_t{64} << 30;

/// How a store is opened. The defaults suit a node that runs alone.
struct store_options {
  /// The LMDB map: the most the store may grow. Each store reserves this much
  /// address space, so many stores in one process (a simulation) need less.
  std::size_t map_bytes = default_map_bytes;
  /// Threads that verify the signatures of a batch of blocks; 0: one per
  /// core. 1 verifies on the calling thread and starts no other.
  unsigned verify_threads = 0;
};

/// Stored blocks, the UTXO set and its snapshots.
///
/// Threads: one writer at a time (append, reorganize, install_snapshot);
/// reads from any thread, concurrently with the writer, each seeing the last
/// committed state. Every write commits in one LMDB transaction: a crash at
/// any moment leaves the store at the last committed tip, never half a block.
class store {
public:
  /// Opens (creating if needed) the store in directory `dir`. A new store
  /// holds the genesis block of `params`; an existing one must have been
  /// created with the same genesis.
  static result<std::unique_ptr<store>, std::string>
  open(const std::string& dir, chain_params params,
       const store_options& options = {});

  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  const chain_params& params() const;
  tip_info tip() const;

  // -- reads ---------------------------------------------------------------
  //
  // Each read runs in one read transaction. A read_error means the store
  // could not be read; "not found" is an empty optional or a short answer.

  /// Main-chain lookups; nullopt above the tip (or below the base, for
  /// blocks).
  lookup<proto::hash256> hash_at(uint64_t height) const;
  lookup<uint64_t> height_of(const proto::hash256& hash) const;
  lookup<proto::block> block_at(uint64_t height) const;
  lookup<proto::signed_header> header_at(uint64_t height) const;
  lookup<coin> find_coin(const proto::hash256& txid, uint32_t vout) const;

  /// The answers to the docs/PROTOCOL.md, "Chain requests" requests.
  /// `get_blocks`: contiguous from `start`, at most `count` (capped at
  /// max_get_blocks) and at most max_blocks_answer_bytes of blocks, but always
  /// the first block if stored; empty past the tip or below the base.
  read_result<proto::blocks> get_blocks(uint64_t start, uint16_t count) const;
  read_result<proto::hashes> get_hashes(uint64_t start, uint16_t count) const;
  read_result<proto::headers> get_headers(uint64_t start, uint16_t count) const;
  /// The heights of the snapshots kept (the last two snapshot heights at or
  /// below the tip), ascending.
  read_result<std::vector<uint64_t>> snapshot_heights() const;
  /// Chunk `index` of the snapshot at `height`; nullopt if that snapshot is
  /// not kept or `index >= total` (an empty set has one empty chunk). A kept
  /// snapshot with missing or malformed entries is a read_error.
  lookup<proto::utxo_chunk> snapshot_chunk(uint64_t height,
                                           uint32_t index) const;

  /// The tip and the LtHash state of its UTXO set, read together (one
  /// snapshot of the store).
  struct tip_state {
    tip_info tip;
    proto::lthash16 utxos;
  };
  read_result<tip_state> current_state() const;

  /// Up to `limit` unspent outputs owned by `owner`, in (txid, vout) order.
  /// Scans the whole UTXO set: for producers rebuilding their coin pool, not
  /// for per-block work.
  read_result<std::vector<proto::utxo_entry>>
  coins_of(const proto::hash256& owner, std::size_t limit) const;

  // -- writes --------------------------------------------------------------

  /// What `append` did.
  struct append_result {
    std::size_t applied = 0;          ///< blocks committed, from the first
    std::optional<chain_error> error; ///< why the next one was refused
    /// Internal: the block whose signature failed in a parallel check.
    std::optional<std::size_t> bad_signature_block;
  };
  /// Validates `blocks` in order on the tip and commits the valid prefix in
  /// one transaction (one fsync): a refused block and everything after it
  /// are not applied. The signatures of a batch are checked on all cores.
  append_result append(const std::vector<proto::block>& blocks);

  /// Switches to a branch: disconnects the blocks above `fork_height` with
  /// their undo data, then applies `blocks` (heights fork_height + 1 ...), in
  /// one transaction. Refused, with nothing changed, if the branch is not
  /// longer than the current chain, goes deeper than max_reorg_depth, or
  /// holds an invalid block (the error names it).
  result<void, chain_error> reorganize(uint64_t fork_height,
                                       const std::vector<proto::block>& blocks);

  /// Fast sync: on a store still at genesis, stores `headers` (heights 1 ...
  /// S, checked with `check_headers`) and makes `entries` the UTXO set at S,
  /// if their LtHash equals header S's `utxo_root`; the tip becomes S and the
  /// base S. `entries` must be sorted by (txid, vout) without duplicates.
  result<void, chain_error>
  install_snapshot(const std::vector<proto::signed_header>& headers,
                   const std::vector<proto::utxo_entry>& entries);

  /// Recomputes what the store derives and compares: the LtHash of the UTXO
  /// set against the stored state and the tip's `utxo_root`, the UTXO count,
  /// the height and hash indexes, block linkage from base to tip, undo data
  /// for the reorganisable blocks. Empty if consistent, else what is wrong.
  std::optional<std::string> verify() const;

  /// Directory the store lives in.
  const std::string& dir() const;

  struct impl;
  /// The internals, for chain/ and its tests (impl is defined in
  /// store_impl.hpp).
  friend impl& internals_of(store& s);

private:
  explicit store(std::unique_ptr<impl> p);
  append_result append_locked(const proto::block* blocks, std::size_t count,
                              bool parallel);
  std::unique_ptr<impl> impl_;
};

} // namespace timecoin::chain
