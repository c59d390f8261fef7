#pragma once

// Small POSIX file helpers shared by the files a node writes into its data
// directory (node key, ban list): durable, atomic replacement.

#include <cstddef>
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

} // namespace timecoin::security
