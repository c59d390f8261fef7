#include "security/ban_list.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/security/temp_dir.hpp"

namespace fs = std::filesystem;
using namespace timecoin::security;
using namespace timecoin::security::test;

namespace {

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

ip_address ip(const char* text) {
  return *ip_address::parse(text);
}
subnet net(const char* text) {
  return *subnet::parse(text);
}

constexpr int64_t now = 1'700'000'000;

} // namespace

TEST_CASE("single addresses and subnets are banned until their expiry") {
  ban_list bans;
  CHECK(bans.ban(net("1.2.3.4"), now + 300, "flood", now));
  CHECK(bans.ban(net("10.0.0.0/8"), now + 3600, "operator", now));
  CHECK(bans.ban(net("2001:db8::/32"), now + 60, "", now));
  CHECK(bans.is_banned(ip("1.2.3.4"), now));
  CHECK(bans.is_banned(ip("::ffff:1.2.3.4"), now));
  CHECK_FALSE(bans.is_banned(ip("1.2.3.5"), now));
  CHECK(bans.is_banned(ip("10.200.0.1"), now));
  CHECK(bans.is_banned(ip("2001:db8::99"), now));
  CHECK_FALSE(bans.is_banned(ip("2001:db9::99"), now));
  // Exactly at expiry the ban has ended.
  CHECK(bans.is_banned(ip("1.2.3.4"), now + 299));
  CHECK_FALSE(bans.is_banned(ip("1.2.3.4"), now + 300));
  CHECK(bans.is_banned(ip("10.0.0.1"), now + 3599));
  CHECK_FALSE(bans.is_banned(ip("10.0.0.1"), now + 3600));
  // A ban already over is not added.
  CHECK_FALSE(bans.ban(net("9.9.9.9"), now, "late", now));
  CHECK(bans.size() == 3);
}

TEST_CASE("a ban is never shortened, only extended") {
  ban_list bans;
  bans.ban(net("1.2.3.4"), now + 86400, "setban", now);
  CHECK_FALSE(bans.ban(net("1.2.3.4/32"), now + 300, "auto", now + 1));
  auto e = bans.find(ip("1.2.3.4"), now);
  REQUIRE(e);
  CHECK(e->until == now + 86400);
  CHECK(e->reason == "setban");
  CHECK(bans.ban(net("1.2.3.4"), now + 100000, "longer", now + 2));
  e = bans.find(ip("1.2.3.4"), now);
  CHECK(e->until == now + 100000);
  CHECK(e->reason == "longer");
  CHECK(e->created == now + 2);
  // An ended ban not yet expired is replaced by a shorter new one.
  bans.ban(net("5.5.5.0/24"), now + 10, "old", now);
  CHECK(bans.ban(net("5.5.5.0/24"), now + 15, "new", now + 12));
  CHECK(bans.find(ip("5.5.5.5"), now + 12)->reason == "new");
}

TEST_CASE("find returns the longest ban covering an address") {
  ban_list bans;
  bans.ban(net("1.2.3.4"), now + 300, "auto", now);
  bans.ban(net("1.2.0.0/16"), now + 3600, "range", now);
  bans.ban(net("1.0.0.0/8"), now + 60, "wide", now);
  CHECK(bans.find(ip("1.2.3.4"), now)->reason == "range");
  CHECK(bans.find(ip("1.9.3.4"), now)->reason == "wide");
  CHECK_FALSE(bans.find(ip("1.9.3.4"), now + 60));
  CHECK_FALSE(bans.find(ip("2.2.2.2"), now));
}

TEST_CASE("unban, clear, list and expire") {
  ban_list bans;
  bans.ban(net("1.2.3.4"), now + 300, "a", now);
  bans.ban(net("1.2.3.0/24"), now + 600, "b", now);
  bans.ban(net("::1"), now + 100, "c", now);
  CHECK_FALSE(bans.unban(net("1.2.3.5")));
  CHECK_FALSE(bans.unban(net("1.2.0.0/16")));
  auto all = bans.list(now);
  REQUIRE(all.size() == 3);
  CHECK(all[0].target.to_string() == "::1");
  CHECK(all[1].target.to_string() == "1.2.3.0/24");
  CHECK(all[2].target.to_string() == "1.2.3.4");
  CHECK(bans.list(now + 100).size() == 2); // expired omitted
  CHECK(bans.list(now + 600).empty());
  CHECK(bans.unban(net("1.2.3.4/32")));
  CHECK(bans.is_banned(ip("1.2.3.4"), now)); // the /24 still covers it
  CHECK(bans.unban(net("1.2.3.99/24")));     // same range, host bits ignored
  CHECK_FALSE(bans.is_banned(ip("1.2.3.4"), now));
  CHECK(bans.expire(now + 99) == 0);
  CHECK(bans.expire(now + 100) == 1);
  CHECK(bans.size() == 0);
  bans.ban(net("1.2.3.4"), now + 300, "a", now);
  bans.clear();
  CHECK(bans.size() == 0);
  CHECK_FALSE(bans.is_banned(ip("1.2.3.4"), now));
}

