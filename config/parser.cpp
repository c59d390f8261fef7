#include "config/parser.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>

#include "config/settings.hpp"
#include "config/values.hpp"
#include "protocol/printable.hpp"

namespace timecoin {

namespace {

using check_result = result<void, config_error>;

/// Column where `--help` starts the description of an option.
constexpr std::size_t usage_help_column = 33;
/// Editors on Windows start UTF-8 files with this byte order mark.
constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

std::string_view trim(std::string_view s) {
  constexpr std::string_view blanks = " \t\r\v\f";
  auto first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos)
    return {};
  auto last = s.find_last_not_of(blanks);
  return s.substr(first, last - first + 1);
}

/// Checks a value by applying it to a scratch configuration.
check_result check_value(const setting_info& info, const config_entry& e) {
  node_config scratch;
  return info.apply(e.value, e.where, scratch);
}

/// "addnode, connect, ... and whitelist": the keys that may repeat.
std::string repeatable_keys() {
  std::vector<std::string_view> keys;
  for (const auto& s : all_settings())
    if (s.repeatable)
      keys.push_back(s.key);
  std::string out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0)
      out += i + 1 == keys.size() ? " and " : ", ";
    out += keys[i];
  }
  return out;
}

/// The earlier entry for the same non-repeatable key, if any.
const config_entry* find_duplicate(const std::vector<config_entry>& entries,
                                   const std::string& key) {
  const auto* info = find_setting(key);
  if (info == nullptr || info->repeatable)
    return nullptr;
  for (const auto& e : entries)
    if (e.key == key)
      return &e;
  return nullptr;
}

/// The value in effect for a boolean key: its last entry.
const config_entry* last_entry(const std::vector<config_entry>& entries,
                               std::string_view key) {
  const config_entry* found = nullptr;
  for (const auto& e : entries)
    if (e.key == key)
      found = &e;
  return found;
}

/// devnet and testnet may not both be in effect.
check_result check_network(const std::vector<config_entry>& entries) {
  const auto* dev = last_entry(entries, "devnet");
  const auto* test = last_entry(entries, "testnet");
  if (dev != nullptr && test != nullptr
      && parse_bool(dev->value).value_or(false)
      && parse_bool(test->value).value_or(false))
    return config_error{"devnet and testnet cannot both be set ("
                        + dev->location + ", " + test->location + ")"};
  return {};
}

check_result apply_entries(const std::vector<config_entry>& entries,
                           node_config& cfg) {
  if (auto ok = check_network(entries); !ok)
    return ok;
  for (const auto& e : entries)
    if (auto ok = apply_setting(e.key, e.value, e.where, cfg); !ok)
      return ok;
  return {};
}

bool is_help(std::string_view arg) {
  return arg == "--help" || arg == "-h" || arg.substr(0, 7) == "--help=";
}

bool is_version(std::string_view arg) {
  return arg == "--version" || arg.substr(0, 10) == "--version=";
}

/// Reads the command line's `--key[=value]` options (all but conf and help).
check_result read_flags(int argc, const char* const* argv,
                        std::vector<config_entry>& flags,
                        std::string& conf_path) {
  bool conf_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i] != nullptr ? argv[i] : "";
    if (arg.size() < 3 || arg.substr(0, 2) != "--")
      return config_error{"'" + printable(arg)
                          + "': unexpected argument (options are "
                            "--key=value; see --help)"};
    auto body = arg.substr(2);
    auto eq = body.find('=');
    std::string key{body.substr(0, eq)};
    std::string flag = "--" + key;
    const auto* info = find_setting(key);
    if (info == nullptr)
      return config_error{printable(flag) + ": unknown option (see --help)"};
    std::string value = "1";
    if (eq != std::string_view::npos)
      value = std::string{body.substr(eq + 1)};
    else if (!info->bare_flag)
      return config_error{flag + ": needs a value (" + flag + "=...)"};
    if (key == "conf") {
      if (conf_given)
        return config_error{"--conf: given twice"};
      if (value.empty())
        return config_error{"--conf: '' is not a file name"};
      conf_path = value;
      conf_given = true;
      continue;
    }
    if (find_duplicate(flags, key) != nullptr)
      return config_error{flag + ": given twice"};
    config_entry e{key, value, flag, flag};
    if (auto ok = check_value(*info, e); !ok)
      return ok;
    flags.push_back(std::move(e));
  }
  return {};
}

} // namespace

