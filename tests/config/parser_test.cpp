#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "config/parser.hpp"
#include "config/settings.hpp"

using namespace timecoin;
namespace fs = std::filesystem;

namespace {

const std::string key_a(64, 'a');
const std::string key_b(64, 'b');

/// Applies `text` as "time.conf" onto a fresh config.
result<node_config, config_error> from_text(const std::string& text) {
  node_config cfg;
  auto ok = apply_config_text(text, "time.conf", cfg);
  if (!ok)
    return ok.error();
  return cfg;
}

std::string text_error(const std::string& text) {
  auto r = from_text(text);
  REQUIRE_FALSE(r.has_value());
  return r.error().message;
}

result<parsed_args, config_error> from_args(std::vector<std::string> args) {
  args.insert(args.begin(), "timed");
  std::vector<const char*> argv;
  for (const auto& a : args)
    argv.push_back(a.c_str());
  return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

std::string args_error(std::vector<std::string> args) {
  auto r = from_args(std::move(args));
  REQUIRE_FALSE(r.has_value());
  return r.error().message;
}

/// A fresh directory under the system's temp directory, removed afterwards.
struct temp_dir {
  fs::path path;
  temp_dir() {
    static int counter = 0;
    path = fs::temp_directory_path()
           / ("timecoin-config-test-" + std::to_string(::getpid()) + "-"
              + std::to_string(++counter));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    auto file = path / name;
    std::ofstream{file, std::ios::binary} << text;
    return file.string();
  }
};

} // namespace

TEST_CASE("defaults are a devnet node's") {
  auto cfg = from_text("");
  REQUIRE(cfg);
  CHECK(cfg->net == proto::network::devnet);
  CHECK(cfg->p2p_port() == 24200);
  CHECK(cfg->rpc_port() == 24201);
  CHECK(cfg->data_dir() == "./data/devnet");
  CHECK(cfg->server);
  CHECK(cfg->tls);
  CHECK(cfg->metricsport == 0); // metrics off
  CHECK(cfg->metricsbind == "127.0.0.1");
}

TEST_CASE("every key is accepted") {
  auto cfg = from_text("# a comment line\n"
                       "\n"
                       "   \t\n"
                       "datadir=/var/lib/timed\n"
                       "listen=0\n"
                       "bind=0.0.0.0\n"
                       "port=24300\n"
                       "externalip=203.0.113.5\n"
                       "maxconnections=40\n"
                       "addnode=10.0.0.1:24200\n"
                       "addnode=[2001:db8::1]:24200\n"
                       "addnode=seed.example:24200\n"
                       "masternodepeer=10.0.0.9:24200\n"
                       "tls=false\n"
                       "rpcport=24301\n"
                       "rpcbind=::1\n"
                       "rpcconnect=localhost\n"
                       "metricsport=24302\n"
                       "metricsbind=[::1]\n"
                       "server=0\n"
                       "debug=trace\n"
                       "debuglogfile=debug.log\n"
                       "enable_message_signing=0\n"
                       "message_max_age_seconds=60\n"
                       "enable_rate_limiting=0\n"
                       "max_requests_per_second=50\n"
                       "masternode=1\n"
                       "producer="
                       + key_a + "\nproducer=" + key_b
                       + "\ngossip_fanout=3\ntestnet=1\n");
  REQUIRE_MESSAGE(cfg, (cfg ? "" : cfg.error().message));
  CHECK(cfg->net == proto::network::testnet);
  CHECK(cfg->datadir == "/var/lib/timed");
  CHECK_FALSE(cfg->listen);
  CHECK(cfg->bind == "0.0.0.0");
  CHECK(cfg->p2p_port() == 24300);
  CHECK(cfg->externalip == "203.0.113.5");
  CHECK(cfg->maxconnections == 40);
  CHECK(cfg->addnode
        == std::vector<std::string>{"10.0.0.1:24200", "[2001:db8::1]:24200",
                                    "seed.example:24200"});
  CHECK(cfg->masternode_peers == std::vector<std::string>{"10.0.0.9:24200"});
  CHECK_FALSE(cfg->tls);
  CHECK(cfg->rpc_port() == 24301);
  CHECK(cfg->rpcbind == "::1");
  CHECK(cfg->rpcconnect == "localhost");
  CHECK(cfg->metricsport == 24302);
  CHECK(cfg->metricsbind == "::1");
  CHECK_FALSE(cfg->server);
  CHECK(cfg->debug == "trace");
  CHECK(cfg->debuglogfile == "debug.log");
  CHECK_FALSE(cfg->enable_message_signing);
  CHECK(cfg->message_max_age_seconds == 60);
  CHECK_FALSE(cfg->enable_rate_limiting);
  CHECK(cfg->max_requests_per_second == 50);
  CHECK(cfg->masternode);
  CHECK(cfg->producer == std::vector<std::string>{key_a, key_b});
  CHECK(cfg->gossip_fanout == 3);
}

TEST_CASE("whitespace, CRLF, trailing comments and the BOM") {
  auto cfg = from_text("\xEF\xBB\xBF  port  =  24210  # the P2P port\r\n"
                       "\tdebug=1\t\r\n"
                       "addnode=10.0.0.1:1#no blank before the comment\n"
                       "# port=1\n");
  REQUIRE_MESSAGE(cfg, (cfg ? "" : cfg.error().message));
  CHECK(cfg->port == 24210);
  CHECK(cfg->debug == "debug");
  CHECK(cfg->addnode == std::vector<std::string>{"10.0.0.1:1"});
}

TEST_CASE("errors name the file and line") {
  CHECK(text_error("port=1\n\n# x\n\n\n\nfoo=1\n")
        == "time.conf:7: unknown key 'foo'");
  CHECK(text_error("port=abc")
        == "time.conf:1: port: 'abc' is not a port "
           "number (0-65535)");
  CHECK(text_error("\nport=70000")
        == "time.conf:2: port: '70000' is not a port number (0-65535)");
  CHECK(text_error("rpcport=0")
        == "time.conf:1: rpcport: '0' is not a port number (1-65535)");
  CHECK(text_error("metricsport=65536")
        == "time.conf:1: metricsport: '65536' is not a port number "
           "(0-65535)");
  CHECK(text_error("metricsbind=localhost")
        == "time.conf:1: metricsbind: 'localhost' is not an IP address");
  CHECK(text_error("maxconnections=-1")
        == "time.conf:1: maxconnections: '-1' is not a whole number from 1 "
           "to 10000");
  CHECK(text_error("maxconnections=99999999999999999999999")
          .find("is not a whole number")
        != std::string::npos);
  CHECK(text_error("tls=yes")
        == "time.conf:1: tls: 'yes' is not a boolean (0, 1, true or false)");
  CHECK(text_error("tls=").find("'' is not a boolean") != std::string::npos);
  CHECK(text_error("debug=loud").find("is not a log level")
        != std::string::npos);
  CHECK(text_error("producer=abc").find("is not a public key")
        != std::string::npos);
  CHECK(text_error("addnode=10.0.0.1").find("is not host:port")
        != std::string::npos);
  CHECK(text_error("addnode=::1:24200").find("is not host:port")
        != std::string::npos);
  CHECK(text_error("masternodepeer=x:0").find("is not host:port")
        != std::string::npos);
  CHECK(text_error("bind=localhost")
        == "time.conf:1: bind: 'localhost' is "
           "not an IP address");
  CHECK(text_error("externalip=not_a_host").find("externalip")
        != std::string::npos);
  CHECK(text_error("gossip_fanout=0").find("from 1 to 1000")
        != std::string::npos);
  CHECK(text_error("message_max_age_seconds=86401").find("from 1 to 86400")
        != std::string::npos);
}

TEST_CASE("hostile lines") {
  CHECK(text_error("listen")
        == "time.conf:1: expected key=value, got "
           "'listen'");
  CHECK(text_error("[main]\nport=1").find("sections") != std::string::npos);
  CHECK(text_error("=5") == "time.conf:1: empty key before '='");
  CHECK(text_error("  = 5") == "time.conf:1: empty key before '='");
  CHECK(text_error(std::string("port=1\0\n", 8))
        == "time.conf:1: NUL byte in line");
  CHECK(text_error(std::string("# comment \0 hidden\n", 19))
        == "time.conf:1: NUL byte in line");
  CHECK(text_error("datadir=" + std::string(max_config_line_bytes, 'x'))
        == "time.conf:1: line longer than 4096 bytes");
  CHECK(text_error(std::string(max_config_file_bytes + 1, '\n'))
        == "time.conf: larger than 1048576 bytes");
  CHECK(text_error("Port=1") == "time.conf:1: unknown key 'Port'");
  CHECK(text_error("conf=/etc/time.conf")
        == "time.conf:1: 'conf' can only be given on the command line");
  CHECK(text_error("help=1").find("only be given on the command line")
        != std::string::npos);
  // Control characters in errors are escaped, long keys cut short.
  CHECK(text_error("\x1b[2Jevil=1")
        == "time.conf:1: unknown key '\\x1b[2Jevil'");
  auto long_key = text_error(std::string(1000, 'k') + "=1");
  CHECK(long_key.size() < 120);
  CHECK(long_key.find("...") != std::string::npos);
  // A value with spaces inside is taken literally (and is then invalid).
  CHECK(text_error("port=24 200").find("'24 200'") != std::string::npos);
  CHECK(text_error("port=\"24200\"").find("is not a port number")
        != std::string::npos);
}

TEST_CASE("a non-repeatable key given twice is an error") {
  CHECK(text_error("port=1\nport=2")
        == "time.conf:2: port: already set at time.conf:1 (only whitelist, "
           "addnode, masternodepeer, connect, seednode, dnsseed and producer "
           "may repeat)");
  CHECK(from_text("addnode=10.0.0.1:1\naddnode=10.0.0.1:2"));
}

TEST_CASE("an empty value clears a repeatable key") {
  auto cfg = from_text("addnode=10.0.0.1:1\naddnode=\naddnode=10.0.0.2:2\n"
                       "producer="
                       + key_a + "\nproducer=\n");
  REQUIRE(cfg);
  CHECK(cfg->addnode == std::vector<std::string>{"10.0.0.2:2"});
  CHECK(cfg->producer.empty());
}

TEST_CASE("producer keys are stored in lowercase") {
  auto cfg = from_text("producer=" + std::string(64, 'A'));
  REQUIRE(cfg);
  CHECK(cfg->producer == std::vector<std::string>{std::string(64, 'a')});
}

TEST_CASE("port=0 means any free port; bracketed bind addresses") {
  auto cfg = from_text("port=0\nbind=[::]\n");
  REQUIRE(cfg);
  CHECK(cfg->port_set);
  CHECK(cfg->p2p_port() == 0);
  CHECK(cfg->bind == "::");
}

TEST_CASE("devnet and testnet") {
  CHECK(text_error("devnet=1\ntestnet=1")
        == "devnet and testnet cannot both be set (time.conf:1, "
           "time.conf:2)");
  auto test = from_text("testnet=1\ndevnet=0");
  REQUIRE(test);
  CHECK(test->net == proto::network::testnet);
  CHECK(test->p2p_port() == 24100);
  CHECK(test->rpc_port() == 24101);
  CHECK(test->data_dir() == "./data/testnet");
  auto dev = from_text("testnet=0");
  REQUIRE(dev);
  CHECK(dev->net == proto::network::devnet);
}

TEST_CASE("apply_setting") {
  node_config cfg;
  CHECK(apply_setting("port", "5", "here", cfg));
  CHECK(cfg.port == 5);
  auto bad = apply_setting("nope", "5", "here", cfg);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "here: unknown key 'nope'");
  CHECK_FALSE(apply_setting("conf", "x", "here", cfg));
}