TEST_CASE("next_end is the earliest end, of ranges and ended bans too") {
  ban_list bans;
  CHECK_FALSE(bans.next_end());
  bans.ban(net("1.2.3.4"), now + 300, "a", now);
  CHECK(bans.next_end() == now + 300);
  bans.ban(net("1.2.0.0/16"), now + 100, "b", now);
  CHECK(bans.next_end() == now + 100);
  // Ended but not expired yet: still the next thing `expire` forgets.
  CHECK(bans.list(now + 200).size() == 1);
  CHECK(bans.next_end() == now + 100);
  CHECK(bans.expire(now + 200) == 1);
  CHECK(bans.next_end() == now + 300);
  bans.clear();
  CHECK_FALSE(bans.next_end());
}

TEST_CASE("long reasons are cut without splitting UTF-8") {
  ban_list bans;
  std::string reason(max_ban_reason_bytes - 1, 'x');
  reason += "\xc3\xa9\xc3\xa9"; // "éé" straddles the limit
  bans.ban(net("1.2.3.4"), now + 1, reason, now);
  auto e = bans.find(ip("1.2.3.4"), now);
  CHECK(e->reason.size() == max_ban_reason_bytes - 1);
}

TEST_CASE("bans survive a save and load; ended ones are dropped") {
  temp_dir dir;
  auto path = dir.file(ban_list_file_name);
  ban_list bans;
  bans.ban(net("1.2.3.4"), now + 300, "flood", now - 5);
  bans.ban(net("10.0.0.0/8"), now + 3600, "operator \"quoted\"\n", now);
  bans.ban(net("2001:db8::/32"), now + 86400, "v6", now);
  bans.ban(net("::ffff:7.7.7.7"), now + 10, "soon over", now);
  bans.ban(net("8.8.8.8"), now + 20, "bad utf-8 \xff\xfe", now);
  REQUIRE(bans.save(path, now).has_value());
  CHECK(dir.entries() == 1); // no temporary file left behind
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(slurp(path).find("\"version\": 1") != std::string::npos);

  auto loaded = ban_list::load(path, now + 10);
  REQUIRE(loaded.has_value());
  auto list = loaded->list(now + 10);
  REQUIRE(list.size() == 4);
  CHECK_FALSE(loaded->is_banned(ip("7.7.7.7"), now + 10));
  CHECK(loaded->is_banned(ip("10.1.2.3"), now + 10));
  CHECK(loaded->is_banned(ip("2001:db8::1"), now + 10));
  auto e = loaded->find(ip("1.2.3.4"), now + 10);
  REQUIRE(e);
  CHECK(e->created == now - 5);
  CHECK(e->until == now + 300);
  CHECK(e->reason == "flood");
  CHECK(loaded->find(ip("10.0.0.1"), now)->reason == "operator \"quoted\"\n");
  CHECK(loaded->find(ip("8.8.8.8"), now)->reason.find("bad utf-8")
        == 0); // invalid bytes were replaced, the save did not fail
  CHECK(loaded->size() == 4); // the ended ban was not even kept
}

TEST_CASE("saving replaces the old file and skips ended bans") {
  temp_dir dir;
  auto path = dir.file("banlist.json");
  ban_list bans;
  bans.ban(net("1.1.1.1"), now + 100, "x", now);
  REQUIRE(bans.save(path, now).has_value());
  bans.unban(net("1.1.1.1"));
  bans.ban(net("2.2.2.2"), now + 5, "y", now);
  REQUIRE(bans.save(path, now + 5).has_value()); // 2.2.2.2 has ended
  auto loaded = ban_list::load(path, now);
  REQUIRE(loaded.has_value());
  CHECK(loaded->size() == 0);
  CHECK(dir.entries() == 1);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
}

