#pragma once

// Banned addresses and subnets (docs/PROTOCOL.md, "Violations and bans"):
// automatic bans from violations and the operator's `setban`, with expiry,
// bounded in number, and kept in `<datadir>/banlist.json` (a snapshot) plus
// `<datadir>/banlist.json.journal` (the changes since) so that they survive
// restarts without rewriting the whole file at every ban.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/result.hpp"
#include "security/subnet.hpp"

namespace timecoin::security {

/// The file name of the ban list in the data directory.
constexpr const char* ban_list_file_name = "banlist.json";
/// The version written to, and the only one accepted from, the file.
constexpr int ban_list_file_version = 1;
/// A ban list file larger than this is not one this node wrote (100k bans
/// are about 10 MiB) and is not read into memory.
constexpr std::size_t max_ban_list_file_bytes = 32 * 1024 * 1024;
/// A manual ban (`setban add`) without a duration, or with 0, lasts this
/// long, as in bitcoind.
constexpr auto default_ban_duration = std::chrono::hours{24};
/// Reasons are for humans; longer ones are cut to this many bytes.
constexpr std::size_t max_ban_reason_bytes = 256;
/// Automatic bans held at once. Each is one address, and an attacker with
/// many addresses (one IPv6 /48 holds 2^80) earns one per address; without a
/// bound the list, its file and the copy published at every ban (actors/)
/// would grow without end. 10,000 bans are about 2 MiB in memory and 1.5 MiB
/// on disk. When full, a new automatic ban replaces the oldest automatic one
/// (by creation time; ended ones first).
constexpr std::size_t max_automatic_bans = 10'000;
/// Manual bans (the operator's `setban`) held at once. They are never
/// evicted; past this many a new one is refused (`can_ban`) until the
/// operator lifts some. Together with `max_automatic_bans` this keeps the
/// snapshot far below `max_ban_list_file_bytes` (about 500 bytes a ban at
/// most, reason included).
constexpr std::size_t max_manual_bans = 10'000;
/// The journal is the snapshot's path with this suffix.
constexpr const char* ban_journal_suffix = ".journal";
/// The journal is compacted into the snapshot once it holds more records
/// than the list holds bans, and never below this many: rewriting the
/// snapshot then costs O(1) per ban, amortised.
constexpr std::size_t min_journal_records_before_compaction = 1'000;
/// Changes held in memory for the journal while saving fails; past this, the
/// next save writes a whole snapshot instead.
constexpr std::size_t max_pending_journal_records = 10'000;

/// Who made a ban; the two are bounded differently.
enum class ban_kind : uint8_t {
  automatic = 1, ///< from violations: evicted oldest first when full
  manual = 2,    ///< the operator's: never evicted, refused when full
};

/// One ban. Times are unix seconds, since bans outlive the process.
struct ban_entry {
  subnet target;
  int64_t created = 0; ///< when the ban was made (or last extended)
  int64_t until = 0;   ///< banned while `now < until`
  std::string reason;
  ban_kind kind = ban_kind::automatic;
};

/// Why the ban list file could not be used.
enum class ban_file_errc : uint8_t {
  unreadable = 1,   ///< exists but cannot be read (permissions, a directory)
  too_large = 2,    ///< over `max_ban_list_file_bytes`
  bad_json = 3,     ///< not JSON (truncated, binary, empty)
  bad_shape = 4,    ///< JSON, but not `{"version":1,"bans":[...]}`
  bad_entry = 5,    ///< a ban with a missing or wrong field or a bad subnet
  write_failed = 6, ///< saving failed (the old file, if any, is untouched)
};

/// A problem with the ban list file, ready for the log.
struct ban_file_error {
  ban_file_errc code = ban_file_errc::unreadable;
  /// One line naming the path, what is wrong, and what was done about it.
  std::string message;
  /// Where a corrupt file was moved aside to; empty if it was not moved.
  std::string moved_to;
};

/// The set of bans. Single addresses are looked up in a hash map; subnets are
/// scanned linearly (operators ban a handful of ranges; automatic bans are
/// always single addresses).
class ban_list {
public:
  /// Bans `target` until `until`. If it is banned already, the later expiry
  /// wins (an automatic 5-minute ban never shortens an operator's 24 hours;
  /// to shorten, `unban` first); the reason and creation time are the new
  /// ones if the ban was extended. A manual ban in force stays manual when
  /// an automatic one extends it; a manual ban makes an automatic ban of the
  /// same target manual. A new automatic ban when `max_automatic_bans` are
  /// held first evicts the oldest automatic one. Returns true if added,
  /// extended or made manual; false if not (a shorter ban, one already over,
  /// or a manual ban `can_ban` refuses).
  bool ban(const subnet& target, int64_t until, std::string reason, int64_t now,
           ban_kind kind = ban_kind::automatic);

  /// False if a ban of `kind` on `target` would be refused: a manual ban of a
  /// target not banned manually yet while `max_manual_bans` are held.
  /// Automatic bans are never refused (they evict instead).
  bool can_ban(const subnet& target, ban_kind kind) const;

