#include <doctest/doctest.h>

#include <string>

#include "protocol/printable.hpp"

using namespace timecoin;

TEST_CASE("printable escapes control bytes, non-ASCII and backslashes") {
  CHECK(printable("abc") == "abc");
  CHECK(printable("") == "");
  CHECK(printable(std::string("a\0b", 3)) == "a\\x00b");
  CHECK(printable("\x1b[31m") == "\\x1b[31m");
  CHECK(printable("line\nforged") == "line\\x0aforged");
  CHECK(printable("a\\x41") == "a\\x5cx41");
  CHECK(printable("\x7f\x80\xff") == "\\x7f\\x80\\xff");
  CHECK(printable("it's ~fine~") == "it's ~fine~");
}

TEST_CASE("printable cuts once the result holds max_chars characters") {
  CHECK(printable(std::string(100, 'x'), 10) == std::string(10, 'x') + "...");
  CHECK(printable(std::string(10, 'x'), 10) == std::string(10, 'x'));
  CHECK(printable(std::string(64, 'x')) == std::string(64, 'x'));
  CHECK(printable(std::string(65, 'x')) == std::string(64, 'x') + "...");
  // An escape is never split, so the result may pass the bound by up to
  // three characters before "..." is added.
  CHECK(printable("abc\x01zz", 4) == "abc\\x01...");
  CHECK(printable(std::string(1000, '\0')).size()
        == default_printable_chars + 3);
  CHECK(printable(std::string(3, '\0'), 8) == "\\x00\\x00...");
}

TEST_CASE("quoted puts the text in quotes and escapes quotes too") {
  CHECK(quoted("abc") == "'abc'");
  CHECK(quoted("") == "''");
  CHECK(quoted("it's") == "'it\\x27s'");
  CHECK(quoted("\x1b[2J") == "'\\x1b[2J'");
  CHECK(quoted(std::string(100, 'a'), 10)
        == "'" + std::string(10, 'a') + "'...");
  CHECK(quoted(std::string(10, 'a'), 10) == "'" + std::string(10, 'a') + "'");
}
