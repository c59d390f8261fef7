#include "security/file_util.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <random>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace timecoin::security {

namespace {

/// Directories made by `make_private_dirs` are for the owner only.
constexpr mode_t private_dir_mode = 0700;
/// Reads are done in chunks of this size.
constexpr std::size_t read_chunk_bytes = 64 * 1024;

} // namespace

fd_guard::~fd_guard() {
  if (fd >= 0)
    ::close(fd);
}

std::string errno_text(int err) {
  return std::error_code(err, std::generic_category()).message();
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    auto n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

std::string parent_dir(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

void sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  ::fsync(fd);
  ::close(fd);
}

bool make_private_dirs(const std::string& dir, std::string& err) {
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/')
      continue;
    auto prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), private_dir_mode) != 0 && errno != EEXIST) {
      err = "cannot create directory " + prefix + ": " + errno_text(errno);
      return false;
    }
  }
  struct stat st {};
  if (!dir.empty() && (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
    err = dir + " is not a directory";
    return false;
  }
  return true;
}

int rename_no_replace(const std::string& from, const std::string& to) {
  int rc = ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(),
                       RENAME_NOREPLACE);
  if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
    if (::access(to.c_str(), F_OK) == 0) {
      errno = EEXIST;
      return -1;
    }
    rc = ::rename(from.c_str(), to.c_str());
  }
  return rc;
}

write_status write_file(const std::string& path, const std::string& text,
                        mode_t mode, if_exists existing, std::string& err) {
  // A random suffix: a temporary file left by a crash never blocks the next
  // write.
  std::random_device rd;
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%08x%08x", rd(), rd());
  auto temp = path + ".tmp-" + suffix;
  // O_EXCL: never write through a file (or symlink) someone else put there.
  fd_guard fd{
    ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)};
  if (fd.fd < 0) {
    err = "cannot create " + temp + ": " + errno_text(errno);
    return write_status::failed;
  }
  // The umask may have removed bits from `mode`; set it exactly.
  bool ok = ::fchmod(fd.fd, mode) == 0
            && write_all(fd.fd, text.data(), text.size())
            && ::fsync(fd.fd) == 0;
  int write_err = errno;
  ok = ::close(fd.fd) == 0 && ok;
  fd.fd = -1;
  if (!ok) {
    ::unlink(temp.c_str());
    err = "cannot write " + temp + ": " + errno_text(write_err);
    return write_status::failed;
  }
  int rc = existing == if_exists::keep ? rename_no_replace(temp, path)
                                       : ::rename(temp.c_str(), path.c_str());
  if (rc != 0) {
    int rename_err = errno;
    ::unlink(temp.c_str());
    if (existing == if_exists::keep && rename_err == EEXIST)
      return write_status::exists;
    err = "cannot rename " + temp + ": " + errno_text(rename_err);
    return write_status::failed;
  }
  sync_dir(parent_dir(path));
  return write_status::written;
}

bool replace_file(const std::string& path, const std::string& text, mode_t mode,
                  std::string& err) {
  return write_file(path, text, mode, if_exists::replace, err)
         == write_status::written;
}

bool append_file(const std::string& path, const std::string& text, mode_t mode,
                 bool durable, std::string& err) {
  bool created = false;
  fd_guard fd{::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC)};
  if (fd.fd < 0 && errno == ENOENT) {
    fd.fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                   mode);
    created = fd.fd >= 0;
  }
  if (fd.fd < 0) {
    err = "cannot open " + path + ": " + errno_text(errno);
    return false;
  }
  if (!write_all(fd.fd, text.data(), text.size())
      || (durable && ::fdatasync(fd.fd) != 0)) {
    err = "cannot append to " + path + ": " + errno_text(errno);
    return false;
  }
  if (durable && created)
    sync_dir(parent_dir(path));
  return true;
}

read_outcome read_bounded(const std::string& path, std::size_t max_bytes) {
  read_outcome out;
  auto fail = [&](read_status status, std::string why) {
    out.status = status;
    out.why = std::move(why);
    out.text.clear();
    return out;
  };
  fd_guard fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (fd.fd < 0) {
    if (errno == ENOENT)
      return fail(read_status::missing, "no such file");
    return fail(read_status::unreadable, errno_text(errno));
  }
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0)
    return fail(read_status::unreadable, errno_text(errno));
  if (!S_ISREG(st.st_mode))
    return fail(read_status::unreadable, "not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    return fail(read_status::too_large, std::to_string(st.st_size)
                                          + " bytes, more than "
                                          + std::to_string(max_bytes));
  char buf[read_chunk_bytes];
  for (;;) {
    auto n = ::read(fd.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail(read_status::unreadable, errno_text(errno));
    if (n == 0)
      break;
    out.text.append(buf, static_cast<std::size_t>(n));
    // The file may grow while being read; the limit still holds.
    if (out.text.size() > max_bytes)
      return fail(read_status::too_large,
                  "more than " + std::to_string(max_bytes) + " bytes");
  }
  return out;
}

} // namespace timecoin::security
