#include <doctest/doctest.h>

#include <set>
#include <sstream>
#include <string>

#include "config/parser.hpp"
#include "config/settings.hpp"

using namespace timecoin;

namespace {

/// `#key=value` lines are settings shown commented out; `# text` is prose.
bool is_commented_setting(const std::string& line) {
  if (line.size() < 3 || line[0] != '#')
    return false;
  auto eq = line.find('=');
  return eq != std::string::npos
         && line.find_first_not_of("abcdefghijklmnopqrstuvwxyz_", 1) == eq;
}

} // namespace

TEST_CASE("deploy/time.conf.example shows every key with a valid value") {
  auto text = read_config_file(TIMECOIN_SOURCE_DIR "/deploy/time.conf.example");
  REQUIRE(text);
  node_config as_shipped;
  CHECK(apply_config_text(*text, "time.conf.example", as_shipped));

  std::istringstream in{*text};
  std::string line;
  std::string uncommented;
  std::set<std::string> keys;
  while (std::getline(in, line)) {
    if (is_commented_setting(line)) {
      keys.insert(line.substr(1, line.find('=') - 1));
      line = line.substr(1);
    }
    uncommented += line + "\n";
  }
  node_config cfg;
  auto ok = apply_config_text(uncommented, "time.conf.example", cfg);
  CHECK_MESSAGE(ok, (ok ? "" : ok.error().message));
  for (const auto& s : all_settings())
    if (!s.cli_only)
      CHECK_MESSAGE(keys.count(std::string{s.key}) == 1, s.key);
}
