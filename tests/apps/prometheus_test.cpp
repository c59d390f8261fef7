#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "apps/metrics/prometheus.hpp"

using namespace timecoin;
using namespace timecoin::metrics;

namespace {

metric_sample sample(std::string name, std::string type,
                     std::vector<std::pair<std::string, std::string>> labels,
                     double value, std::string help = "Some help.") {
  return metric_sample{std::move(name), std::move(help), std::move(type),
                       std::move(labels), value};
}

} // namespace

TEST_CASE("label values escape backslash, double quote and line feed") {
  CHECK(escape_label_value("plain") == "plain");
  CHECK(escape_label_value(R"(a\b)") == R"(a\\b)");
  CHECK(escape_label_value(R"(say "hi")") == R"(say \"hi\")");
  CHECK(escape_label_value("two\nlines") == R"(two\nlines)");
  CHECK(escape_label_value("\\\"\n") == R"(\\\"\n)");
  // Other bytes pass as they are (the text is UTF-8, tabs are allowed).
  CHECK(escape_label_value("tab\there \xC3\xA9") == "tab\there \xC3\xA9");
}

TEST_CASE("HELP text escapes backslash and line feed, not quotes") {
  CHECK(escape_help(R"(a\b "c")") == R"(a\\b "c")");
  CHECK(escape_help("one\ntwo") == R"(one\ntwo)");
}

TEST_CASE("values: integers without exponent, others round-trip") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(-0.0) == "0");
  CHECK(format_value(42) == "42");
  CHECK(format_value(-3) == "-3");
  CHECK(format_value(1e6) == "1000000");
  CHECK(format_value(123456789012.0) == "123456789012");
  CHECK(format_value(9007199254740993.0) == "9007199254740992"); // 2^53 + 1
  CHECK(format_value(1e20) == "100000000000000000000");
  CHECK(format_value(-1e20) == "-100000000000000000000");
  CHECK(format_value(0.25) == "0.25");
  CHECK(format_value(1.5e-7) == "1.5e-07");
  CHECK(std::stod(format_value(0.1)) == 0.1);
  CHECK(std::stod(format_value(2.0 / 3.0)) == 2.0 / 3.0);
  CHECK(format_value(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  CHECK(format_value(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(format_value(-std::numeric_limits<double>::infinity()) == "-Inf");
}

TEST_CASE("an empty snapshot is empty text") {
  CHECK(render_prometheus({}).empty());
}

TEST_CASE("HELP and TYPE once per name, then one line per sample") {
  metrics_snapshot s{
    sample("timecoin_peers", "gauge", {{"class", "inbound"}}, 3,
           "Connected peers, by direction."),
    sample("timecoin_peers", "gauge", {{"class", "outbound"}}, 8,
           "Connected peers, by direction."),
    sample("timecoin_bans_total", "counter", {}, 0, "Automatic bans made."),
    sample("timecoin_memory_bytes", "gauge",
           {{"component", "send_queues"}, {"unit", "b"}}, 4096),
  };
  CHECK(render_prometheus(s)
        == "# HELP timecoin_peers Connected peers, by direction.\n"
           "# TYPE timecoin_peers gauge\n"
           "timecoin_peers{class=\"inbound\"} 3\n"
           "timecoin_peers{class=\"outbound\"} 8\n"
           "# HELP timecoin_bans_total Automatic bans made.\n"
           "# TYPE timecoin_bans_total counter\n"
           "timecoin_bans_total 0\n"
           "# HELP timecoin_memory_bytes Some help.\n"
           "# TYPE timecoin_memory_bytes gauge\n"
           "timecoin_memory_bytes{component=\"send_queues\",unit=\"b\"} "
           "4096\n");
}

TEST_CASE("label values and HELP text are escaped in the output") {
  metrics_snapshot s{sample("x_total", "counter",
                            {{"agent", "/evil\"}\nx_total 1e9\n\\"}}, 1,
                            "line one\nline \\two")};
  CHECK(render_prometheus(s)
        == "# HELP x_total line one\\nline \\\\two\n"
           "# TYPE x_total counter\n"
           "x_total{agent=\"/evil\\\"}\\nx_total 1e9\\n\\\\\"} 1\n");
}

TEST_CASE("interleaved names are grouped; unknown types are untyped") {
  metrics_snapshot s{
    sample("a", "counter", {{"k", "1"}}, 1, "A."),
    sample("b", "histogram", {}, 2, "B."),
    sample("a", "counter", {{"k", "2"}}, 3, "A."),
    sample("c", "gauge", {}, 0.5, ""),
  };
  CHECK(render_prometheus(s)
        == "# HELP a A.\n"
           "# TYPE a counter\n"
           "a{k=\"1\"} 1\n"
           "a{k=\"2\"} 3\n"
           "# HELP b B.\n"
           "# TYPE b untyped\n"
           "b 2\n"
           "# TYPE c gauge\n"
           "c 0.5\n");
}