TEST_CASE("a missing file is an empty list") {
  temp_dir dir;
  auto loaded = ban_list::load(dir.file("banlist.json"), now);
  REQUIRE(loaded.has_value());
  CHECK(loaded->size() == 0);
  CHECK(dir.entries() == 0);
}

TEST_CASE("saving into a missing directory fails cleanly") {
  temp_dir dir;
  ban_list bans;
  auto r = bans.save(dir.file("nope/banlist.json"), now);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ban_file_errc::write_failed);
  CHECK(r.error().message.find("nope/banlist.json") != std::string::npos);
}

TEST_CASE("corrupt ban files are moved aside and reported") {
  struct bad_file {
    const char* name;
    std::string text;
    ban_file_errc code;
  };
  const bad_file cases[] = {
    {"empty", "", ban_file_errc::bad_json},
    {"truncated", R"({"version":1,"bans":[{"subnet":"1.2.3.4","cre)",
     ban_file_errc::bad_json},
    {"binary", std::string("\x00\xff\x13\x37garbage\x00", 12),
     ban_file_errc::bad_json},
    {"bad utf-8", "{\"version\":1,\"bans\":[],\"x\":\"\xff\"}",
     ban_file_errc::bad_json},
    {"trailing junk", R"({"version":1,"bans":[]} x)", ban_file_errc::bad_json},
    {"array", "[]", ban_file_errc::bad_shape},
    {"number", "42", ban_file_errc::bad_shape},
    {"no version", R"({"bans":[]})", ban_file_errc::bad_shape},
    {"version 2", R"({"version":2,"bans":[]})", ban_file_errc::bad_shape},
    {"version string", R"({"version":"1","bans":[]})",
     ban_file_errc::bad_shape},
    {"bans object", R"({"version":1,"bans":{}})", ban_file_errc::bad_shape},
    {"entry not object", R"({"version":1,"bans":[1]})",
     ban_file_errc::bad_entry},
    {"subnet number",
     R"({"version":1,"bans":[{"subnet":1,"created":0,"until":1,"reason":""}]})",
     ban_file_errc::bad_entry},
    {"bad subnet",
     R"({"version":1,"bans":[{"subnet":"1.2.3.4/33","created":0,"until":1,"reason":""}]})",
     ban_file_errc::bad_entry},
    {"garbage subnet",
     R"({"version":1,"bans":[{"subnet":"evil\u001b[0m","created":0,"until":1,"reason":""}]})",
     ban_file_errc::bad_entry},
    {"until string",
     R"({"version":1,"bans":[{"subnet":"1.2.3.4","created":0,"until":"1","reason":""}]})",
     ban_file_errc::bad_entry},
    {"until float",
     R"({"version":1,"bans":[{"subnet":"1.2.3.4","created":0,"until":1.5,"reason":""}]})",
     ban_file_errc::bad_entry},
    {"until huge",
     R"({"version":1,"bans":[{"subnet":"1.2.3.4","created":0,"until":18446744073709551615,"reason":""}]})",
     ban_file_errc::bad_entry},
    {"no created",
     R"({"version":1,"bans":[{"subnet":"1.2.3.4","until":1,"reason":""}]})",
     ban_file_errc::bad_entry},
    {"reason null",
     R"({"version":1,"bans":[{"subnet":"1.2.3.4","created":0,"until":1,"reason":null}]})",
     ban_file_errc::bad_entry},
    {"deep nesting", std::string(100000, '[') + std::string(100000, ']'),
     ban_file_errc::bad_shape},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    temp_dir dir;
    auto path = dir.file("banlist.json");
    write_file(path, c.text);
    auto loaded = ban_list::load(path, now);
    REQUIRE_FALSE(loaded.has_value());
    const auto& err = loaded.error();
    CHECK(err.code == c.code);
    CHECK(err.moved_to == path + ".corrupt-" + std::to_string(now));
    CHECK(err.message.find(path) != std::string::npos);
    CHECK(err.message.find(err.moved_to) != std::string::npos);
    CHECK(err.message.find("empty ban list") != std::string::npos);
    CHECK(err.message.find('\x1b') == std::string::npos);
    CHECK(err.message.find('\xff') == std::string::npos);
    CHECK_FALSE(fs::exists(path));
    CHECK(slurp(err.moved_to) == c.text); // kept intact for inspection
    // The next start finds no file and starts empty; saving works again.
    auto again = ban_list::load(path, now);
    REQUIRE(again.has_value());
    CHECK(again->save(path, now).has_value());
  }
}