TEST_CASE("command line: flags, bare booleans, errors naming the flag") {
  auto r = from_args({"--port=24500", "--tls", "--listen=0", "--debug",
                      "--addnode=10.0.0.1:24200", "--addnode=10.0.0.2:24200",
                      "--datadir=/nonexistent/timecoin-test"});
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  CHECK(r->config.port == 24500);
  CHECK(r->config.tls);
  CHECK_FALSE(r->config.listen);
  CHECK(r->config.debug == "debug");
  CHECK(r->config.addnode.size() == 2);
  CHECK(r->conf_file.empty());
  CHECK_FALSE(r->help);

  CHECK(args_error({"--port=abc"})
        == "--port: 'abc' is not a port number "
           "(0-65535)");
  CHECK(args_error({"--foo=1"}) == "--foo: unknown option (see --help)");
  CHECK(args_error({"--port"}) == "--port: needs a value (--port=...)");
  CHECK(args_error({"--addnode"}).find("needs a value") != std::string::npos);
  CHECK(args_error({"port=1"}).find("unexpected argument")
        != std::string::npos);
  CHECK(args_error({"-port=1"}).find("unexpected argument")
        != std::string::npos);
  CHECK(args_error({"--"}).find("unexpected argument") != std::string::npos);
  CHECK(args_error({"--=1"}) == "--: unknown option (see --help)");
  CHECK(args_error({"--port=1", "--port=2"}) == "--port: given twice");
  CHECK(args_error({"--devnet", "--testnet"})
        == "devnet and testnet cannot both be set (--devnet, --testnet)");
  CHECK(args_error({"--conf="}) == "--conf: '' is not a file name");
  CHECK(args_error({"--conf=/nonexistent/timecoin/time.conf"})
        == "cannot read '/nonexistent/timecoin/time.conf': No such file or "
           "directory");
}

