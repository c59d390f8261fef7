#pragma once

// Internal to chain/: the store's state and the steps its writes are made
// of, shared by store.cpp, validate.cpp, snapshot.cpp and verify.cpp.

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chain/encoding.hpp"
#include "chain/lmdb.hpp"
#include "chain/store.hpp"

namespace timecoin::chain {

/// The chain state a write transaction works on: loaded from meta at its
/// start, saved to meta once before its commit.
struct chain_state {
  uint64_t height = 0;
  uint64_t base = 0;
  proto::hash256 hash{};
  proto::hash256 utxo_root{};
  int64_t timestamp = 0;
  uint64_t utxos = 0;
  proto::lthash16 lthash;

  tip_info tip() const {
    return {height, hash, utxo_root, utxos, timestamp, base};
  }
};

struct store::impl {
  std::string dir;
  chain_params params;
  proto::hash256 genesis_hash{};
  lmdb::env env;
  MDB_dbi blocks = 0, headers = 0, hashes = 0, utxo = 0, undo = 0, snaps = 0,
          meta = 0;

  /// One writer at a time (LMDB would serialise them anyway; this keeps the
  /// cached tip in step with the commits).
  std::mutex write_mutex;
  /// Threads that check a batch's signatures (the machine's cores).
  unsigned verify_threads = 1;
  mutable std::mutex tip_mutex;
  tip_info cached_tip;
  /// Fault injection for tests: while nonzero, every public read fails as if
  /// mdb_txn_begin had returned this code (an errno such as EIO, or an
  /// MDB_ code), as it does on a failing disk.
  std::atomic<int> injected_read_failure{0};