TEST_CASE("a second corruption in the same second gets its own name") {
  temp_dir dir;
  auto path = dir.file("banlist.json");
  write_file(path, "first");
  auto a = ban_list::load(path, now);
  write_file(path, "second");
  auto b = ban_list::load(path, now);
  REQUIRE_FALSE(a.has_value());
  REQUIRE_FALSE(b.has_value());
  CHECK(a.error().moved_to != b.error().moved_to);
  CHECK(slurp(a.error().moved_to) == "first");
  CHECK(slurp(b.error().moved_to) == "second");
}

TEST_CASE("an over-large file is quarantined without being parsed") {
  temp_dir dir;
  auto path = dir.file("banlist.json");
  {
    std::ofstream out(path, std::ios::binary);
    out.seekp(static_cast<std::streamoff>(max_ban_list_file_bytes));
    out.put('x');
  }
  auto loaded = ban_list::load(path, now);
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().code == ban_file_errc::too_large);
  CHECK_FALSE(loaded.error().moved_to.empty());
}

TEST_CASE("a directory at the path is reported, not moved") {
  temp_dir dir;
  auto path = dir.file("banlist.json");
  fs::create_directory(path);
  auto loaded = ban_list::load(path, now);
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().code == ban_file_errc::unreadable);
  CHECK(loaded.error().moved_to.empty());
  CHECK(loaded.error().message.find("not a regular file") != std::string::npos);
  CHECK(fs::is_directory(path));
  ban_list bans;
  bans.ban(net("1.1.1.1"), now + 1, "x", now);
  auto saved = bans.save(path, now);
  REQUIRE_FALSE(saved.has_value());
  CHECK(dir.entries() == 1); // the temporary file was removed
}

TEST_CASE("a FIFO at the path does not hang the load") {
  temp_dir dir;
  auto path = dir.file("banlist.json");
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  auto loaded = ban_list::load(path, now);
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().code == ban_file_errc::unreadable);
}

TEST_CASE("an unreadable file is reported and left alone") {
  if (::geteuid() == 0)
    return; // root reads anything
  temp_dir dir;
  auto path = dir.file("banlist.json");
  write_file(path, R"({"version":1,"bans":[]})");
  REQUIRE(::chmod(path.c_str(), 0) == 0);
  auto loaded = ban_list::load(path, now);
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().code == ban_file_errc::unreadable);
  CHECK(fs::exists(path));
}

TEST_CASE("load_or_empty never fails and says what happened") {
  temp_dir dir;
  auto path = dir.file("banlist.json");
  std::string line = "stale";
  auto empty = ban_list::load_or_empty(path, now, line);
  CHECK(line.empty());
  CHECK(empty.size() == 0);

  write_file(path, "{not json");
  auto quarantined = ban_list::load_or_empty(path, now, line);
  CHECK(quarantined.size() == 0);
  CHECK(line.find("is corrupt") != std::string::npos);
  CHECK(line.find(".corrupt-" + std::to_string(now)) != std::string::npos);

  ban_list bans;
  bans.ban(net("1.1.1.1"), now + 100, "x", now);
  REQUIRE(bans.save(path, now).has_value());
  auto ok = ban_list::load_or_empty(path, now, line);
  CHECK(line.empty());
  CHECK(ok.is_banned(ip("1.1.1.1"), now));
}

TEST_CASE("unknown fields are ignored and duplicates keep the later expiry") {
  temp_dir dir;
  auto path = dir.file("banlist.json");
  write_file(path, R"({"version":1,"future":true,"bans":[
    {"subnet":"1.2.3.4","created":5,"until":)"
                     + std::to_string(now + 10) +
                     R"(,"reason":"a","extra":[1,2]},
    {"subnet":"::ffff:1.2.3.4","created":6,"until":)"
                     + std::to_string(now + 50) + R"(,"reason":"b"},
    {"subnet":"1.2.3.0/24","created":7,"until":)"
                     + std::to_string(now) + R"(,"reason":"ended"}]})");
  auto loaded = ban_list::load(path, now);
  REQUIRE(loaded.has_value());
  CHECK(loaded->size() == 1);
  auto e = loaded->find(ip("1.2.3.4"), now);
  REQUIRE(e);
  CHECK(e->until == now + 50);
  CHECK(e->created == 6);
  CHECK(e->reason == "b");
}