result<std::vector<config_entry>, config_error>
parse_config_text(const std::string& text, const std::string& origin) {
  if (text.size() > max_config_file_bytes)
    return config_error{origin + ": larger than "
                        + std::to_string(max_config_file_bytes) + " bytes"};
  std::string_view rest{text};
  if (rest.substr(0, utf8_bom.size()) == utf8_bom)
    rest.remove_prefix(utf8_bom.size());
  std::vector<config_entry> entries;
  for (std::size_t line_no = 1; !rest.empty(); ++line_no) {
    auto end = rest.find('\n');
    auto line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    auto loc = origin + ":" + std::to_string(line_no);
    if (line.size() > max_config_line_bytes)
      return config_error{loc + ": line longer than "
                          + std::to_string(max_config_line_bytes) + " bytes"};
    if (line.find('\0') != std::string_view::npos)
      return config_error{loc + ": NUL byte in line"};
    line = trim(line.substr(0, line.find('#')));
    if (line.empty())
      continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      if (line.front() == '[')
        return config_error{loc + ": sections like '" + printable(line)
                            + "' are not supported"};
      return config_error{loc + ": expected key=value, got '" + printable(line)
                          + "'"};
    }
    std::string key{trim(line.substr(0, eq))};
    if (key.empty())
      return config_error{loc + ": empty key before '='"};
    const auto* info = find_setting(key);
    if (info == nullptr)
      return config_error{loc + ": unknown key '" + printable(key) + "'"};
    if (info->cli_only)
      return config_error{loc + ": '" + key
                          + "' can only be given on the command line"};
    config_entry e{key, std::string{trim(line.substr(eq + 1))}, loc,
                   loc + ": " + key};
    if (const auto* first = find_duplicate(entries, key))
      return config_error{e.where + ": already set at " + first->location
                          + " (only " + repeatable_keys() + " may repeat)"};
    if (auto ok = check_value(*info, e); !ok)
      return ok.error();
    entries.push_back(std::move(e));
  }
  return entries;
}

result<std::string, config_error> read_config_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return config_error{"cannot read '" + printable(path, 256)
                        + "': it is a directory"};
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{
    std::fopen(path.c_str(), "rb"), &std::fclose};
  if (!file)
    return config_error{"cannot read '" + printable(path, 256)
                        + "': " + std::strerror(errno)};
  std::string text;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), file.get())) > 0) {
    text.append(buf, n);
    if (text.size() > max_config_file_bytes)
      return config_error{printable(path, 256) + ": larger than "
                          + std::to_string(max_config_file_bytes) + " bytes"};
  }
  if (std::ferror(file.get()))
    return config_error{"cannot read '" + printable(path, 256)
                        + "': " + std::strerror(errno)};
  return text;
}

result<void, config_error> apply_config_text(const std::string& text,
                                             const std::string& origin,
                                             node_config& cfg) {
  auto entries = parse_config_text(text, origin);
  if (!entries)
    return entries.error();
  return apply_entries(*entries, cfg);
}

result<void, config_error> apply_setting(const std::string& key,
                                         const std::string& value,
                                         const std::string& where,
                                         node_config& cfg) {
  const auto* info = find_setting(key);
  if (info == nullptr)
    return config_error{where + ": unknown key '" + printable(key) + "'"};
  if (info->apply == nullptr)
    return config_error{where + ": '" + key
                        + "' can only be given on the command line"};
  return info->apply(value, where, cfg);
}

result<parsed_args, config_error> parse_command_line(int argc,
                                                     const char* const* argv) {
  parsed_args out;
  for (int i = 1; i < argc; ++i) {
    if (argv[i] != nullptr && is_help(argv[i])) {
      out.help = true;
      return out;
    }
  }
  for (int i = 1; i < argc; ++i) {
    if (argv[i] != nullptr && is_version(argv[i])) {
      out.version = true;
      return out;
    }
  }
  std::vector<config_entry> flags;
  std::string conf_path;
  if (auto ok = read_flags(argc, argv, flags, conf_path); !ok)
    return ok.error();
  // The network and data directory given on the command line say where
  // time.conf is; the file may still choose them when the flags do not.
  node_config from_flags;
  if (auto ok = apply_entries(flags, from_flags); !ok)
    return ok.error();
  std::vector<config_entry> merged;
  bool read_file = !conf_path.empty();
  if (!read_file) {
    auto path = std::filesystem::path{from_flags.data_dir()} / "time.conf";
    std::error_code ec;
    read_file = std::filesystem::exists(path, ec);
    conf_path = path.string();
  }
  if (read_file) {
    auto text = read_config_file(conf_path);
    if (!text)
      return text.error();
    auto file = parse_config_text(*text, conf_path);
    if (!file)
      return file.error();
    out.conf_file = conf_path;
    // A flag replaces the file's value; repeatable keys accumulate.
    for (auto& e : *file)
      if (find_setting(e.key)->repeatable
          || find_duplicate(flags, e.key) == nullptr)
        merged.push_back(std::move(e));
  }
  merged.insert(merged.end(), flags.begin(), flags.end());
  if (auto ok = apply_entries(merged, out.config); !ok)
    return ok.error();
  return out;
}

std::string usage() {
  std::string out
    = "Usage: timed [--conf=FILE] [--datadir=DIR] [--devnet|--testnet]\n"
      "             [--key=value ...]\n"
      "       timed --version\n"
      "\n"
      "Runs a TIME Coin node. Every option below except --conf, --help and\n"
      "--version is also a time.conf key (key=value); the command line wins\n"
      "over the file.\n"
      "Boolean options may be given alone (--listen means --listen=1).\n"
      "\n"
      "Options:\n";
  for (const auto& s : all_settings()) {
    std::string left = "  --" + std::string{s.key};
    if (!s.value_hint.empty())
      left += "=" + std::string{s.value_hint};
    left.resize(std::max(left.size() + 1, usage_help_column), ' ');
    out += left + std::string{s.help};
    if (!s.default_text.empty())
      out += " [" + std::string{s.default_text} + "]";
    out += '\n';
  }
  return out;
}

} // namespace timecoin
