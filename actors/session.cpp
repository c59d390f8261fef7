#include "actors/session.hpp"

#include <algorithm>
#include <type_traits>
#include <variant>

#include <sodium.h>

#include "protocol/codec.hpp"
#include "protocol/printable.hpp"

namespace timecoin {

peer_session::peer_session(session_config cfg, session_events& events,
                           conn_stats& stats)
  : cfg_(std::move(cfg)), events_(events), stats_(stats) {}

peer_session::~peer_session() = default;

const std::optional<proto::hello>& peer_session::peer() const {
  static const std::optional<proto::hello> none;
  return hs_ ? hs_->peer_hello() : none;
}

void peer_session::start() {
  if (cfg_.tls) {
    tls_ = std::make_unique<security::tls_session>(
      cfg_.tls, cfg_.role == security::conn_role::dialer
                  ? security::tls_role::client
                  : security::tls_role::server);
    tls_->start();
  } else {
    begin_handshake();
  }
  flush();
}

void peer_session::begin_handshake() {
  proto::hash256 binding{};
  std::optional<proto::hash256> peer_key;
  if (tls_) {
    if (auto b = tls_->exporter_binding())
      binding = *b;
    peer_key = tls_->peer_public_key();
  }
  hs_.emplace(*cfg_.key, cfg_.local ? cfg_.local() : security::local_info{},
              cfg_.role, binding, peer_key, cfg_.admit);
  send(hs_->make_hello(cfg_.unix_now()));
}

// --------------------------------------------------------------- receiving

void peer_session::receive(const uint8_t* data, std::size_t size,
                           time_point now) {
  if (closing_)
    return;
  got_bytes_ = true;
  stats_.bytes_received.fetch_add(size, std::memory_order_relaxed);
  if (!tls_) {
    on_plaintext(data, size, now);
  } else {
    plain_in_.clear();
    auto was_established = tls_->established();
    auto status = tls_->receive(data, size, plain_in_);
    if (status == security::tls_status::failed) {
      auto why = "TLS failure: " + tls_->last_error();
      flush(); // the TLS alert
      finish(close_reason::tls_failure, why, false);
      return;
    }
    if (!was_established && tls_->established())
      begin_handshake();
    if (!plain_in_.empty())
      on_plaintext(plain_in_.data(), plain_in_.size(), now);
    if (status == security::tls_status::closed) {
      close(close_reason::peer_closed, "TLS close_notify");
      return;
    }
  }
  if (!closing_) {
    flush();
    shrink();
  }
}

bool is_response(proto::msg_type t) {
  switch (t) {
    case proto::msg_type::peers:
    case proto::msg_type::masternodes:
    case proto::msg_type::tip:
    case proto::msg_type::blocks:
    case proto::msg_type::hashes:
    case proto::msg_type::utxo_chunk:
    case proto::msg_type::not_found:
    case proto::msg_type::headers:
    case proto::msg_type::pong: return true;
    default: return false;
  }
}

/// Whether `payload` answers a request of ours that is pending: such answers
/// are not charged to the byte budget (we asked for them).
bool peer_session::is_answer(const proto::bytes& payload) const {
  if (pending_.empty())
    return false;
  auto head = proto::peek_type_and_id(payload.data(), payload.size());
  return head && head->second != 0
         && is_response(static_cast<proto::msg_type>(head->first))
         && pending_.count(head->second) > 0;
}

void peer_session::on_plaintext(const uint8_t* data, std::size_t size,
                                time_point now) {
  if (size > 0)
    decoder_.feed(data, size);
  while (!closing_) {
    decoder_.set_awaiting_answers(!pending_.empty() || now < answers_until_);
    switch (decoder_.next(payload_)) {
      case proto::frame_status::frame:
        // Charged before decoding: a flood costs us no MessagePack work.
        switch (events_.on_frame(payload_, is_answer(payload_), now)) {
          case frame_verdict::pass:
            now_ = now;
            handle_payload(payload_);
            break;
          case frame_verdict::drop: break;
          case frame_verdict::flood:
            violation(security::violation::flood,
                      "over its rate limit for too long");
            break;
        }
        continue;
      case proto::frame_status::need_more: return;
      case proto::frame_status::frame_too_large:
        violation(security::violation::oversized_frame,
                  "frame length over "
                    + std::to_string(decoder_.max_payload()));
        return;
      case proto::frame_status::type_too_large:
        violation(security::violation::oversized_frame,
                  "frame over the limit of its message type ("
                    + std::to_string(decoder_.refused_limit()) + " bytes)");
        return;
      case proto::frame_status::empty_frame:
        violation(security::violation::malformed_frame, "empty frame");
        return;
    }
  }
}

void peer_session::handle_payload(const proto::bytes& payload) {
  auto msg = proto::decode(payload);
  if (!msg) {
    const auto& err = msg.error();
    if (err.code == proto::decode_errc::unknown_type && connected_) {
      stats_.unknown_messages.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    violation(security::violation::malformed_frame,
              std::string{"malformed message: "} + err.detail);
    return;
  }
  stats_.messages_received.fetch_add(1, std::memory_order_relaxed);
  if (connected_) {
    dispatch(*msg);
    return;
  }
  if (!hs_) {
    violation(security::violation::message_before_handshake,
              "message before HELLO was possible");
    return;
  }
  auto step = hs_->on_message(*msg, cfg_.unix_now());
  if (step.warning)
    events_.on_warning(*step.warning);
  for (auto& m : step.send)
    send(m);
  if (step.failure) {
    auto type = msg->type();
    if (step.failure->violation) {
      // Only a HELLO_AUTH checked against the peer's HELLO failed its
      // signature; one before any HELLO is out of order, as a second HELLO.
      auto checked = type == proto::msg_type::hello_auth && hs_->peer_hello();
      charge(checked ? security::violation::bad_signature
             : type == proto::msg_type::hello
                 || type == proto::msg_type::hello_auth
                 || type == proto::msg_type::reject
               ? security::violation::protocol
               : security::violation::message_before_handshake,
             "handshake failed: " + step.failure->reason);
    }
    close(step.failure->violation           ? close_reason::violation
          : type == proto::msg_type::reject ? close_reason::peer_reject
                                            : close_reason::local,
          "handshake failed: " + step.failure->reason);
    return;
  }
  if (step.connected) {
    connected_ = true;
    decoder_.set_max_payload(proto::max_frame_bytes);
    decoder_.set_type_limits(true);
    events_.on_connected(*hs_->peer_hello());
  }
}

void peer_session::dispatch(proto::message& msg) {
  // A response to one of our requests. Only answer types: the peer numbers
  // its own requests independently, so a request of theirs may carry the id
  // of one of ours.
  if (msg.id != 0 && is_response(msg.type())) {
    auto i = pending_.find(msg.id);
    if (i != pending_.end()) {
      pending_.erase(i);
      events_.on_answer(msg.id, msg);
      return;
    }
  }
  switch (msg.type()) {
    case proto::msg_type::ping: {
      auto& p = std::get<proto::ping>(msg.content);
      events_.on_height(p.best_height);
      send(proto::message{0, proto::pong{p.nonce, cfg_.height()}});
      return;
    }
    case proto::msg_type::pong: {
      auto& p = std::get<proto::pong>(msg.content);
      events_.on_height(p.best_height);
      if (ping_sent_ && p.nonce == ping_nonce_) {
        auto rtt = now_ - *ping_sent_;
        stats_.ping_rtt_us.store(
          std::chrono::duration_cast<std::chrono::microseconds>(rtt).count(),
          std::memory_order_relaxed);
        ping_sent_.reset();
      }
      return;
    }
    case proto::msg_type::bye:
      close(close_reason::peer_bye,
            "peer said BYE: "
              + printable(std::get<proto::bye>(msg.content).reason, 128));
      return;
    case proto::msg_type::reject:
      close(close_reason::peer_reject,
            "peer sent REJECT: "
              + printable(std::get<proto::reject>(msg.content).reason, 128));
      return;
    case proto::msg_type::hello:
    case proto::msg_type::hello_auth:
      violation(security::violation::protocol,
                "handshake message after the handshake");
      return;
    default: events_.on_message(msg);
  }
}

// ----------------------------------------------------------------- sending

std::size_t approx_bytes(const proto::message& msg) {
  constexpr std::size_t overhead = 32;
  return std::visit(
    [](const auto& body) -> std::size_t {
      using T = std::decay_t<decltype(body)>;
      if constexpr (std::is_same_v<T, proto::gossip>) {
        return overhead + 96 + body.payload.size() + body.sender.size();
      } else if constexpr (std::is_same_v<T, proto::blocks>) {
        std::size_t n = overhead;
        for (const auto& b : body.items) {
          n += 256;
          for (const auto& tx : b.transactions)
            n += 16 + 110 * tx.inputs.size() + 48 * tx.outputs.size();
        }
        return n;
      } else if constexpr (std::is_same_v<T, proto::masternodes>) {
        std::size_t n = overhead;
        for (const auto& e : body.entries)
          n += 128 + e.payload.size() + e.sender.size();
        return n;
      } else if constexpr (std::is_same_v<T, proto::peers>) {
        std::size_t n = overhead;
        for (const auto& e : body.entries)
          n += 64 + e.host.size();
        return n;
      } else if constexpr (std::is_same_v<T, proto::hashes>) {
        return overhead + 34 * body.items.size();
      } else if constexpr (std::is_same_v<T, proto::headers>) {
        return overhead + 240 * body.items.size();
      } else if constexpr (std::is_same_v<T, proto::utxo_chunk>) {
        return overhead + 110 * body.entries.size();
      } else {
        return overhead + 256;
      }
    },
    msg.content);
}

void peer_session::encode(const proto::message& msg) {
  proto::append_frame(plain_out_, msg);
  stats_.messages_sent.fetch_add(1, std::memory_order_relaxed);
  if (plain_out_.size() >= flush_threshold_bytes)
    flush();
}

bool peer_session::send(const proto::message& msg,
                        const shared_message& shared) {
  if (closing_)
    return false;
  if (!congested_ && backlog_.empty()) {
    encode(msg);
    if (closing_ || plain_out_.empty() || flush_due_)
      return false;
    flush_due_ = true;
    return true;
  }
  backlog_bytes_ += approx_bytes(msg);
  backlog_.push_back(shared ? shared
                            : std::make_shared<const proto::message>(msg));
  const auto queued = queued_bytes();
  stats_.send_queue_bytes.store(queued, std::memory_order_relaxed);
  if (backlog_.size() > max_send_queue_messages
      || queued > max_send_queue_bytes) {
    stats_.send_overflows.fetch_add(1, std::memory_order_relaxed);
    auto why = "send queue over its bound (" + std::to_string(backlog_.size())
               + " messages, " + std::to_string(queued)
               + " bytes): the peer does not read";
    backlog_.clear();
    backlog_bytes_ = 0;
    close(close_reason::send_queue_full, why);
  }
  return false;
}

void peer_session::write_wire() {
  if (wire_out_.empty())
    return;
  stats_.bytes_sent.fetch_add(wire_out_.size(), std::memory_order_relaxed);
  events_.on_wire(wire_out_.data(), wire_out_.size());
  wire_out_.clear();
}

void peer_session::flush() {
  flush_due_ = false;
  if (closing_)
    return;
  if (tls_) {
    if (!plain_out_.empty() && tls_->established()) {
      const auto size = plain_out_.size();
      for (std::size_t off = 0; off < size; off += tls_write_chunk_bytes) {
        auto n = std::min(tls_write_chunk_bytes, size - off);
        if (!tls_->send(plain_out_.data() + off, n)) {
          finish(close_reason::tls_failure,
                 "TLS write failed: " + tls_->last_error(), false);
          return;
        }
        tls_->take_output(wire_out_);
        write_wire();
      }
      plain_out_.clear();
    }
    tls_->take_output(wire_out_);
  } else {
    wire_out_.swap(plain_out_);
    plain_out_.clear();
  }
  write_wire();
  unsent_ = events_.on_wire_flush();
  congested_ = unsent_ >= write_high_water_bytes;
}

void peer_session::transport_drained(std::size_t unsent) {
  if (closing_)
    return;
  unsent_ = unsent;
  congested_ = unsent_ >= write_high_water_bytes;
  if (!congested_ && !backlog_.empty())
    drain_backlog(false);
}

void peer_session::drain_backlog(bool everything) {
  while (!backlog_.empty() && !closing_ && (everything || !congested_)) {
    auto msg = std::move(backlog_.front());
    backlog_.pop_front();
    backlog_bytes_ -= std::min(backlog_bytes_, approx_bytes(*msg));
    encode(*msg);
  }
  if (backlog_.empty())
    backlog_bytes_ = 0;
  if (!closing_)
    flush();
  stats_.send_queue_bytes.store(queued_bytes(), std::memory_order_relaxed);
}

// ---------------------------------------------------------------- requests

uint64_t peer_session::new_request_id(time_point now) {
  answers_until_ = now + 2 * request_timeout;
  return next_request_id_++;
}

uint64_t peer_session::request(proto::message& msg, time_point now) {
  msg.id = new_request_id(now);
  pending_.insert(msg.id);
  return msg.id;
}

bool peer_session::expire(uint64_t id) {
  return pending_.erase(id) > 0;
}

// ------------------------------------------------------------------ timers

void peer_session::handshake_deadline() {
  if (connected_ || closing_)
    return;
  // A peer that dialled us and then stalls holds a slot: a violation.
  if (cfg_.role == security::conn_role::acceptor)
    charge(security::violation::handshake_timeout,
           "handshake not complete after 10 s");
  close(close_reason::handshake_timeout, "handshake not complete after 10 s");
}

void peer_session::first_bytes_deadline() {
  if (got_bytes_ || connected_ || closing_)
    return;
  close(close_reason::no_first_bytes, "nothing received within 2 s of accept");
}

void peer_session::ping_tick(time_point now) {
  if (closing_ || !connected_)
    return;
  if (ping_sent_) {
    if (now - *ping_sent_ >= ping_timeout)
      close(close_reason::ping_timeout, "no PONG for 90 s");
    return;
  }
  if (cfg_.nonce)
    ping_nonce_ = cfg_.nonce();
  else
    randombytes_buf(&ping_nonce_, sizeof(ping_nonce_));
  ping_sent_ = now;
  send(proto::message{0, proto::ping{ping_nonce_, cfg_.height()}});
  flush();
}

// ----------------------------------------------------------------- closing

void peer_session::close(close_reason why, const std::string& reason) {
  if (closing_)
    return;
  // What was queued before the close still goes out, in order: at most
  // `max_send_queue_bytes`, since the queue is bounded (a queue over its
  // bound is dropped before the close).
  drain_backlog(true);
  if (closing_)
    return; // the last flush failed
  finish(why, reason, true);
}

void peer_session::finish(close_reason why, const std::string& reason,
                          bool notify) {
  if (closing_)
    return;
  closing_ = true;
  if (tls_ && notify) {
    tls_->close();
    wire_out_.clear();
    tls_->take_output(wire_out_);
    write_wire();
    events_.on_wire_flush();
  }
  pending_.clear();
  events_.on_closed(why, reason);
}

void peer_session::reject_and_close(proto::reject_code code,
                                    const std::string& reason,
                                    close_reason why) {
  send(proto::message{0, proto::reject{code, reason}});
  close(why,
        "REJECT " + std::to_string(static_cast<int>(code)) + ": " + reason);
}

void peer_session::violation(security::violation v, const std::string& what) {
  if (closing_)
    return;
  charge(v, what);
  if (!connected_)
    reject_and_close(proto::reject_code::protocol_violation, what,
                     close_reason::violation);
  else
    close(close_reason::violation, "protocol violation: " + what);
}

void peer_session::charge(security::violation v, const std::string& what) {
  stats_.violations.fetch_add(1, std::memory_order_relaxed);
  events_.on_violation(v, what);
}

void peer_session::abort() {
  closing_ = true;
  pending_.clear();
}

void peer_session::shrink() {
  decoder_.shrink(keep_buffer_bytes);
  if (payload_.capacity() > keep_buffer_bytes)
    proto::bytes{}.swap(payload_);
  if (plain_in_.capacity() > keep_buffer_bytes)
    proto::bytes{}.swap(plain_in_);
  if (plain_out_.empty() && plain_out_.capacity() > keep_buffer_bytes)
    proto::bytes{}.swap(plain_out_);
  if (wire_out_.empty() && wire_out_.capacity() > keep_buffer_bytes)
    proto::bytes{}.swap(wire_out_);
}

} // namespace timecoin