// -- bounds -------------------------------------------------------------------

namespace {

/// The i-th address of 10.0.0.0/8, for filling the list.
subnet nth(std::size_t i) {
  auto text = "10." + std::to_string((i >> 16) & 0xff) + "."
              + std::to_string((i >> 8) & 0xff) + "."
              + std::to_string(i & 0xff);
  return *subnet::parse(text);
}

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

} // namespace

TEST_CASE("automatic bans are bounded; the oldest go, manual ones stay") {
  ban_list bans;
  REQUIRE(
    bans.ban(net("192.0.2.1"), now + 86400, "manual", now, ban_kind::manual));
  REQUIRE(bans.ban(net("198.51.100.0/24"), now + 86400, "manual", now,
                   ban_kind::manual));
  // Created one second apart, so that "oldest" is well defined.
  for (std::size_t i = 0; i < max_automatic_bans + 500; ++i)
    REQUIRE(
      bans.ban(nth(i), now + 100000, "flood", now + static_cast<int64_t>(i)));
  CHECK(bans.count(ban_kind::automatic) == max_automatic_bans);
  CHECK(bans.count(ban_kind::manual) == 2);
  CHECK(bans.size() == max_automatic_bans + 2);
  CHECK(bans.is_banned(ip("192.0.2.1"), now + 1));
  CHECK(bans.is_banned(ip("198.51.100.7"), now + 1));
  // The first 500 were the oldest and are gone; the rest are there.
  CHECK_FALSE(bans.find(nth(0).network(), now + 1));
  CHECK_FALSE(bans.find(nth(499).network(), now + 1));
  CHECK(bans.find(nth(500).network(), now + 1));
  CHECK(bans.find(nth(max_automatic_bans + 499).network(), now + 1));
  // Extending a ban already held evicts nothing.
  CHECK(bans.ban(nth(500), now + 200000, "again", now + 20000));
  CHECK(bans.find(nth(501).network(), now + 1));
  CHECK(bans.count(ban_kind::automatic) == max_automatic_bans);
}

TEST_CASE("ended automatic bans are evicted before those in force") {
  ban_list bans;
  for (std::size_t i = 0; i < max_automatic_bans; ++i)
    bans.ban(nth(i), now + (i == 7000 ? 10 : 100000), "x", now);
  REQUIRE(bans.ban(net("203.0.113.9"), now + 100000, "new", now + 20));
  CHECK(bans.count(ban_kind::automatic) == max_automatic_bans);
  CHECK(bans.find(nth(0).network(), now + 20));         // older but in force
  CHECK_FALSE(bans.find(nth(7000).network(), now + 5)); // ended: went first
}

TEST_CASE("manual bans are refused past their bound, never evicted") {
  ban_list bans;
  for (std::size_t i = 0; i < max_manual_bans; ++i)
    REQUIRE(bans.ban(nth(i), now + 100, "manual", now, ban_kind::manual));
  CHECK(bans.count(ban_kind::manual) == max_manual_bans);
  CHECK_FALSE(bans.can_ban(net("203.0.113.1"), ban_kind::manual));
  CHECK_FALSE(
    bans.ban(net("203.0.113.1"), now + 100, "manual", now, ban_kind::manual));
  // Extending one already manual is fine; automatic ones are never refused.
  CHECK(bans.can_ban(nth(3), ban_kind::manual));
  CHECK(bans.ban(nth(3), now + 200, "manual", now, ban_kind::manual));
  CHECK(bans.can_ban(net("203.0.113.1"), ban_kind::automatic));
  CHECK(bans.ban(net("203.0.113.1"), now + 100, "flood", now));
  CHECK(bans.size() == max_manual_bans + 1);
  CHECK(bans.unban(nth(0)));
  CHECK(bans.can_ban(net("203.0.113.2"), ban_kind::manual));
}