  void set_tip(const tip_info& t) {
    std::lock_guard<std::mutex> lock{tip_mutex};
    cached_tip = t;
  }
};

/// The internals of `s`.
store::impl& internals_of(store& s);

/// Begins a read transaction on `s` (failing as injected, if so).
lmdb::txn begin_read(const store::impl& s);

/// Runs `read(t)` in a read transaction of `s`: its value, or a read_error
/// naming `what` if it throws (an LMDB failure or a malformed record).
template <class F>
auto read_in_txn(const store::impl& s, const std::string& what, F&& read)
  -> read_result<std::invoke_result_t<F&, const lmdb::txn&>> {
  try {
    const lmdb::txn t = begin_read(s);
    return read(t);
  } catch (const std::exception& e) {
    return read_error{what + ": " + e.what()};
  }
}

/// Reads the state in meta (and the tip header); throws lmdb::error on
/// malformed data.
chain_state load_state(const store::impl& s, const lmdb::txn& t);
/// Writes tip, base, lthash and count to meta.
void save_state(store::impl& s, lmdb::txn& t, const chain_state& st);
/// The stored header record at `height`, if any (throws if malformed).
std::optional<enc::stored_header>
read_header(const store::impl& s, const lmdb::txn& t, uint64_t height);

/// A signature whose check is deferred to one parallel pass over a batch.
struct deferred_sig {
  proto::hash256 key{};
  proto::bytes msg;
  proto::sig64 sig{};
};

/// Checks every signature of `sigs` on up to `threads` threads; the index of
/// the first one (in order) that does not verify, if any.
std::optional<std::size_t> verify_all(const std::vector<deferred_sig>& sigs,
                                      unsigned threads);

// Connecting a block is three steps, each usable on its own:
// `check_block` (the rules that need no UTXO set), `compute_utxo_delta` (the
// rules that do, computed in memory) and `write_block` (the writes).
// `connect_block` runs them in that order.

/// What `check_block` derived from a block, for the steps after it.
struct checked_block {
  proto::hash256 hash{};             ///< block_hash(header)
  std::vector<proto::hash256> txids; ///< txid of each transaction, in order
};

/// The docs/PROTOCOL.md, "Block validity" rules that need no UTXO set, in the
/// order their errors take precedence: height and prev_hash continue `parent`
/// (only its height and hash are read), the producer is authorised and its
/// signature verifies, the first transaction and only the first has no inputs,
/// merkle_root matches. `genesis`: block 0, whose height must be 0 and whose
/// producer and signature are not checked. With `defer`, the producer signature
/// is appended there instead of checked. Reads no store: pure.
result<checked_block, chain_error>
check_block(const chain_params& params, const tip_info& parent,
            const proto::block& b, bool genesis = false,
            std::vector<deferred_sig>* defer = nullptr);

/// A block's effect on the UTXO set, computed before anything is written.
struct utxo_delta {
  /// Outputs created by the block and not spent within it.
  std::unordered_map<enc::outpoint, coin, enc::outpoint_hash> created;
  /// Stored coins the block spends, in the order it spends them.
  std::vector<std::pair<enc::outpoint, coin>> spent;
  /// The undo record: `spent` as utxo elements, in the same order.
  proto::bytes undo;
  /// The LtHash state of the UTXO set after the block.
  proto::lthash16 lthash;
};

/// The docs/PROTOCOL.md, "Block validity" rules that need the UTXO set, for `b`
/// (already passed by `check_block`, which gave `checked`) on the state `st` in
/// `t`: no transaction repeats the txid of one with unspent outputs, every
/// input spends an unspent output once and its signature verifies (or is
/// appended to `defer`), sums do not overflow, no transaction pays more than
/// its inputs, the coinbase pays at most the reward plus fees (not checked for
/// `genesis`), and utxo_root is the LtHash after the block. Reads `t`, writes
/// nothing; throws lmdb::error or std::runtime_error if the store cannot be
/// read or holds a malformed coin.
result<utxo_delta, chain_error>
compute_utxo_delta(const store::impl& s, const lmdb::txn& t,
                   const chain_state& st, const proto::block& b,
                   const checked_block& checked, bool genesis = false,
                   std::vector<deferred_sig>* defer = nullptr);

/// Writes `b`, found valid with `checked` and `delta`, in `t`: block, header
/// and hash index, the UTXO changes, its undo record (not for `genesis`;
/// the record max_reorg_depth blocks below is dropped) and a snapshot at a
/// snapshot height. `st` becomes the state after `b`. Throws lmdb::error on
/// a storage failure (the caller aborts `t`).
void write_block(store::impl& s, lmdb::txn& t, chain_state& st,
                 const proto::block& b, const checked_block& checked,
                 utxo_delta delta, bool genesis = false);

/// Validates `b` on `st` (docs/PROTOCOL.md, "Block validity") and, if valid,
/// writes it (block, header, hash index, UTXO changes, undo) and advances `st`.
/// An invalid block writes nothing. `genesis`: the network's given block 0,
/// whose producer, signature and reward are not checked (its data is trusted;
/// its roots are). With `defer`, signatures are appended there instead of
/// checked: the block is valid only once they all verify.
result<void, chain_error>
connect_block(store::impl& s, lmdb::txn& t, chain_state& st,
              const proto::block& b, bool genesis = false,
              std::vector<deferred_sig>* defer = nullptr);
/// Undoes the tip block: removes its outputs, restores the coins it spent,
/// deletes its block, header, hash index and undo entries; `st` moves to
/// the parent. Throws lmdb::error (storage) if the undo data is missing.
void disconnect_tip(store::impl& s, lmdb::txn& t, chain_state& st);

/// After connecting `height`: snapshot if it is a snapshot height, keeping
/// the two latest.
void maybe_snapshot(store::impl& s, lmdb::txn& t, uint64_t height,
                    uint64_t utxos);
/// Copies the UTXO set into the snapshot at `height` (replacing any).
void take_snapshot(store::impl& s, lmdb::txn& t, uint64_t height);
/// Deletes every snapshot above `height`.
void drop_snapshots_above(store::impl& s, lmdb::txn& t, uint64_t height);
/// Heights of the stored snapshots, ascending.
std::vector<uint64_t> stored_snapshot_heights(const store::impl& s,
                                              const lmdb::txn& t);

/// A chain_error of reason `storage` for an exception.
chain_error storage_error(uint64_t height, const std::exception& e);

} // namespace timecoin::chain
