#include "runtime/engine/ingest_client.h"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "model/errors.h"
#include "runtime/engine/wall_clock.h"
#include "runtime/security/curve.h"
#include "runtime/wire/codec.h"

namespace flamestream {

namespace {

constexpr auto kPoll = std::chrono::milliseconds(100);
constexpr auto kRelocateEvery = std::chrono::milliseconds(500);

}  // namespace

IngestClient::IngestClient(zmq::context_t& context, const std::vector<std::string>& endpoints,
                           std::string front, Options options)
    : context_(context), front_(std::move(front)), options_(std::move(options)) {
  check_invariant(!endpoints.empty(), "an ingest client needs at least one front instance");
  channels_.resize(endpoints.size());
  for (std::size_t i = 0; i < endpoints.size(); ++i) connect(channels_[i], endpoints[i]);
}

void IngestClient::connect(Channel& channel, const std::string& endpoint) {
  // A fresh socket: replies meant for the old one (to batches sent again now) never arrive.
  channel.socket = zmq::socket_t(context_, zmq::socket_type::dealer);
  channel.socket.set(zmq::sockopt::linger, 1000);
  secure_client(channel.socket, options_.key);
  channel.socket.connect(endpoint);
  channel.endpoint = endpoint;
}

std::uint64_t IngestClient::stream(Source& source, const std::function<bool()>& keep_going,
                                   const std::function<void(std::uint64_t)>& progress) {
  bind_all(keep_going);
  // A source that fails to read ends the stream where it failed: the lines before are sent and
  // the instances closed (else the job would wait for the rest forever), then the error goes on.
  std::exception_ptr read_error;
  auto next_line = [&]() -> std::optional<Line> {
    try {
      return source.next();
    } catch (...) {
      read_error = std::current_exception();
      return std::nullopt;
    }
  };
  bool more = true;
  std::vector<Line> round;
  while (more && !refused_) {
    // A round leaves full (batch_lines, dealt out over the instances), at the end, or when the
    // source would wait for input: lines of a live stream go on at once rather than wait for a
    // round to fill. The round does not grow with the instances: what is in flight (window rounds)
    // is items every worker holds until every front got past them (DESIGN §6), so it would cost
    // memory and latency with every worker added.
    round.clear();
    const std::size_t round_lines = std::max(options_.batch_lines, channels_.size());
    std::size_t round_bytes = 0;
    while (round.size() < round_lines && round_bytes < options_.batch_bytes &&
           (round.empty() || source.ready())) {
      std::optional<Line> line = next_line();
      if (!line) {
        more = false;
        break;
      }
      round_bytes += line->text.size();
      round.push_back(std::move(*line));
    }
    if (round.empty()) break;
    // Every instance must have room before the round's times are given: a promise made while
    // waiting (promise_all) lies below them. Meanwhile every instance learns how far the input got:
    // one whose admission waits for the minimal time would otherwise wait for one that waits for
    // the client, which waits for the first.
    for (const Channel& c : channels_) {
      while (c.unacked.size() >= options_.window && !refused_) {
        promise_all();
        await_one(keep_going);
      }
    }
    if (refused_) break;
    send_round(round);
    // The input pauses here: no instance may hold back the lines sent so far meanwhile.
    if (more && !source.ready()) promise_all();
    if (progress) progress(accepted_);
  }
  close_all(keep_going);
  if (refused_) throw InputError(*refused_);
  if (read_error) std::rethrow_exception(read_error);
  return accepted_;
}

void IngestClient::send_round(std::vector<Line>& round) {
  const std::size_t stride = std::min(channels_.size(), round.size());
  const Timestamp first = next_time(round.size());
  for (std::size_t j = 0; j < stride; ++j) {
    Batch batch;
    batch.first_ts = first + j;
    batch.stride = stride;
    batch.first_line = round[j].number;
    batch.promise = next_ts_;
    for (std::size_t i = j; i < round.size(); i += stride) batch.lines.push_back(std::move(round[i].text));
    send(channels_[j], std::move(batch));
  }
  unpromised_ = true;
}

Timestamp IngestClient::next_time(std::size_t lines) {
  const Timestamp first = std::max(wall_ns(), next_ts_);
  next_ts_ = slot_end(first + lines);
  return first;
}

Timestamp IngestClient::slot_end(Timestamp ts) const {
  return ts + (slot_width_ - ts % slot_width_) % slot_width_;
}

void IngestClient::bind_all(const std::function<bool()>& keep_going) {
  for (Channel& c : channels_) send(c, Batch::binding(c.next_seq));
  for (const Channel& c : channels_)
    while (!c.unacked.empty()) await_one(keep_going);
  for (const Channel& c : channels_) {
    next_ts_ = std::max(next_ts_, c.next_ts);
    slot_width_ = std::max<Timestamp>(slot_width_, c.slot_width);
  }
}

void IngestClient::promise_all() {
  if (!unpromised_) return;
  unpromised_ = false;
  next_ts_ = slot_end(std::max(wall_ns(), next_ts_));
  for (Channel& c : channels_)
    if (c.promised < next_ts_) send(c, Batch::promising(c.next_seq, next_ts_));
}

void IngestClient::close_all(const std::function<bool()>& keep_going) {
  for (Channel& c : channels_) send(c, Batch::closing(c.next_seq));
  for (const Channel& c : channels_)
    while (!c.unacked.empty()) await_one(keep_going);
}

void IngestClient::send(Channel& channel, Batch batch) {
  batch.seq = channel.next_seq;
  channel.next_seq += batch.lines.size();
  channel.promised = std::max(channel.promised, batch.promise);
  const std::string bytes = wire::encode(
      {options_.tick, 0,
       wire::IngestLines{front_, batch.seq, batch.lines, batch.close, batch.bind, batch.first_ts,
                         batch.promise, batch.first_line, batch.stride}});
  channel.socket.send(zmq::buffer(bytes), zmq::send_flags::none);
  channel.unacked.push_back(std::move(batch));
}

void IngestClient::send_again(Channel& channel, const std::string& endpoint) {
  connect(channel, endpoint);
  ++resends_;
  std::deque<Batch> batches = std::move(channel.unacked);
  channel.unacked.clear();
  channel.next_seq = batches.empty() ? channel.next_seq : batches.front().seq;
  for (Batch& b : batches) send(channel, std::move(b));
}

void IngestClient::await_one(const std::function<bool()>& keep_going) {
  std::vector<zmq::pollitem_t> items;
  std::vector<Channel*> waiting;
  for (Channel& c : channels_) {
    if (c.unacked.empty()) continue;
    items.push_back({c.socket.handle(), 0, ZMQ_POLLIN, 0});
    waiting.push_back(&c);
  }
  if (items.empty()) return;
  auto deadline = std::chrono::steady_clock::now() + options_.reply_timeout;
  auto next_relocate = std::chrono::steady_clock::now() + kRelocateEvery;
  while (zmq::poll(items.data(), items.size(), kPoll) <= 0) {
    if (!keep_going()) throw std::runtime_error("ingest abandoned: the engine stopped");
    const auto now = std::chrono::steady_clock::now();
    if (options_.relocate && now >= next_relocate) {
      next_relocate = now + kRelocateEvery;
      for (std::size_t k = 0; k < waiting.size(); ++k) {
        const auto i = static_cast<std::size_t>(waiting[k] - channels_.data());
        if (auto moved = options_.relocate(i)) {
          send_again(*waiting[k], *moved);
          items[k].socket = waiting[k]->socket.handle();
          deadline = now + options_.reply_timeout;
        }
      }
    }
    if (now > deadline)
      throw std::runtime_error("front '" + front_ + "' did not answer within " +
                               std::to_string(options_.reply_timeout.count() / 1000) + " s");
  }
  for (std::size_t k = 0; k < items.size(); ++k)
    if (items[k].revents & ZMQ_POLLIN) take_reply(*waiting[k]);
}

void IngestClient::take_reply(Channel& channel) {
  zmq::message_t reply;
  if (!channel.socket.recv(reply, zmq::recv_flags::dontwait)) return;
  wire::Message m = wire::decode(reply.to_string_view(), wire::sized_for({0, 1 << 20}, reply.size()));
  const auto* ack = std::get_if<wire::IngestAck>(&m.body);
  if (!ack) throw std::runtime_error("front '" + front_ + "' sent something other than an ack");
  if (ack->retry) return send_again(channel, channel.endpoint);
  if (channel.unacked.empty() || ack->seq != channel.unacked.front().seq) return;  // to a batch sent again
  const Batch batch = std::move(channel.unacked.front());
  channel.unacked.pop_front();
  accepted_ += ack->accepted;
  if (batch.bind) {
    channel.next_ts = ack->next_ts;
    channel.slot_width = std::max<Timestamp>(1, ack->slot_width);
  }
  if (ack->error.empty() || refused_) return;
  // The first refusal: what came after it in the input is not part of it.
  refused_ = ack->error;
  refused_at_ = batch.first_ts + ack->accepted * batch.stride;
  if (options_.on_refused) options_.on_refused(*refused_at_);
}

}  // namespace flamestream