TEST_CASE(
  "a manual ban stays manual; the operator can claim an automatic one") {
  ban_list bans;
  bans.ban(net("1.2.3.4"), now + 86400, "manual", now, ban_kind::manual);
  // Violations extend it but do not make it evictable.
  CHECK(bans.ban(net("1.2.3.4"), now + 90000, "flood", now + 1));
  CHECK(bans.find(ip("1.2.3.4"), now)->kind == ban_kind::manual);
  CHECK(bans.count(ban_kind::manual) == 1);
  // An automatic ban with the longer expiry becomes the operator's.
  bans.ban(net("5.6.7.8"), now + 90000, "flood", now);
  CHECK(
    bans.ban(net("5.6.7.8"), now + 300, "manual", now + 2, ban_kind::manual));
  auto e = bans.find(ip("5.6.7.8"), now);
  CHECK(e->kind == ban_kind::manual);
  CHECK(e->until == now + 90000);
  CHECK(bans.count(ban_kind::manual) == 2);
  CHECK(bans.expire(now + 90000) == 2);
  CHECK(bans.count(ban_kind::manual) == 0);
}

// -- journal ------------------------------------------------------------------

TEST_CASE("changes are appended to a journal and replayed on load") {
  temp_dir dir;
  auto path = dir.file(ban_list_file_name);
  auto journal = path + ban_journal_suffix;
  ban_list bans;
  bans.ban(net("1.1.1.1"), now + 1000, "first", now);
  REQUIRE(bans.save_changes(path, now).has_value()); // no journal yet: snapshot
  CHECK_FALSE(fs::exists(journal));
  auto snapshot = slurp(path);

  bans.ban(net("2.2.2.2"), now + 1000, "flood", now);
  bans.ban(net("10.0.0.0/8"), now + 5000, "manual", now, ban_kind::manual);
  REQUIRE(bans.save_changes(path, now).has_value());
  bans.unban(net("1.1.1.1"));
  bans.ban(net("3.3.3.3"), now + 2000, "flood", now);
  REQUIRE(bans.save_changes(path, now).has_value());
  REQUIRE(bans.save_changes(path, now).has_value()); // nothing to write
  CHECK(slurp(path) == snapshot); // the snapshot was not rewritten
  CHECK(count_lines(slurp(journal)) == 4);
  struct stat st {};
  REQUIRE(::stat(journal.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto loaded = ban_list::load(path, now + 1);
  REQUIRE(loaded.has_value());
  CHECK(loaded->load_warning().empty());
  CHECK(loaded->size() == 3);
  CHECK_FALSE(loaded->is_banned(ip("1.1.1.1"), now + 1));
  CHECK(loaded->is_banned(ip("2.2.2.2"), now + 1));
  CHECK(loaded->is_banned(ip("3.3.3.3"), now + 1));
  auto range = loaded->find(ip("10.9.9.9"), now + 1);
  REQUIRE(range);
  CHECK(range->kind == ban_kind::manual);
  CHECK(range->until == now + 5000);
  CHECK(loaded->count(ban_kind::manual) == 1);

  // The loaded list continues the same journal.
  loaded->clear();
  loaded->ban(net("4.4.4.4"), now + 100, "after clear", now + 1);
  REQUIRE(loaded->save_changes(path, now + 1).has_value());
  CHECK(count_lines(slurp(journal)) == 6);
  auto again = ban_list::load(path, now + 2);
  REQUIRE(again.has_value());
  CHECK(again->size() == 1);
  CHECK(again->is_banned(ip("4.4.4.4"), now + 2));
  // Ended bans in the journal are dropped.
  auto later = ban_list::load(path, now + 100);
  REQUIRE(later.has_value());
  CHECK(later->size() == 0);
}

TEST_CASE("evictions are journaled, so a reload keeps the bound") {
  temp_dir dir;
  auto path = dir.file(ban_list_file_name);
  ban_list bans;
  for (std::size_t i = 0; i < max_automatic_bans; ++i)
    bans.ban(nth(i), now + 100000, "x", now + static_cast<int64_t>(i));
  REQUIRE(bans.save_changes(path, now).has_value());
  for (std::size_t i = 0; i < 10; ++i) {
    bans.ban(net(("203.0.113." + std::to_string(i)).c_str()), now + 100000, "y",
             now + 20000);
    REQUIRE(bans.save_changes(path, now).has_value());
  }
  CHECK(count_lines(slurp(path + ban_journal_suffix)) == 20);
  auto loaded = ban_list::load(path, now);
  REQUIRE(loaded.has_value());
  CHECK(loaded->count(ban_kind::automatic) == max_automatic_bans);
  CHECK_FALSE(loaded->find(nth(9).network(), now));
  CHECK(loaded->find(nth(10).network(), now));
  CHECK(loaded->is_banned(ip("203.0.113.9"), now));
}

TEST_CASE("a torn last journal record is ignored, not fatal") {
  temp_dir dir;
  auto path = dir.file(ban_list_file_name);
  auto journal = path + ban_journal_suffix;
  ban_list bans;
  bans.ban(net("1.1.1.1"), now + 1000, "a", now);
  REQUIRE(bans.save_changes(path, now).has_value());
  bans.ban(net("2.2.2.2"), now + 1000, "b", now);
  REQUIRE(bans.save_changes(path, now).has_value());
  // A crash in the middle of the next append.
  auto whole = slurp(journal);
  {
    std::ofstream out(journal, std::ios::binary | std::ios::app);
    out << R"({"op":"ban","subnet":"3.3.3.3","cre)";
  }
  std::string line;
  auto loaded = ban_list::load_or_empty(path, now, line);
  CHECK(loaded.size() == 2);
  CHECK(loaded.is_banned(ip("2.2.2.2"), now));
  CHECK_FALSE(loaded.is_banned(ip("3.3.3.3"), now));
  CHECK(line.find("incomplete last record") != std::string::npos);
  CHECK(line.find(journal) != std::string::npos);
  CHECK(loaded.load_warning() == line);
  // The next save starts afresh: a snapshot, no journal to append behind the
  // torn bytes.
  REQUIRE(loaded.save_changes(path, now).has_value());
  CHECK_FALSE(fs::exists(journal));
  auto again = ban_list::load(path, now);
  REQUIRE(again.has_value());
  CHECK(again->load_warning().empty());
  CHECK(again->size() == 2);

  // Zero bytes left by a file system after a crash are torn too.
  write_file(journal, whole + std::string(40, '\0'));
  auto zeros = ban_list::load(path, now);
  REQUIRE(zeros.has_value());
  CHECK(zeros->size() == 2);
  CHECK_FALSE(zeros->load_warning().empty());
}

TEST_CASE(
  "a corrupt journal record stops the replay there; the file moves aside") {
  temp_dir dir;
  auto path = dir.file(ban_list_file_name);
  auto journal = path + ban_journal_suffix;
  const char* bad_lines[] = {
    "garbage",
    R"({"op":"ban","subnet":"1.2.3.4/33","created":0,"until":1,"reason":""})",
    R"({"op":"explode"})",
    R"({"op":"unban"})",
    R"({"op":"ban","subnet":"1.2.3.4","created":0,"until":1,"reason":"","manual":1})",
    "[1,2,3]",
  };
  for (const char* bad : bad_lines) {
    CAPTURE(bad);
    fs::remove(path);
    ban_list bans;
    bans.ban(net("1.1.1.1"), now + 1000, "a", now);
    REQUIRE(bans.save(path, now).has_value());
    auto ban_line = [](const char* target) {
      return std::string{R"({"op":"ban","subnet":")"} + target
             + R"(","created":1,"until":)" + std::to_string(now + 1000)
             + R"(,"reason":"r","manual":false})" + "\n";
    };
    auto text = ban_line("2.2.2.2") + bad + "\n" + ban_line("3.3.3.3");
    write_file(journal, text);
    auto loaded = ban_list::load(path, now);
    REQUIRE(loaded.has_value());
    CHECK(loaded->is_banned(ip("1.1.1.1"), now));
    CHECK(loaded->is_banned(ip("2.2.2.2"), now));
    CHECK_FALSE(loaded->is_banned(ip("3.3.3.3"), now));
    const auto& warning = loaded->load_warning();
    auto moved = journal + ".corrupt-" + std::to_string(now);
    CHECK(warning.find("line 2") != std::string::npos);
    CHECK(warning.find(moved) != std::string::npos);
    CHECK(warning.find("kept the 1 records before it") != std::string::npos);
    CHECK_FALSE(fs::exists(journal));
    CHECK(slurp(moved) == text);
    fs::remove(moved);
    // The next save writes a snapshot of what was kept.
    REQUIRE(loaded->save_changes(path, now).has_value());
    auto again = ban_list::load(path, now);
    REQUIRE(again.has_value());
    CHECK(again->size() == 2);
  }
}

