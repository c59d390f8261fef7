#pragma once

// Banned addresses and subnets (protocol.md §8): automatic bans from
// violations and the operator's `setban`, with expiry, kept in
// `<datadir>/banlist.json` so that they survive restarts.

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
/// Reasons are for humans; longer ones are cut to this many bytes.
constexpr std::size_t max_ban_reason_bytes = 256;

/// One ban. Times are unix seconds, since bans outlive the process.
struct ban_entry {
  subnet target;
  int64_t created = 0; ///< when the ban was made (or last extended)
  int64_t until = 0;   ///< banned while `now < until`
  std::string reason;
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
  /// ones if the ban was extended. Returns true if added or extended.
  bool ban(const subnet& target, int64_t until, std::string reason,
           int64_t now);

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

  /// Bans held, including ended ones not yet expired.
  std::size_t size() const noexcept { return singles_.size() + ranges_.size(); }

  /// Writes the bans in force at `now` to `path` atomically: a temporary file
  /// in the same directory, fsync, rename over `path`, fsync the directory.
  /// A crash leaves the old file or the new one, never a mix.
  result<void, ban_file_error> save(const std::string& path, int64_t now) const;

  /// Reads `path`, dropping bans ended by `now`. A missing file is an empty
  /// list. A corrupt one (bad JSON, wrong shape, a bad entry, too large) is
  /// moved aside to `<path>.corrupt-<now>` and reported; an unreadable one is
  /// reported and left alone.
  static result<ban_list, ban_file_error> load(const std::string& path,
                                               int64_t now);

  /// `load`, but never fails: on error, sets `log_line` to the error's
  /// message (the node logs it and starts with an empty list) and returns an
  /// empty list; on success clears `log_line`.
  static ban_list load_or_empty(const std::string& path, int64_t now,
                                std::string& log_line);

private:
  /// Adds `fresh` or extends the ban of its target (see `ban`).
  bool merge(ban_entry fresh, int64_t now);

  std::unordered_map<ip_address, ban_entry, ip_address_hash> singles_;
  std::vector<ban_entry> ranges_;
};

} // namespace timecoin::security
