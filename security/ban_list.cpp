#include "security/ban_list.hpp"

#include "security/file_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <system_error>

namespace timecoin::security {

namespace {

using json = nlohmann::json;

/// The file is the node's own; nobody else needs to read it.
constexpr mode_t ban_file_mode = 0600;
/// Attempts at a free `<path>.corrupt-<time>[-n]` name before giving up.
constexpr int max_quarantine_names = 100;

/// Cuts `reason` to `max_ban_reason_bytes` without splitting a UTF-8
/// sequence.
std::string cut_reason(std::string reason) {
  if (reason.size() <= max_ban_reason_bytes)
    return reason;
  std::size_t n = max_ban_reason_bytes;
  while (n > 0 && (static_cast<unsigned char>(reason[n]) & 0xc0) == 0x80)
    --n;
  reason.resize(n);
  return reason;
}

/// A rename that does not replace an existing file where the kernel allows.
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

/// Moves a corrupt file aside and says so in the error's message.
ban_file_error quarantine(const std::string& path, int64_t now,
                          ban_file_errc code, const std::string& why) {
  ban_file_error err{code, {}, {}};
  auto base = path + ".corrupt-" + std::to_string(now);
  int moved_errno = 0;
  for (int i = 0; i < max_quarantine_names; ++i) {
    auto target = i == 0 ? base : base + "-" + std::to_string(i);
    if (rename_no_replace(path, target) == 0) {
      err.moved_to = target;
      sync_dir(parent_dir(path));
      break;
    }
    moved_errno = errno;
    if (moved_errno != EEXIST)
      break;
  }
  err.message = "ban list " + path + " is corrupt (" + why + "); ";
  if (!err.moved_to.empty())
    err.message += "moved it to " + err.moved_to;
  else
    err.message += "could not move it aside: " + errno_text(moved_errno);
  err.message += "; starting with an empty ban list";
  return err;
}

ban_file_error unreadable(const std::string& path, const std::string& why) {
  return ban_file_error{ban_file_errc::unreadable,
                        "cannot read ban list " + path + ": " + why
                            + "; starting with an empty ban list (saving will "
                              "fail until this is fixed)",
                        {}};
}

/// An integer field of a ban entry that fits `int64_t`.
std::optional<int64_t> get_time(const json& entry, const char* key) {
  auto it = entry.find(key);
  if (it == entry.end() || !it->is_number_integer())
    return std::nullopt;
  if (it->is_number_unsigned()
      && it->get<uint64_t>()
             > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return std::nullopt;
  return it->get<int64_t>();
}

/// Parses one entry; an empty `why` on success.
std::optional<ban_entry> parse_entry(const json& j, std::string& why) {
  if (!j.is_object()) {
    why = "not an object";
    return std::nullopt;
  }
  auto target = j.find("subnet");
  if (target == j.end() || !target->is_string()) {
    why = "\"subnet\" is missing or not a string";
    return std::nullopt;
  }
  auto range = subnet::parse(target->get_ref<const std::string&>());
  if (!range) {
    why = range.error().message;
    return std::nullopt;
  }
  auto created = get_time(j, "created");
  auto until = get_time(j, "until");
  if (!created || !until) {
    why = "\"created\" or \"until\" is missing or not an integer";
    return std::nullopt;
  }
  auto reason = j.find("reason");
  if (reason == j.end() || !reason->is_string()) {
    why = "\"reason\" is missing or not a string";
    return std::nullopt;
  }
  return ban_entry{*range, *created, *until,
                   cut_reason(reason->get<std::string>())};
}

/// nlohmann's message without its "[json.exception...]" tag and without the
/// "last read" token, which quotes raw bytes of the file.
std::string json_error_text(const json::exception& e) {
  std::string text = e.what();
  auto cut = text.find("; last read");
  if (cut != std::string::npos)
    text.resize(cut);
  if (!text.empty() && text.front() == '[') {
    auto tag_end = text.find("] ");
    if (tag_end != std::string::npos)
      text.erase(0, tag_end + 2);
  }
  return text;
}

} // namespace

bool ban_list::ban(const subnet& target, int64_t until, std::string reason,
                   int64_t now) {
  return merge(ban_entry{target, now, until, cut_reason(std::move(reason))},
               now);
}

bool ban_list::merge(ban_entry fresh, int64_t now) {
  if (fresh.until <= now)
    return false;
  ban_entry* existing = nullptr;
  if (fresh.target.is_single()) {
    auto it = singles_.find(fresh.target.network());
    if (it != singles_.end())
      existing = &it->second;
  } else {
    for (auto& e : ranges_)
      if (e.target == fresh.target)
        existing = &e;
  }
  if (existing == nullptr) {
    if (fresh.target.is_single())
      singles_.emplace(fresh.target.network(), std::move(fresh));
    else
      ranges_.push_back(std::move(fresh));
    return true;
  }
  // A ban that has ended but not been expired yet is replaced outright.
  if (existing->until > now && existing->until >= fresh.until)
    return false;
  *existing = std::move(fresh);
  return true;
}

bool ban_list::unban(const subnet& target) {
  if (target.is_single())
    return singles_.erase(target.network()) != 0;
  auto it
      = std::find_if(ranges_.begin(), ranges_.end(),
                     [&](const ban_entry& e) { return e.target == target; });
  if (it == ranges_.end())
    return false;
  ranges_.erase(it);
  return true;
}

void ban_list::clear() {
  singles_.clear();
  ranges_.clear();
}

bool ban_list::is_banned(const ip_address& ip, int64_t now) const {
  auto it = singles_.find(ip);
  if (it != singles_.end() && now < it->second.until)
    return true;
  for (const auto& e : ranges_)
    if (now < e.until && e.target.contains(ip))
      return true;
  return false;
}

std::optional<ban_entry> ban_list::find(const ip_address& ip,
                                        int64_t now) const {
  const ban_entry* best = nullptr;
  auto it = singles_.find(ip);
  if (it != singles_.end() && now < it->second.until)
    best = &it->second;
  for (const auto& e : ranges_)
    if (now < e.until && e.target.contains(ip)
        && (best == nullptr || e.until > best->until))
      best = &e;
  if (best == nullptr)
    return std::nullopt;
  return *best;
}

std::vector<ban_entry> ban_list::list(int64_t now) const {
  std::vector<ban_entry> out;
  for (const auto& [ip, e] : singles_)
    if (now < e.until)
      out.push_back(e);
  for (const auto& e : ranges_)
    if (now < e.until)
      out.push_back(e);
  std::sort(out.begin(), out.end(), [](const ban_entry& a, const ban_entry& b) {
    if (a.target.network() != b.target.network())
      return a.target.network() < b.target.network();
    return a.target.prefix_length() < b.target.prefix_length();
  });
  return out;
}

std::size_t ban_list::expire(int64_t now) {
  auto before = size();
  for (auto it = singles_.begin(); it != singles_.end();)
    it = it->second.until <= now ? singles_.erase(it) : std::next(it);
  ranges_.erase(
      std::remove_if(ranges_.begin(), ranges_.end(),
                     [&](const ban_entry& e) { return e.until <= now; }),
      ranges_.end());
  return before - size();
}

result<void, ban_file_error> ban_list::save(const std::string& path,
                                            int64_t now) const {
  json bans = json::array();
  for (const auto& e : list(now))
    bans.push_back({{"subnet", e.target.to_string()},
                    {"created", e.created},
                    {"until", e.until},
                    {"reason", e.reason}});
  json doc = {{"version", ban_list_file_version}, {"bans", std::move(bans)}};
  // Reasons come from peers' misdeeds and operators; invalid UTF-8 in one is
  // replaced rather than failing the save.
  auto text = doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";

  auto fail = [&](const std::string& what) {
    return ban_file_error{ban_file_errc::write_failed,
                          "cannot save ban list " + path + ": " + what,
                          {}};
  };
  std::random_device rd;
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%08x%08x", rd(), rd());
  auto temp = path + ".tmp-" + suffix;
  fd_guard fd{::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                     ban_file_mode)};
  if (fd.fd < 0)
    return fail("cannot create " + temp + ": " + errno_text(errno));
  bool ok = write_all(fd.fd, text.data(), text.size()) && ::fsync(fd.fd) == 0;
  int err = errno;
  ok = ::close(fd.fd) == 0 && ok;
  fd.fd = -1;
  if (!ok) {
    ::unlink(temp.c_str());
    return fail("cannot write " + temp + ": " + errno_text(err));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(temp.c_str());
    return fail("cannot rename " + temp + ": " + errno_text(err));
  }
  sync_dir(parent_dir(path));
  return {};
}

result<ban_list, ban_file_error> ban_list::load(const std::string& path,
                                                int64_t now) {
  // O_NONBLOCK: a FIFO at the path must not hang the start.
  fd_guard fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (fd.fd < 0) {
    if (errno == ENOENT)
      return ban_list{};
    return unreadable(path, errno_text(errno));
  }
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0)
    return unreadable(path, errno_text(errno));
  if (!S_ISREG(st.st_mode))
    return unreadable(path, "not a regular file");
  if (static_cast<uint64_t>(st.st_size) > max_ban_list_file_bytes)
    return quarantine(path, now, ban_file_errc::too_large,
                      std::to_string(st.st_size) + " bytes, more than "
                          + std::to_string(max_ban_list_file_bytes));
  std::string text;
  char buf[64 * 1024];
  for (;;) {
    auto n = ::read(fd.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return unreadable(path, errno_text(errno));
    if (n == 0)
      break;
    text.append(buf, static_cast<std::size_t>(n));
    // The file may grow while being read; the limit still holds.
    if (text.size() > max_ban_list_file_bytes)
      return quarantine(path, now, ban_file_errc::too_large,
                        "more than " + std::to_string(max_ban_list_file_bytes)
                            + " bytes");
  }

  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    return quarantine(path, now, ban_file_errc::bad_json,
                      text.empty() ? "the file is empty" : json_error_text(e));
  }
  if (!doc.is_object())
    return quarantine(path, now, ban_file_errc::bad_shape,
                      "expected an object {\"version\":1,\"bans\":[...]}");
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer()
      || *version != ban_list_file_version)
    return quarantine(path, now, ban_file_errc::bad_shape,
                      "\"version\" is missing or not 1");
  auto bans = doc.find("bans");
  if (bans == doc.end() || !bans->is_array())
    return quarantine(path, now, ban_file_errc::bad_shape,
                      "\"bans\" is missing or not an array");

  ban_list list;
  for (std::size_t i = 0; i < bans->size(); ++i) {
    std::string why;
    auto entry = parse_entry((*bans)[i], why);
    if (!entry)
      return quarantine(path, now, ban_file_errc::bad_entry,
                        "ban #" + std::to_string(i) + ": " + why);
    // Ended bans are dropped; a subnet listed twice keeps the later expiry.
    list.merge(std::move(*entry), now);
  }
  return list;
}

ban_list ban_list::load_or_empty(const std::string& path, int64_t now,
                                 std::string& log_line) {
  auto loaded = load(path, now);
  if (loaded) {
    log_line.clear();
    return std::move(loaded).value();
  }
  log_line = loaded.error().message;
  return ban_list{};
}

} // namespace timecoin::security