TEST_CASE("the journal is compacted into the snapshot once it outgrows it") {
  temp_dir dir;
  auto path = dir.file(ban_list_file_name);
  auto journal = path + ban_journal_suffix;
  ban_list bans;
  REQUIRE(bans.save_changes(path, now).has_value());
  std::size_t most_lines = 0;
  // Ban and lift the same few addresses: the list stays small, the journal
  // would not.
  for (std::size_t i = 0; i < 3 * min_journal_records_before_compaction; ++i) {
    auto target = nth(i % 5);
    if (i % 2 == 0)
      bans.ban(target, now + 1000, "x", now);
    else
      bans.unban(target);
    REQUIRE(bans.save_changes(path, now).has_value());
    if (fs::exists(journal))
      most_lines = std::max(most_lines, count_lines(slurp(journal)));
  }
  CHECK(most_lines <= min_journal_records_before_compaction);
  CHECK(most_lines >= min_journal_records_before_compaction - 1);
  auto loaded = ban_list::load(path, now);
  REQUIRE(loaded.has_value());
  CHECK(loaded->list(now).size() == bans.list(now).size());
  for (std::size_t i = 0; i < 5; ++i)
    CHECK(loaded->find(nth(i).network(), now).has_value()
          == bans.find(nth(i).network(), now).has_value());
}

