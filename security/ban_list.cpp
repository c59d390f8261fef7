#include "security/ban_list.hpp"

#include "security/file_util.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

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

/// Moves a corrupt file aside and says so: "<what> <path> is corrupt (<why>);
/// moved it to <where>; <then>".
ban_file_error
quarantine(const std::string& path, int64_t now, ban_file_errc code,
           const std::string& why, const std::string& what = "ban list",
           const std::string& then = "starting with an empty ban list") {
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
  err.message = what + " " + path + " is corrupt (" + why + "); ";
  if (!err.moved_to.empty())
    err.message += "moved it to " + err.moved_to;
  else
    err.message += "could not move it aside: " + errno_text(moved_errno);
  err.message += "; ";
  err.message += then;
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
  auto kind = ban_kind::automatic;
  auto manual = j.find("manual");
  if (manual != j.end() && !manual->is_boolean()) {
    why = "\"manual\" is not true or false";
    return std::nullopt;
  }
  if (manual != j.end()) {
    kind = manual->get<bool>() ? ban_kind::manual : ban_kind::automatic;
  } else if (reason->get_ref<const std::string&>() == "manual"
             || !range->is_single()) {
    // Files written before bans had a kind: the operator's `setban` gave the
    // reason "manual", and automatic bans are always single addresses.
    kind = ban_kind::manual;
  }
  return ban_entry{*range, *created, *until,
                   cut_reason(reason->get<std::string>()), kind};
}

/// A ban as the snapshot and the journal write it.
json entry_json(const ban_entry& e) {
  return {{"subnet", e.target.to_string()},
          {"created", e.created},
          {"until", e.until},
          {"reason", e.reason},
          {"manual", e.kind == ban_kind::manual}};
}

/// One journal line, newline included. Reasons come from peers' misdeeds and
/// operators; invalid UTF-8 in one is replaced rather than failing.
std::string journal_line(const json& record) {
  return record.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
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
                   int64_t now, ban_kind kind) {
  if (until <= now || !can_ban(target, kind))
    return false;
  if (kind == ban_kind::automatic && find_exact(target) == nullptr
      && count(ban_kind::automatic) >= max_automatic_bans)
    evict_oldest_automatic(now);
  auto* changed = merge(
    ban_entry{target, now, until, cut_reason(std::move(reason)), kind}, now);
  if (changed == nullptr)
    return false;
  auto record_json = entry_json(*changed);
  record_json["op"] = "ban";
  record(journal_line(record_json), changed->kind == ban_kind::manual);
  return true;
}

bool ban_list::can_ban(const subnet& target, ban_kind kind) const {
  if (kind == ban_kind::automatic)
    return true;
  auto* existing = find_exact(target);
  if (existing != nullptr && existing->kind == ban_kind::manual)
    return true;
  return manual_ < max_manual_bans;
}

const ban_entry* ban_list::find_exact(const subnet& target) const {
  if (target.is_single()) {
    auto it = singles_.find(target.network());
    return it == singles_.end() ? nullptr : &it->second;
  }
  for (const auto& e : ranges_)
    if (e.target == target)
      return &e;
  return nullptr;
}

ban_entry* ban_list::find_exact(const subnet& target) {
  return const_cast<ban_entry*>(std::as_const(*this).find_exact(target));
}

ban_entry* ban_list::merge(ban_entry fresh, int64_t now) {
  if (fresh.until <= now)
    return nullptr;
  auto* existing = find_exact(fresh.target);
  if (existing == nullptr) {
    if (fresh.kind == ban_kind::manual)
      ++manual_;
    if (!fresh.target.is_single()) {
      ranges_.push_back(std::move(fresh));
      return &ranges_.back();
    }
    auto key = fresh.target.network();
    return &singles_.emplace(key, std::move(fresh)).first->second;
  }
  // A ban that has ended but not been expired yet is replaced outright.
  bool ended = existing->until <= now;
  bool extends = ended || fresh.until > existing->until;
  bool promotes = fresh.kind == ban_kind::manual
                  && existing->kind == ban_kind::automatic;
  if (!extends && !promotes)
    return nullptr;
  bool was_manual = existing->kind == ban_kind::manual;
  if (extends) {
    // Violations that extend an operator's ban in force do not make it
    // evictable.
    auto kind = was_manual && !ended ? ban_kind::manual : fresh.kind;
    *existing = std::move(fresh);
    existing->kind = kind;
  } else {
    // The operator bans what was banned automatically for longer: keep the
    // longer expiry, but the ban is now the operator's.
    existing->kind = ban_kind::manual;
    existing->created = fresh.created;
    existing->reason = std::move(fresh.reason);
  }
  bool is_manual = existing->kind == ban_kind::manual;
  if (is_manual != was_manual)
    is_manual ? ++manual_ : --manual_;
  return existing;
}

void ban_list::put(ban_entry e) {
  erase(e.target);
  if (e.kind == ban_kind::manual)
    ++manual_;
  if (e.target.is_single()) {
    auto key = e.target.network();
    singles_.emplace(key, std::move(e));
  } else {
    ranges_.push_back(std::move(e));
  }
}