  /// Removes the ban of exactly `target` (not of ranges covering it).
  /// Returns false if there was none.
  bool unban(const subnet& target);

  /// Removes every ban.
  void clear();

  /// True if a ban in force at `now` covers `ip`. A ban ends at its `until`
  /// second: at `now == until` the address is free.
  bool is_banned(const ip_address& ip, int64_t now) const;

  /// The ban in force covering `ip` that lasts longest, for the log line of a
  /// refusal; none if `ip` is free.
  std::optional<ban_entry> find(const ip_address& ip, int64_t now) const;

  /// Bans in force at `now`, single addresses and ranges, ordered by address
  /// then prefix (for `listbanned`).
  std::vector<ban_entry> list(int64_t now) const;

  /// Forgets bans that ended at or before `now`; returns how many.
  std::size_t expire(int64_t now);

  /// The earliest end of the bans held, ended ones included: from then on
  /// `expire` has a ban to forget. None without bans.
  std::optional<int64_t> next_end() const;

  /// Bans held, including ended ones not yet expired.
  std::size_t size() const noexcept { return singles_.size() + ranges_.size(); }

  /// Bans of `kind` held, including ended ones not yet expired.
  std::size_t count(ban_kind kind) const noexcept {
    return kind == ban_kind::manual ? manual_ : size() - manual_;
  }

  /// Writes the bans in force at `now` to `path` as a whole snapshot,
  /// atomically (`replace_file`: a crash leaves the old file or the new one,
  /// never a mix), then removes the journal `path + ban_journal_suffix`,
  /// which the snapshot now contains.
  result<void, ban_file_error> save(const std::string& path, int64_t now);

  /// Makes `path` and its journal hold this list, writing as little as it
  /// can: if they were last loaded or saved by this list, appends the
  /// changes since (one JSON line each) to the journal; otherwise, or when
  /// the journal has outgrown the list (see
  /// `min_journal_records_before_compaction`), writes a snapshot (`save`).
  /// Appends with a manual change (a manual ban, an unban, a clear) are
  /// fsynced; appends of automatic bans alone are not (a crash may lose the
  /// latest of them; misbehaviour earns them again). Nothing to write is a
  /// no-op.
  result<void, ban_file_error> save_changes(const std::string& path,
                                            int64_t now);

  /// Reads the snapshot `path`, then replays its journal, dropping bans
  /// ended by `now` and evicting automatic ones past the bound. A missing
  /// file is an empty list. A corrupt snapshot (bad JSON, wrong shape, a bad
  /// entry, too large) is moved aside to `<path>.corrupt-<now>` and
  /// reported; an unreadable one is reported and left alone. The journal
  /// never fails the load: a torn last record (a write cut by a crash) is
  /// ignored; a corrupt record before the last ends the replay there and the
  /// journal is moved aside to `<journal>.corrupt-<now>`; either is said in
  /// `load_warning()`, and the next `save_changes` writes a fresh snapshot.
  static result<ban_list, ban_file_error> load(const std::string& path,
                                               int64_t now);

  /// `load`, but never fails: on error, sets `log_line` to the error's
  /// message (the node logs it and starts with an empty list) and returns an
  /// empty list; on success sets `log_line` to `load_warning()` (empty if
  /// the journal was sound).
  static ban_list load_or_empty(const std::string& path, int64_t now,
                                std::string& log_line);

  /// What `load` had to skip or move aside in the journal; empty if nothing.
  const std::string& load_warning() const noexcept { return journal_.warning; }

private:
  /// What is on disk for this list, and the changes not written yet.
  struct journal_state {
    /// The snapshot path whose snapshot plus journal equal this list but for
    /// `pending`; empty if none (the next `save_changes` writes a snapshot).
    std::string path;
    std::vector<std::string> pending; ///< journal lines, newline included
    bool pending_durable = false;     ///< one of them is a manual change
    std::size_t records = 0;          ///< lines in the journal file
    std::string warning;              ///< see `load_warning`
  };

  ban_entry* find_exact(const subnet& target);
  const ban_entry* find_exact(const subnet& target) const;
  /// Adds `fresh` or extends the ban of its target (see `ban`); the entry
  /// changed, or null.
  ban_entry* merge(ban_entry fresh, int64_t now);
  /// Sets the ban of `e.target` to exactly `e` (journal replay).
  void put(ban_entry e);
  /// Removes the ban of exactly `target`; false if none.
  bool erase(const subnet& target);
  /// Removes the oldest automatic ban (ended ones first); false if none.
  bool evict_oldest_automatic(int64_t now);
  /// Queues a journal line for `save_changes`.
  void record(std::string line, bool durable);
  /// Replays the journal of the snapshot `path` (see `load`); false if it
  /// was not sound (the next save must write a snapshot).
  bool replay_journal(const std::string& path, int64_t now);

  std::unordered_map<ip_address, ban_entry, ip_address_hash> singles_;
  std::vector<ban_entry> ranges_;
  std::size_t manual_ = 0; ///< manual bans among the above
  journal_state journal_;
};

} // namespace timecoin::security