TEST_CASE("an old journal left beside a newer snapshot replays harmlessly") {
  // A crash between writing the snapshot and removing the journal.
  temp_dir dir;
  auto path = dir.file(ban_list_file_name);
  auto journal = path + ban_journal_suffix;
  ban_list bans;
  bans.ban(net("1.1.1.1"), now + 1000, "a", now);
  REQUIRE(bans.save_changes(path, now).has_value());
  bans.ban(net("2.2.2.2"), now + 1000, "b", now);
  bans.unban(net("1.1.1.1"));
  bans.clear();
  bans.ban(net("3.3.3.3"), now + 1000, "c", now);
  bans.ban(net("4.4.4.4"), now + 500, "d", now, ban_kind::manual);
  REQUIRE(bans.save_changes(path, now).has_value());
  auto old_journal = slurp(journal);
  REQUIRE(bans.save(path, now).has_value());
  CHECK_FALSE(fs::exists(journal));
  write_file(journal, old_journal);
  auto loaded = ban_list::load(path, now);
  REQUIRE(loaded.has_value());
  CHECK(loaded->size() == 2);
  CHECK(loaded->is_banned(ip("3.3.3.3"), now));
  CHECK(loaded->find(ip("4.4.4.4"), now)->kind == ban_kind::manual);
}

TEST_CASE("a failed append falls back to a snapshot at the next save") {
  if (::geteuid() == 0)
    return; // root writes anything
  temp_dir dir;
  auto path = dir.file(ban_list_file_name);
  auto journal = path + ban_journal_suffix;
  ban_list bans;
  REQUIRE(bans.save_changes(path, now).has_value());
  write_file(journal, "");
  REQUIRE(::chmod(journal.c_str(), 0400) == 0);
  bans.ban(net("1.1.1.1"), now + 1000, "a", now);
  auto failed = bans.save_changes(path, now);
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().code == ban_file_errc::write_failed);
  CHECK(failed.error().message.find(journal) != std::string::npos);
  REQUIRE(bans.save_changes(path, now).has_value()); // snapshot, unlinks
  CHECK_FALSE(fs::exists(journal));
  auto loaded = ban_list::load(path, now);
  REQUIRE(loaded.has_value());
  CHECK(loaded->is_banned(ip("1.1.1.1"), now));
}

TEST_CASE("files without a ban kind: setban's reason marks manual ones") {
  temp_dir dir;
  auto path = dir.file(ban_list_file_name);
  auto until = std::to_string(now + 100);
  write_file(path, R"({"version":1,"bans":[
    {"subnet":"1.1.1.1","created":1,"until":)"
                     + until + R"(,"reason":"manual"},
    {"subnet":"2.2.2.2","created":1,"until":)"
                     + until + R"(,"reason":"3 violations, last: bad_frame"},
    {"subnet":"10.0.0.0/8","created":1,"until":)"
                     + until + R"(,"reason":"by hand"}]})");
  auto loaded = ban_list::load(path, now);
  REQUIRE(loaded.has_value());
  CHECK(loaded->find(ip("1.1.1.1"), now)->kind == ban_kind::manual);
  CHECK(loaded->find(ip("2.2.2.2"), now)->kind == ban_kind::automatic);
  CHECK(loaded->find(ip("10.1.1.1"), now)->kind == ban_kind::manual);
  // The kind is written from now on.
  REQUIRE(loaded->save(path, now).has_value());
  CHECK(slurp(path).find("\"manual\": true") != std::string::npos);
}
