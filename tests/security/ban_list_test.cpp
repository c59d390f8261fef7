#include "security/ban_list.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace timecoin::security;

namespace {

/// A fresh directory under the system temp dir, removed on scope exit.
struct temp_dir {
  fs::path path;
  temp_dir() {
    auto tmpl = (fs::temp_directory_path() / "timecoin-bans-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, ec);
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const {
    return (path / name).string();
  }
  std::size_t entries() const {
    std::size_t n = 0;
    for ([[maybe_unused]] auto& e : fs::directory_iterator(path))
      ++n;
    return n;
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

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
      {"trailing junk", R"({"version":1,"bans":[]} x)",
       ban_file_errc::bad_json},
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
