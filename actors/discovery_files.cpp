#include "actors/discovery_files.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "config/values.hpp"
#include "security/file_util.hpp"

namespace timecoin {

namespace {

/// Both files hold only what the node wrote; others may read its peers.
constexpr mode_t book_file_mode = 0600;

} // namespace

loaded_book
load_book(const std::string& path, bool local, uint64_t seed,
          const std::array<uint8_t, address_book_key_bytes>& new_key,
          int64_t now) {
  auto file = security::read_bounded(path, max_book_file_bytes);
  std::string err;
  if (file.status == security::read_status::ok) {
    auto book = address_book::from_json(file.text, local, seed, err, now);
    if (book)
      return loaded_book{std::move(*book), {}};
  } else if (file.status != security::read_status::missing) {
    err = file.why;
  }
  loaded_book out{address_book{new_key, local, seed}, {}};
  if (!err.empty()) {
    auto aside = path + ".corrupt";
    if (std::rename(path.c_str(), aside.c_str()) == 0)
      out.warning = path + " is not an address book (" + err + "): moved to "
                    + aside + ", starting with an empty book";
    else
      out.warning = path + " is not an address book (" + err
                    + "), and cannot be moved aside: starting with an empty "
                      "book";
  }
  return out;
}

bool save_book(const std::string& path, const address_book& book,
               std::string& err) {
  return security::replace_file(path, book.to_json(), book_file_mode, err);
}

std::vector<std::string> take_anchors(const std::string& path,
                                      std::size_t max) {
  std::vector<std::string> out;
  auto file = security::read_bounded(path, max_book_file_bytes);
  if (file.status != security::read_status::ok)
    return out;
  std::remove(path.c_str());
  auto doc = nlohmann::json::parse(file.text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("anchors")
      || !doc["anchors"].is_array())
    return out;
  for (const auto& a : doc["anchors"])
    if (out.size() < max && a.is_string()
        && parse_peer_address(a.get<std::string>()))
      out.push_back(a.get<std::string>());
  return out;
}

bool save_anchors(const std::string& path,
                  const std::vector<std::string>& anchors, std::string& err) {
  nlohmann::json doc;
  doc["anchors"] = anchors;
  return security::replace_file(path, doc.dump(), book_file_mode, err);
}

} // namespace timecoin