bool ban_list::erase(const subnet& target) {
  auto* existing = find_exact(target);
  if (existing == nullptr)
    return false;
  if (existing->kind == ban_kind::manual)
    --manual_;
  if (target.is_single()) {
    singles_.erase(target.network());
  } else {
    ranges_.erase(ranges_.begin() + (existing - ranges_.data()));
  }
  return true;
}

bool ban_list::evict_oldest_automatic(int64_t now) {
  // Linear: eviction happens only when the list is full, and publishing the
  // list (actors/) copies it at every ban anyway.
  const ban_entry* oldest = nullptr;
  auto older = [now](const ban_entry& a, const ban_entry* b) {
    if (b == nullptr)
      return true;
    bool a_ended = a.until <= now;
    bool b_ended = b->until <= now;
    if (a_ended != b_ended)
      return a_ended;
    return a.created < b->created;
  };
  for (const auto& [ip, e] : singles_)
    if (e.kind == ban_kind::automatic && older(e, oldest))
      oldest = &e;
  for (const auto& e : ranges_)
    if (e.kind == ban_kind::automatic && older(e, oldest))
      oldest = &e;
  if (oldest == nullptr)
    return false;
  auto target = oldest->target;
  erase(target);
  record(journal_line({{"op", "unban"}, {"subnet", target.to_string()}}),
         false);
  return true;
}

bool ban_list::unban(const subnet& target) {
  if (!erase(target))
    return false;
  record(journal_line({{"op", "unban"}, {"subnet", target.to_string()}}), true);
  return true;
}

void ban_list::clear() {
  singles_.clear();
  ranges_.clear();
  manual_ = 0;
  // Whatever was queued before is void now.
  journal_.pending.clear();
  record(journal_line({{"op", "clear"}}), true);
}

void ban_list::record(std::string line, bool durable) {
  // With no journal in step with this list the next save is a snapshot,
  // which needs no record.
  if (journal_.path.empty())
    return;
  if (journal_.pending.size() >= max_pending_journal_records) {
    journal_.path.clear();
    journal_.pending.clear();
    journal_.pending_durable = false;
    return;
  }
  journal_.pending.push_back(std::move(line));
  journal_.pending_durable = journal_.pending_durable || durable;
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
  // Not journaled: a load drops ended bans by itself.
  auto before = size();
  for (auto it = singles_.begin(); it != singles_.end();) {
    if (it->second.until > now) {
      ++it;
      continue;
    }
    if (it->second.kind == ban_kind::manual)
      --manual_;
    it = singles_.erase(it);
  }
  for (const auto& e : ranges_)
    if (e.until <= now && e.kind == ban_kind::manual)
      --manual_;
  ranges_.erase(
    std::remove_if(ranges_.begin(), ranges_.end(),
                   [&](const ban_entry& e) { return e.until <= now; }),
    ranges_.end());
  return before - size();
}

std::optional<int64_t> ban_list::next_end() const {
  std::optional<int64_t> out;
  auto take = [&](const ban_entry& e) {
    if (!out || e.until < *out)
      out = e.until;
  };
  for (const auto& kv : singles_)
    take(kv.second);
  for (const auto& e : ranges_)
    take(e);
  return out;
}

result<void, ban_file_error> ban_list::save(const std::string& path,
                                            int64_t now) {
  json bans = json::array();
  for (const auto& e : list(now))
    bans.push_back(entry_json(e));
  json doc = {{"version", ban_list_file_version}, {"bans", std::move(bans)}};
  // Reasons come from peers' misdeeds and operators; invalid UTF-8 in one is
  // replaced rather than failing the save.
  auto text = doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";

  auto fail = [&](const std::string& what) {
    return ban_file_error{ban_file_errc::write_failed,
                          "cannot save ban list " + path + ": " + what,
                          {}};
  };
  std::string err;
  if (!replace_file(path, text, ban_file_mode, err))
    return fail(err);
  // The snapshot holds everything the journal did. Should the removal not
  // survive a crash, replaying the old journal over the new snapshot is
  // harmless: every record sets or removes one ban to what the snapshot
  // already says.
  auto journal = path + ban_journal_suffix;
  if (::unlink(journal.c_str()) != 0 && errno != ENOENT) {
    journal_.path.clear();
    return fail("cannot remove the old journal " + journal + ": "
                + errno_text(errno));
  }
  journal_.path = path;
  journal_.pending.clear();
  journal_.pending_durable = false;
  journal_.records = 0;
  return {};
}