TEST_CASE("--help wins over everything else") {
  for (auto flag : {"--help", "-h", "--help=1"}) {
    auto r = from_args({"--port=bad", flag});
    REQUIRE(r);
    CHECK(r->help);
  }
  auto text = usage();
  for (const auto& s : all_settings())
    CHECK_MESSAGE(text.find("--" + std::string{s.key}) != std::string::npos,
                  s.key);
}

TEST_CASE("--version wins over everything but --help") {
  for (auto flag : {"--version", "--version=1"}) {
    auto r = from_args({"--port=bad", flag});
    REQUIRE(r);
    CHECK(r->version);
    CHECK_FALSE(r->help);
  }
  auto both = from_args({"--version", "--help"});
  REQUIRE(both);
  CHECK(both->help);
  CHECK_FALSE(both->version);
  CHECK(text_error("version=1").find("only be given on the command line")
        != std::string::npos);
}

TEST_CASE("time.conf is found in the data directory") {
  temp_dir dir;
  auto conf = dir.write("time.conf", "port=24600\naddnode=10.0.0.1:1\n"
                                     "debug=warn\n");
  auto r = from_args(
    {"--datadir=" + dir.path.string(), "--port=24601", "--addnode=10.0.0.2:2"});
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  CHECK(r->conf_file == conf);
  // The command line wins; repeatable keys accumulate, file first.
  CHECK(r->config.port == 24601);
  CHECK(r->config.debug == "warn");
  CHECK(r->config.addnode
        == std::vector<std::string>{"10.0.0.1:1", "10.0.0.2:2"});
  CHECK(r->config.datadir == dir.path.string());

  // An empty value on the command line drops the file's list.
  auto replaced = from_args(
    {"--datadir=" + dir.path.string(), "--addnode=", "--addnode=10.0.0.3:3"});
  REQUIRE(replaced);
  CHECK(replaced->config.addnode == std::vector<std::string>{"10.0.0.3:3"});
}

