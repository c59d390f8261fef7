#include "sim/duration.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace timecoin::sim;
using namespace std::chrono_literals;
using std::chrono::microseconds;

namespace {

value_errc duration_error(const std::string& text) {
  auto r = parse_duration(text);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find('"') != std::string::npos); // quotes the text
  return r.error().code;
}

value_errc bandwidth_error(const std::string& text) {
  auto r = parse_bandwidth(text);
  REQUIRE_FALSE(r.has_value());
  return r.error().code;
}

} // namespace

TEST_CASE("durations in every unit") {
  CHECK(*parse_duration("50ms") == 50ms);
  CHECK(*parse_duration("10s") == 10s);
  CHECK(*parse_duration("2m") == 2min);
  CHECK(*parse_duration("1h") == 1h);
  CHECK(*parse_duration("1.5s") == 1500ms);
  CHECK(*parse_duration("250us") == 250us);
  CHECK(*parse_duration("0") == 0us);
  CHECK(*parse_duration("0.0") == 0us);
  CHECK(*parse_duration("0s") == 0us);
  CHECK(*parse_duration("0.25ms") == 250us);
  CHECK(*parse_duration("0.1m") == 6s);
  CHECK(*parse_duration("1.000000000000000000000s") == 1s); // zeros dropped
  CHECK(*parse_duration("007s") == 7s);
  CHECK(*parse_duration("9223372036854775807us") == microseconds{INT64_MAX});
}

TEST_CASE("hostile durations are refused with the reason") {
  CHECK(duration_error("") == value_errc::empty);
  CHECK(duration_error("-5s") == value_errc::negative);
  CHECK(duration_error("-0") == value_errc::negative);
  CHECK(duration_error("10") == value_errc::missing_unit);
  CHECK(duration_error("1.5") == value_errc::missing_unit);
  CHECK(duration_error("10sec") == value_errc::unknown_unit);
  CHECK(duration_error("10S") == value_errc::unknown_unit);
  CHECK(duration_error("10ns") == value_errc::unknown_unit);
  CHECK(duration_error("1e3s") == value_errc::unknown_unit);
  CHECK(duration_error("abc") == value_errc::bad_number);
  CHECK(duration_error("s") == value_errc::bad_number);
  CHECK(duration_error(".5s") == value_errc::bad_number);
  CHECK(duration_error("5.s") == value_errc::bad_number);
  CHECK(duration_error("+5s") == value_errc::bad_number);
  CHECK(duration_error(" 5s") == value_errc::bad_number);
  CHECK(duration_error("5 s") == value_errc::bad_number);
  CHECK(duration_error("5s ") == value_errc::unknown_unit);
  CHECK(duration_error("1.2.3s") == value_errc::bad_number);
  CHECK(duration_error("0x10s") == value_errc::unknown_unit);
  CHECK(duration_error(std::string("5\0s", 3)) == value_errc::bad_number);
  CHECK(duration_error("0.5us") == value_errc::too_precise);
  CHECK(duration_error("1.0000001s") == value_errc::too_precise);
  CHECK(duration_error("0." + std::string(40, '0') + "1s")
        == value_errc::too_precise);
  CHECK(duration_error("9223372036854775808us") == value_errc::overflow);
  CHECK(duration_error("9223372036855s") == value_errc::overflow);
  CHECK(duration_error("99999999999999999999999h") == value_errc::overflow);
  CHECK(duration_error(std::string(65, '1') + "s") == value_errc::too_long);
  CHECK(duration_error("\xff\xfe") == value_errc::bad_number);
}

TEST_CASE("bandwidths in bits and bytes") {
  CHECK(*parse_bandwidth("100Mbit") == 100'000'000u);
  CHECK(*parse_bandwidth("1Gbit") == 1'000'000'000u);
  CHECK(*parse_bandwidth("10kbit") == 10'000u);
  CHECK(*parse_bandwidth("12.5MB") == 100'000'000u);
  CHECK(*parse_bandwidth("1B") == 8u);
  CHECK(*parse_bandwidth("56kbps") == 56'000u);
  CHECK(*parse_bandwidth("1.5Mbit") == 1'500'000u);
  CHECK(*parse_bandwidth("0") == 0u);
  CHECK(*parse_bandwidth("2Tbit") == 2'000'000'000'000u);
  CHECK(*parse_bandwidth("18446744073709551615bit") == UINT64_MAX);
}

TEST_CASE("hostile bandwidths are refused with the reason") {
  CHECK(bandwidth_error("") == value_errc::empty);
  CHECK(bandwidth_error("-1Mbit") == value_errc::negative);
  CHECK(bandwidth_error("100") == value_errc::missing_unit);
  CHECK(bandwidth_error("100mbit") == value_errc::unknown_unit);
  CHECK(bandwidth_error("100Mb") == value_errc::unknown_unit);
  CHECK(bandwidth_error("100 Mbit") == value_errc::bad_number);
  CHECK(bandwidth_error("1.5bit") == value_errc::too_precise);
  CHECK(bandwidth_error("0.1B") == value_errc::too_precise);
  CHECK(bandwidth_error("18446744073709551616bit") == value_errc::overflow);
  CHECK(bandwidth_error("3000000TB") == value_errc::overflow);
  CHECK(bandwidth_error("Mbit") == value_errc::bad_number);
}

TEST_CASE("format_duration and format_bandwidth read back exactly") {
  CHECK(format_duration(0us) == "0");
  CHECK(format_duration(1500ms) == "1500ms");
  CHECK(format_duration(90s) == "90s");
  CHECK(format_duration(2min) == "2m");
  CHECK(format_duration(3h) == "3h");
  CHECK(format_duration(7us) == "7us");
  CHECK(format_duration(-5s) == "-5s");
  CHECK(format_duration(microseconds{INT64_MIN}).front() == '-');
  for (microseconds d : std::initializer_list<microseconds>{
         0us, 1us, 999us, 1000us, 61s, 3601s, 86400s})
    CHECK(*parse_duration(format_duration(d)) == d);
  CHECK(format_bandwidth(100'000'000) == "100Mbit");
  CHECK(format_bandwidth(1'500'000) == "1500kbit");
  CHECK(format_bandwidth(8) == "8bit");
  CHECK(format_bandwidth(0) == "0");
  for (uint64_t b : {uint64_t{1}, uint64_t{999}, uint64_t{1000},
                     uint64_t{12'345'000}, uint64_t{UINT64_MAX}})
    CHECK(*parse_bandwidth(format_bandwidth(b)) == b);
}
