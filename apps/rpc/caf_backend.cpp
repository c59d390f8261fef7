#include "apps/rpc/caf_backend.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>

namespace timecoin::rpc {

caf_backend::caf_backend(caf::actor_system& sys, node_actor node,
                         std::function<void()> on_stop,
                         std::chrono::milliseconds timeout,
                         std::chrono::milliseconds generate_timeout)
  : sys_(sys),
    node_(std::move(node)),
    on_stop_(std::move(on_stop)),
    timeout_(timeout),
    generate_timeout_(generate_timeout) {
  // nop
}

template <class T, class... Ts>
result<T, backend_error> caf_backend::ask(std::chrono::milliseconds timeout,
                                          Ts&&... xs) {
  if (!node_)
    return backend_error{"the node is not running"};
  caf::scoped_actor self{sys_};
  result<T, backend_error> out = backend_error{"no reply from the node"};
  self->request(node_, timeout, std::forward<Ts>(xs)...)
    .receive([&](T& reply) { out = std::move(reply); },
             [&](caf::error& err) { out = describe(err, timeout); });
  return out;
}

backend_error caf_backend::describe(const caf::error& err,
                                    std::chrono::milliseconds timeout) const {
  if (err == caf::sec::request_timeout)
    return backend_error{"the node did not answer within "
                         + std::to_string(timeout.count()) + " ms"};
  if (err == caf::sec::request_receiver_down)
    return backend_error{"the node is not running"};
  // The node refuses a request with runtime_error and a one-line reason
  // (as error_message() in actors/node.cpp reads it).
  const auto& ctx = err.context();
  if (err.category() == caf::atom("system")
      && err.code() == static_cast<uint8_t>(caf::sec::runtime_error)
      && ctx.match_elements<std::string>())
    return backend_error{ctx.get_as<std::string>(0), backend_errc::refused};
  return backend_error{"the node failed: " + sys_.render(err)};
}

result<network_info, backend_error> caf_backend::status() {
  return ask<network_info>(timeout_, status_atom::value);
}

result<std::vector<peer_info>, backend_error> caf_backend::peers() {
  return ask<std::vector<peer_info>>(timeout_, peers_atom::value);
}

result<std::vector<added_node_info>, backend_error> caf_backend::added_nodes() {
  return ask<std::vector<added_node_info>>(timeout_, addednodes_atom::value);
}

result<std::vector<node_address_info>, backend_error>
caf_backend::node_addresses(uint32_t count) {
  return ask<std::vector<node_address_info>>(timeout_, nodeaddrs_atom::value,
                                             count);
}

result<bool, backend_error>
caf_backend::add_peer_address(const std::string& host, uint16_t port) {
  return ask<bool>(timeout_, addpeeradr_atom::value, host, port);
}

result<std::string, backend_error>
caf_backend::send_to(const std::string& owner_hex, uint64_t units) {
  return ask<std::string>(timeout_, sendto_atom::value, owner_hex, units);
}

result<std::vector<masternode_info>, backend_error> caf_backend::masternodes() {
  return ask<std::vector<masternode_info>>(timeout_, mnlist_atom::value);
}

result<bool, backend_error> caf_backend::addnode(const std::string& addr,
                                                 addnode_mode mode) {
  return ask<bool>(timeout_, addnode_atom::value, addr,
                   static_cast<uint8_t>(mode));
}

result<bool, backend_error> caf_backend::disconnect(const std::string& target) {
  return ask<bool>(timeout_, disconn_atom::value, target);
}

result<bool, backend_error> caf_backend::setban(const std::string& subnet,
                                                bool add, int64_t seconds) {
  return ask<bool>(timeout_, setban_atom::value, subnet, add, seconds);
}

result<std::vector<ban_info>, backend_error> caf_backend::list_banned() {
  return ask<std::vector<ban_info>>(timeout_, listbans_atom::value);
}

result<bool, backend_error> caf_backend::clear_banned() {
  return ask<bool>(timeout_, clearbans_atom::value);
}

result<chain_info, backend_error> caf_backend::chain() {
  return ask<chain_info>(timeout_, chaininfo_atom::value);
}

result<std::string, backend_error> caf_backend::block_hash(uint64_t height) {
  return ask<std::string>(timeout_, blockhash_atom::value, height);
}

result<block_info, backend_error>
caf_backend::block(const std::string& hash_or_height) {
  return ask<block_info>(timeout_, getblock_atom::value, hash_or_height);
}

result<std::vector<std::string>, backend_error>
caf_backend::generate(uint32_t n, uint32_t txs) {
  return ask<std::vector<std::string>>(generate_timeout_, generate_atom::value,
                                       n, txs);
}

result<std::string, backend_error> caf_backend::verify_chain() {
  return ask<std::string>(timeout_, verifychain_atom::value);
}

result<metrics_snapshot, backend_error> caf_backend::metrics() {
  return ask<metrics_snapshot>(timeout_, metrics_atom::value);
}

void caf_backend::request_stop() {
  if (on_stop_)
    on_stop_();
}

} // namespace timecoin::rpc
