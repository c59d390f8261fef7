#pragma once

// Small POSIX file helpers shared by the files a node writes into its data
// directory (node key, ban list, RPC cookie): durable, atomic replacement,
// appends, and bounded reads.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace timecoin::security {

/// Closes a file descriptor on scope exit.
struct fd_guard {
  int fd = -1;
  ~fd_guard();
};

/// The text of an errno value.
std::string errno_text(int err);

/// Writes all of `data`, retrying short writes and EINTR; false on error
/// (errno tells).
bool write_all(int fd, const char* data, std::size_t size);

/// The directory part of `path`: "." for a bare name, "/" for the root.
std::string parent_dir(const std::string& path);

/// Makes a rename in `dir` durable. A file system that cannot fsync a
/// directory loses only durability, not consistency, so failure is ignored.
void sync_dir(const std::string& dir);

/// `mkdir -p` that creates missing directories with mode 0700 (less the
/// umask); existing ones are left as they are. On failure, `err` names the
/// directory and the reason.
bool make_private_dirs(const std::string& dir, std::string& err);

/// A rename that does not replace an existing `to` where the kernel allows
/// (`renameat2(RENAME_NOREPLACE)`, else a check then `rename`). 0 or -1 with
/// errno set, as `rename`.
int rename_no_replace(const std::string& from, const std::string& to);

/// What `write_file` does when a file already exists at the path.
enum class if_exists : uint8_t {
  replace = 0, ///< the new file takes its place
  keep = 1,    ///< it is left as it is (`renameat2(RENAME_NOREPLACE)`)
};

/// How `write_file` ended.
enum class write_status : uint8_t {
  written = 0, ///< the path holds `text`
  exists = 1,  ///< `if_exists::keep` and a file was at the path; untouched
  failed = 2,  ///< `err` says what failed; the path is untouched
};

/// Writes `text` to `path` atomically: a temporary file with a random name in
/// the same directory, created with exactly `mode` (whatever the umask),
/// fsync, rename to `path`, fsync of the directory. A crash leaves the old
/// file or the new one, never a mix; no temporary file is left behind unless
/// the process dies half way.
write_status write_file(const std::string& path, const std::string& text,
                        mode_t mode, if_exists existing, std::string& err);

/// `write_file` replacing any old file: true if `path` now holds `text`; on
/// failure the old file is untouched and `err` says what failed.
bool replace_file(const std::string& path, const std::string& text, mode_t mode,
                  std::string& err);

/// Appends `text` to `path` (created with `mode` if missing) in one write
/// call per chunk. With `durable`, the data and a new file's directory entry
/// are fsynced before returning. On failure `err` says what failed; part of
/// `text` may have reached the file.
bool append_file(const std::string& path, const std::string& text, mode_t mode,
                 bool durable, std::string& err);

/// What `read_bounded` found.
enum class read_status : uint8_t {
  ok = 0,         ///< `text` holds the whole file
  missing = 1,    ///< no file at the path
  unreadable = 2, ///< cannot be opened or read, or not a regular file
  too_large = 3,  ///< more than the limit; not read
};

/// A file read by `read_bounded`.
struct read_outcome {
  read_status status = read_status::ok;
  std::string text; ///< the contents, if `ok`
  std::string why;  ///< what is wrong, if not `ok`
};

/// Reads the regular file `path` if it holds at most `max_bytes`. Opens with
/// O_NONBLOCK so that a FIFO planted at the path cannot hang the caller.
read_outcome read_bounded(const std::string& path, std::size_t max_bytes);

} // namespace timecoin::security