TEST_CASE("--conf names the file; errors name its path and line") {
  temp_dir dir;
  auto conf = dir.write("node.conf", "testnet=1\nrpcport=24999\nfoo=1\n");
  CHECK(args_error({"--conf=" + conf}) == conf + ":3: unknown key 'foo'");

  dir.write("node.conf", "testnet=1\nrpcport=24999\n");
  auto r = from_args({"--conf=" + conf});
  REQUIRE(r);
  CHECK(r->conf_file == conf);
  CHECK(r->config.net == proto::network::testnet);
  CHECK(r->config.rpc_port() == 24999);

  // The file's network and the command line's conflict.
  CHECK(args_error({"--conf=" + conf, "--devnet"})
        == "devnet and testnet cannot both be set (--devnet, " + conf + ":1)");
  // ... unless the command line turns the file's off.
  auto dev = from_args({"--conf=" + conf, "--testnet=0"});
  REQUIRE(dev);
  CHECK(dev->config.net == proto::network::devnet);

  CHECK(args_error({"--conf=" + dir.path.string()}).find("is a directory")
        != std::string::npos);
  CHECK(args_error({"--conf=" + conf, "--conf=" + conf})
        == "--conf: given twice");
}

TEST_CASE("the network flag picks the data directory searched") {
  // --testnet without --datadir looks in ./data/testnet: not there, no file.
  auto r = from_args({"--testnet"});
  REQUIRE(r);
  CHECK(r->config.net == proto::network::testnet);
  CHECK(r->config.data_dir() == "./data/testnet");
  CHECK(r->config.p2p_port() == 24100);
}

