#include "apps/rpc/caf_backend.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>

namespace timecoin::rpc {

namespace {

/// Sends one request and waits for its single reply of type `T`.
template <class T, class... Ts>
result<T, backend_error> ask(caf::actor_system& sys, const node_actor& node,
                             std::chrono::milliseconds timeout,
                             const std::function<backend_error(
                               const caf::error&)>& describe,
                             Ts&&... xs) {
  if (!node)
    return backend_error{"the node is not running"};
  caf::scoped_actor self{sys};
  result<T, backend_error> out = backend_error{"no reply from the node"};
  self->request(node, timeout, std::forward<Ts>(xs)...)
    .receive([&](T& reply) { out = std::move(reply); },
             [&](caf::error& err) { out = describe(err); });
  return out;
}

} // namespace

caf_backend::caf_backend(caf::actor_system& sys, node_actor node,
                         std::function<void()> on_stop,
                         std::chrono::milliseconds timeout)
  : sys_(sys),
    node_(std::move(node)),
    on_stop_(std::move(on_stop)),
    timeout_(timeout) {
  // nop
}

backend_error caf_backend::describe(const caf::error& err) const {
  if (err == caf::sec::request_timeout)
    return backend_error{"the node did not answer within "
                         + std::to_string(timeout_.count()) + " ms"};
  if (err == caf::sec::request_receiver_down)
    return backend_error{"the node is not running"};
  return backend_error{"the node failed: " + sys_.render(err)};
}

result<network_info, backend_error> caf_backend::status() {
  return ask<network_info>(sys_, node_, timeout_,
                           [this](const caf::error& e) { return describe(e); },
                           status_atom::value);
}

result<std::vector<peer_info>, backend_error> caf_backend::peers() {
  return ask<std::vector<peer_info>>(
    sys_, node_, timeout_, [this](const caf::error& e) { return describe(e); },
    peers_atom::value);
}

result<std::vector<added_node_info>, backend_error> caf_backend::added_nodes() {
  return ask<std::vector<added_node_info>>(
    sys_, node_, timeout_, [this](const caf::error& e) { return describe(e); },
    addednodes_atom::value);
}

result<bool, backend_error> caf_backend::addnode(const std::string& addr,
                                                 addnode_mode mode) {
  return ask<bool>(sys_, node_, timeout_,
                   [this](const caf::error& e) { return describe(e); },
                   addnode_atom::value, addr, static_cast<uint8_t>(mode));
}

result<bool, backend_error> caf_backend::disconnect(const std::string& target) {
  return ask<bool>(sys_, node_, timeout_,
                   [this](const caf::error& e) { return describe(e); },
                   disconn_atom::value, target);
}

result<bool, backend_error> caf_backend::setban(const std::string& subnet,
                                                bool add, int64_t seconds) {
  return ask<bool>(sys_, node_, timeout_,
                   [this](const caf::error& e) { return describe(e); },
                   setban_atom::value, subnet, add, seconds);
}

result<std::vector<ban_info>, backend_error> caf_backend::list_banned() {
  return ask<std::vector<ban_info>>(
    sys_, node_, timeout_, [this](const caf::error& e) { return describe(e); },
    listbans_atom::value);
}

result<bool, backend_error> caf_backend::clear_banned() {
  return ask<bool>(sys_, node_, timeout_,
                   [this](const caf::error& e) { return describe(e); },
                   clearbans_atom::value);
}

void caf_backend::request_stop() {
  if (on_stop_)
    on_stop_();
}

} // namespace timecoin::rpc