result<void, ban_file_error> ban_list::save_changes(const std::string& path,
                                                    int64_t now) {
  if (journal_.path != path)
    return save(path, now);
  if (journal_.pending.empty())
    return {};
  auto records = journal_.records + journal_.pending.size();
  if (records > std::max(min_journal_records_before_compaction, size()))
    return save(path, now);
  std::string text;
  for (const auto& line : journal_.pending)
    text += line;
  auto journal = path + ban_journal_suffix;
  std::string err;
  if (!append_file(journal, text, ban_file_mode, journal_.pending_durable,
                   err)) {
    // Part of the text may be in the file, as a torn record; the next save
    // writes a snapshot and removes the journal.
    journal_.path.clear();
    return ban_file_error{ban_file_errc::write_failed,
                          "cannot save ban list " + path + ": " + err,
                          {}};
  }
  journal_.records = records;
  journal_.pending.clear();
  journal_.pending_durable = false;
  return {};
}

result<ban_list, ban_file_error> ban_list::load(const std::string& path,
                                                int64_t now) {
  ban_list list;
  auto file = read_bounded(path, max_ban_list_file_bytes);
  switch (file.status) {
    case read_status::ok: break;
    case read_status::missing: file.text.clear(); break;
    case read_status::unreadable: return unreadable(path, file.why);
    case read_status::too_large:
      return quarantine(path, now, ban_file_errc::too_large, file.why);
  }
  if (file.status == read_status::ok) {
    const auto& text = file.text;
    json doc;
    try {
      doc = json::parse(text);
    } catch (const json::exception& e) {
      return quarantine(path, now, ban_file_errc::bad_json,
                        text.empty() ? "the file is empty"
                                     : json_error_text(e));
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
    for (std::size_t i = 0; i < bans->size(); ++i) {
      std::string why;
      auto entry = parse_entry((*bans)[i], why);
      if (!entry)
        return quarantine(path, now, ban_file_errc::bad_entry,
                          "ban #" + std::to_string(i) + ": " + why);
      // Ended bans are dropped; a subnet listed twice keeps the later expiry.
      list.merge(std::move(*entry), now);
    }
  }
  bool in_step = list.replay_journal(path, now);
  list.expire(now);
  // A list written under a larger bound (or edited by hand) is cut to this
  // one's.
  while (list.count(ban_kind::automatic) > max_automatic_bans) {
    list.evict_oldest_automatic(now);
    in_step = false;
  }
  if (in_step)
    list.journal_.path = path;
  return list;
}

bool ban_list::replay_journal(const std::string& path, int64_t now) {
  auto journal = path + ban_journal_suffix;
  auto file = read_bounded(journal, max_ban_list_file_bytes);
  switch (file.status) {
    case read_status::ok: break;
    case read_status::missing: return true;
    case read_status::unreadable:
      journal_.warning = "cannot read ban journal " + journal + ": " + file.why
                         + "; the bans it records are not restored";
      return false;
    case read_status::too_large:
      journal_.warning = quarantine(journal, now, ban_file_errc::too_large,
                                    file.why, "ban journal",
                                    "the bans it records are not restored")
                           .message;
      return false;
  }
  const auto& text = file.text;
  std::size_t records = 0;
  std::size_t line_no = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    auto end = text.find('\n', pos);
    bool last = end == std::string::npos || end + 1 == text.size();
    auto line = text.substr(pos, end == std::string::npos ? std::string::npos
                                                          : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    ++line_no;
    if (line.empty())
      continue;
    std::string why;
    auto record = json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object()) {
      why = "not a JSON object";
    } else {
      auto op = record.find("op");
      if (op == record.end() || !op->is_string()) {
        why = "\"op\" is missing or not a string";
      } else if (*op == "ban") {
        if (auto entry = parse_entry(record, why)) {
          if (entry->until > now)
            put(std::move(*entry));
          else
            erase(entry->target);
        }
      } else if (*op == "unban") {
        auto target = record.find("subnet");
        if (target == record.end() || !target->is_string()) {
          why = "\"subnet\" is missing or not a string";
        } else if (auto range = subnet::parse(
                     target->get_ref<const std::string&>())) {
          erase(*range);
        } else {
          why = range.error().message;
        }
      } else if (*op == "clear") {
        singles_.clear();
        ranges_.clear();
        manual_ = 0;
      } else {
        why = "unknown \"op\"";
      }
    }
    if (why.empty()) {
      ++records;
      continue;
    }
    if (last) {
      // A write cut short by a crash: everything before it is sound.
      journal_.warning = "ignored an incomplete last record in ban journal "
                         + journal + " (line " + std::to_string(line_no) + ": "
                         + why + "), left by an interrupted write";
      return false;
    }
    journal_.warning
      = quarantine(journal, now, ban_file_errc::bad_entry,
                   "line " + std::to_string(line_no) + ": " + why,
                   "ban journal",
                   "kept the " + std::to_string(records) + " records before it")
          .message;
    return false;
  }
  journal_.records = records;
  return true;
}

ban_list ban_list::load_or_empty(const std::string& path, int64_t now,
                                 std::string& log_line) {
  auto loaded = load(path, now);
  if (loaded) {
    log_line = loaded->load_warning();
    return std::move(loaded).value();
  }
  log_line = loaded.error().message;
  return ban_list{};
}

} // namespace timecoin::security