TEST_CASE("discovery keys") {
  auto cfg = from_text("seednode=10.0.0.1:24200\nseednode=seed.example:1\n"
                       "dnsseed=seed.example.org\n"
                       "discoveryurl=https://peers.example.org/devnet\n"
                       "maxoutbound=3\nmaxoutboundmasternodes=0\n");
  REQUIRE(cfg);
  CHECK(cfg->seednode.size() == 2);
  CHECK(cfg->dnsseed == std::vector<std::string>{"seed.example.org"});
  CHECK(cfg->discoveryurl == "https://peers.example.org/devnet");
  CHECK(cfg->maxoutbound == 3);
  CHECK(cfg->maxoutboundmasternodes == 0);
  CHECK_FALSE(cfg->connect_only);
  CHECK(text_error("dnsseed=1.2.3.4").find("is not a DNS name")
        != std::string::npos);
  CHECK(text_error("discoveryurl=ftp://x.org/").find("is not an http")
        != std::string::npos);
  CHECK(text_error("discoveryurl=http://user@x.org/").find("is not an http")
        != std::string::npos);
  CHECK(text_error("maxoutbound=-1").find("is not a whole number")
        != std::string::npos);
}

TEST_CASE("connect= turns automatic connections off") {
  auto none = from_text("connect=0\n");
  REQUIRE(none);
  CHECK(none->connect_only);
  CHECK(none->connect.empty());
  auto two = from_text("connect=10.0.0.1:1\nconnect=10.0.0.2:2\n");
  REQUIRE(two);
  CHECK(two->connect_only);
  CHECK(two->connect.size() == 2);
  CHECK(text_error("connect=nohost").find("is not host:port")
        != std::string::npos);
}

TEST_CASE("masternodecollateral is an output") {
  auto txid = std::string(64, 'a');
  auto cfg = from_text("masternode=1\nmasternodecollateral=" + txid + ":3\n");
  REQUIRE(cfg);
  CHECK(cfg->masternodecollateral == txid + ":3");
  CHECK(text_error("masternodecollateral=" + txid).find("is not an output")
        != std::string::npos);
  CHECK(text_error("masternodecollateral=abc:1").find("is not an output")
        != std::string::npos);
  CHECK(text_error("masternodecollateral=" + txid + ":4294967296")
          .find("is not an output")
        != std::string::npos);
}
