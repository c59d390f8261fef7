#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "apps/rpc/help.hpp"
#include "apps/rpc/methods.hpp"

using namespace timecoin;
using namespace timecoin::rpc;

namespace {

/// A table of one made-up method, to see that help shows what it holds.
std::vector<method_spec> made_up_table() {
  return {
    {"frob",
     {param_spec{"target", param_type::string, true, nullptr, "What to frob."},
      param_spec{"times", param_type::number, false, 3, "How often."},
      param_spec{"loud", param_type::flag, false, nullptr, "Shout."}},
     "frob a target",
     "Frobs the target.\nReturns null.",
     {"x", "x 2 1"}},
    {"nop", {}, "do nothing", "Does nothing.", {""}},
  };
}

/// `text` with every run of blanks and newlines as one space.
std::string one_line(const std::string& text) {
  std::istringstream in{text};
  std::string out;
  for (std::string word; in >> word;)
    out += (out.empty() ? "" : " ") + word;
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::istringstream in{text};
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

} // namespace

TEST_CASE("signature: strings quoted, optional parameters in brackets") {
  auto table = made_up_table();
  CHECK(signature(table[0]) == "frob \"target\" [times] [loud]");
  CHECK(signature(table[1]) == "nop");
  CHECK(signature(*find_method("getblock"))
        == "getblock \"blockhash\"|height [verbose]");
}

TEST_CASE("method_help shows the table's entry") {
  auto table = made_up_table();
  CHECK(method_help(table[0])
        == "frob \"target\" [times] [loud]\n"
           "\n"
           "Frobs the target.\n"
           "Returns null.\n"
           "\n"
           "Arguments:\n"
           "1. target  (string, required) What to frob.\n"
           "2. times   (number, optional, default 3) How often.\n"
           "3. loud    (boolean, or 0 or 1, optional) Shout.\n"
           "\n"
           "Examples:\n"
           "> time-cli frob x\n"
           "> time-cli frob x 2 1");
  CHECK(method_help(table[1])
        == "nop\n\nDoes nothing.\n\nExamples:\n> time-cli nop");
}

TEST_CASE("method_help wraps long descriptions under their parameter") {
  method_spec m{"m",
                {param_spec{"a", param_type::string, true, nullptr,
                            "One two three four five six seven eight nine "
                            "ten eleven twelve thirteen fourteen fifteen "
                            "sixteen."}},
                "",
                "M."};
  auto got = lines(method_help(m));
  REQUIRE(got.size() == 7);
  CHECK(got[5]
        == "1. a  (string, required) One two three four five six seven "
           "eight nine ten");
  CHECK(got[6] == "      eleven twelve thirteen fourteen fifteen sixteen.");
  for (const auto& line : lines(method_help(*find_method("getblock"))))
    if (line.rfind("> ", 0) != 0) // a long example is not cut
      CHECK(line.size() <= help_line_columns);
}

TEST_CASE("method_list: one line per method, signature and summary") {
  auto table = made_up_table();
  auto list = method_list(table);
  auto got = lines(list);
  REQUIRE(got.size() == 2);
  CHECK(got[0].rfind("frob \"target\" [times] [loud] ", 0) == 0);
  CHECK(got[0].substr(help_summary_column) == "frob a target");
  CHECK(got[1].substr(help_summary_column) == "do nothing");

  auto all = lines(method_list());
  REQUIRE(all.size() == all_methods().size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& m = all_methods()[i];
    CAPTURE(m.name);
    CHECK(all[i].rfind(signature(m) + " ", 0) == 0);
    CHECK(all[i].size() >= help_summary_column);
    CHECK(all[i].substr(all[i].size() - m.summary.size()) == m.summary);
  }
}

TEST_CASE("every method's help holds its parameters and examples") {
  for (const auto& m : all_methods()) {
    CAPTURE(m.name);
    auto text = method_help(m);
    CHECK(text.rfind(signature(m) + "\n\n" + std::string{m.help}, 0) == 0);
    for (const auto& p : m.params) {
      CHECK(text.find(std::string{p.name} + " ") != std::string::npos);
      // Descriptions may be wrapped.
      CHECK(one_line(text).find(std::string{p.description})
            != std::string::npos);
      if (!p.default_value.is_null())
        CHECK(text.find("default " + p.default_value.dump())
              != std::string::npos);
    }
    for (auto example : m.examples) {
      auto line = "> time-cli " + std::string{m.name}
                  + (example.empty() ? "" : " " + std::string{example});
      bool shown = text.find(line + "\n") != std::string::npos
                   || text.substr(text.size() - line.size()) == line;
      CHECK(shown);
    }
  }
}
