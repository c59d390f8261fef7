#include <doctest/doctest.h>

#include <cctype>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "apps/rpc/cli.hpp"
#include "apps/rpc/help.hpp"
#include "apps/rpc/methods.hpp"

using namespace timecoin;
using namespace timecoin::rpc;

namespace {

std::vector<std::string> words(std::string_view text) {
  std::istringstream in{std::string{text}};
  std::vector<std::string> out;
  for (std::string w; in >> w;)
    out.push_back(w);
  return out;
}

/// A value of `type`.
json value_of(param_type type) {
  switch (type) {
    case param_type::string:
    case param_type::hash_or_height: return "x";
    case param_type::number: return 1;
    case param_type::boolean:
    case param_type::flag: return true;
  }
  return nullptr;
}

/// A value not of `type`.
json wrong_value_for(param_type type) {
  return type == param_type::string || type == param_type::hash_or_height
           ? json::array()
           : json("x");
}

std::string message(const result<std::vector<json>, rpc_error>& r) {
  REQUIRE_FALSE(r);
  CHECK(r.error().code == rpc_code::invalid_params);
  return r.error().message;
}

} // namespace

TEST_CASE("the table: unique names, help, examples and a handler each") {
  std::set<std::string_view> names;
  for (const auto& m : all_methods()) {
    CAPTURE(m.name);
    CHECK(names.insert(m.name).second);
    CHECK_FALSE(m.name.empty());
    for (char c : m.name)
      CHECK(std::islower(static_cast<unsigned char>(c)));
    CHECK_FALSE(m.summary.empty());
    CHECK_FALSE(m.help.empty());
    CHECK_FALSE(m.examples.empty());
    CHECK((m.handler != nullptr));
    CHECK(find_method(m.name) == &m);
  }
  CHECK(find_method("nosuchmethod") == nullptr);
  CHECK(names.count("help") == 1);
}

TEST_CASE("the table: parameters are described, defaults of their type") {
  for (const auto& m : all_methods()) {
    std::set<std::string_view> names;
    bool optional_seen = false;
    for (const auto& p : m.params) {
      CAPTURE(m.name);
      CAPTURE(p.name);
      CHECK(names.insert(p.name).second);
      CHECK_FALSE(p.description.empty());
      // Positional calls could not leave out an optional parameter before
      // a required one.
      if (p.required)
        CHECK_FALSE(optional_seen);
      optional_seen = optional_seen || !p.required;
      if (p.required)
        CHECK(p.default_value.is_null());
      else if (!p.default_value.is_null())
        CHECK(has_type(p.default_value, p.type));
    }
  }
}

TEST_CASE("the table: every example is a valid call") {
  for (const auto& m : all_methods())
    for (auto example : m.examples) {
      CAPTURE(m.name);
      CAPTURE(example);
      auto request = make_call(std::string{m.name}, words(example), 1);
      REQUIRE(request);
      CHECK(bind_params(m, (*request)["params"]));
    }
}

TEST_CASE("bind_params fills in the table's defaults") {
  const auto* ban = find_method("setban");
  REQUIRE(ban);
  auto args = bind_params(*ban, json::array({"1.2.3.4", "add"}));
  REQUIRE(args);
  CHECK((*args)[2] == default_ban_seconds);
  // A null is absent.
  args = bind_params(
    *ban, {{"subnet", "1.2.3.4"}, {"command", "add"}, {"bantime", nullptr}});
  REQUIRE(args);
  CHECK((*args)[2] == default_ban_seconds);
  const auto* block = find_method("getblock");
  REQUIRE(block);
  args = bind_params(*block, json::array({0}));
  REQUIRE(args);
  CHECK((*args)[1] == true);
  // No default: the handler sees null.
  const auto* help = find_method("help");
  REQUIRE(help);
  args = bind_params(*help, nullptr);
  REQUIRE(args);
  CHECK((*args)[0].is_null());
}

TEST_CASE("a missing parameter reads alike for every method") {
  std::size_t checked = 0;
  for (const auto& m : all_methods())
    for (std::size_t i = 0; i < m.params.size(); ++i) {
      if (!m.params[i].required)
        continue;
      CAPTURE(m.name);
      auto expected = "Invalid params: " + std::string{m.name}
                      + ": missing parameter '" + std::string{m.params[i].name}
                      + "' (usage: " + signature(m) + ")";
      // Positional: the parameters before i (required ones come first).
      auto positional = json::array();
      for (std::size_t j = 0; j < i; ++j)
        positional.push_back(value_of(m.params[j].type));
      CHECK(message(bind_params(m, positional)) == expected);
      // Named: every required one but i.
      auto named = json::object();
      for (std::size_t j = 0; j < m.params.size(); ++j)
        if (j != i && m.params[j].required)
          named[std::string{m.params[j].name}] = value_of(m.params[j].type);
      CHECK(message(bind_params(m, named)) == expected);
      ++checked;
    }
  CHECK(checked >= 6);
}

TEST_CASE("an extra or unknown parameter reads alike for every method") {
  for (const auto& m : all_methods()) {
    CAPTURE(m.name);
    auto args = json::array();
    for (const auto& p : m.params)
      args.push_back(value_of(p.type));
    args.push_back(1);
    CHECK(message(bind_params(m, args))
          == "Invalid params: " + std::string{m.name}
               + ": unexpected parameter #"
               + std::to_string(m.params.size() + 1)
               + " (usage: " + signature(m) + ")");
    auto named = json::object();
    for (const auto& p : m.params)
      if (p.required)
        named[std::string{p.name}] = value_of(p.type);
    named["bogus"] = 1;
    CHECK(message(bind_params(m, named))
          == "Invalid params: " + std::string{m.name}
               + ": unexpected parameter 'bogus' (usage: " + signature(m)
               + ")");
  }
}

TEST_CASE("a parameter of the wrong type reads alike for every method") {
  std::size_t checked = 0;
  for (const auto& m : all_methods())
    for (std::size_t i = 0; i < m.params.size(); ++i) {
      const auto& p = m.params[i];
      CAPTURE(m.name);
      CAPTURE(p.name);
      auto args = json::array();
      for (std::size_t j = 0; j < i; ++j)
        args.push_back(value_of(m.params[j].type));
      args.push_back(wrong_value_for(p.type));
      CHECK(message(bind_params(m, args))
            == "Invalid params: " + std::string{m.name} + ": parameter '"
                 + std::string{p.name} + "' must be "
                 + std::string{type_name(p.type)} + " (usage: " + signature(m)
                 + ")");
      ++checked;
    }
  CHECK(checked >= 8);
}

TEST_CASE("unknown parameter names are quoted safely") {
  const auto* m = find_method("getblockcount");
  REQUIRE(m);
  auto text = message(bind_params(*m, {{std::string(100, 'a') + "\n", 1}}));
  CHECK(text.find('\n') == std::string::npos);
  CHECK(text.size() < 200);
}
