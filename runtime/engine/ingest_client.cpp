#include "runtime/engine/ingest_client.h"

#include <exception>
#include <stdexcept>

#include "model/errors.h"
#include "runtime/wire/codec.h"

namespace flamestream {

namespace {

constexpr auto kPoll = std::chrono::milliseconds(100);
constexpr auto kRelocateEvery = std::chrono::milliseconds(500);

}  // namespace

IngestClient::IngestClient(zmq::context_t& context, const std::string& endpoint, std::string front,
                           Options options)
    : context_(context), front_(std::move(front)), options_(std::move(options)) {
  connect(endpoint);
}

void IngestClient::connect(const std::string& endpoint) {
  // A fresh socket: replies meant for the old one (to batches sent again now) never arrive.
  socket_ = zmq::socket_t(context_, zmq::socket_type::dealer);
  socket_.set(zmq::sockopt::linger, 1000);
  socket_.connect(endpoint);
  endpoint_ = endpoint;
}

std::uint64_t IngestClient::stream(Source& source, const std::function<bool()>& keep_going,
                                   const std::function<void(std::uint64_t)>& progress) {
  // A source that fails to read ends the stream where it failed: the lines before are sent and
  // the front closed (else the job would wait for the rest forever), then the error goes on up.
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
  while (more) {
    Batch batch;
    // A batch leaves full, at the end, or when the source would wait for input: lines of a live
    // stream go on at once rather than wait for the batch to fill.
    while (batch.lines.size() < options_.batch_lines && (batch.lines.empty() || source.ready())) {
      std::optional<Line> line = next_line();
      if (!line) {
        more = false;
        break;
      }
      if (batch.lines.empty()) next_seq_ = line->number;
      batch.lines.push_back(std::move(line->text));
    }
    batch.close = !more;
    batch.seq = next_seq_;  // an empty closing batch names the line after the last one
    next_seq_ += batch.lines.size();
    while (unacked_.size() >= options_.window) await_one(keep_going);
    send(batch);
    unacked_.push_back(std::move(batch));
    if (progress) progress(accepted_);
  }
  while (!unacked_.empty()) await_one(keep_going);
  if (read_error) std::rethrow_exception(read_error);
  return accepted_;
}

void IngestClient::send(const Batch& batch) {
  const std::string bytes =
      wire::encode({options_.tick, 0, wire::IngestLines{front_, batch.seq, batch.lines, batch.close}});
  socket_.send(zmq::buffer(bytes), zmq::send_flags::none);
}

void IngestClient::send_again(const std::string& endpoint) {
  connect(endpoint);
  ++resends_;
  for (const Batch& b : unacked_) send(b);
}

void IngestClient::await_one(const std::function<bool()>& keep_going) {
  auto deadline = std::chrono::steady_clock::now() + options_.reply_timeout;
  auto next_relocate = std::chrono::steady_clock::now() + kRelocateEvery;
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  while (zmq::poll(&item, 1, kPoll) <= 0) {
    if (!keep_going()) throw std::runtime_error("ingest abandoned: the engine stopped");
    const auto now = std::chrono::steady_clock::now();
    if (options_.relocate && now >= next_relocate) {
      next_relocate = now + kRelocateEvery;
      if (auto moved = options_.relocate()) {
        send_again(*moved);
        item.socket = socket_.handle();
        deadline = now + options_.reply_timeout;
      }
    }
    if (now > deadline)
      throw std::runtime_error("front '" + front_ + "' did not answer within " +
                               std::to_string(options_.reply_timeout.count() / 1000) + " s");
  }
  zmq::message_t reply;
  if (!socket_.recv(reply)) return;
  wire::Message m = wire::decode(reply.to_string_view(), wire::Limits{0, 1 << 20});
  const auto* ack = std::get_if<wire::IngestAck>(&m.body);
  if (!ack) throw std::runtime_error("front '" + front_ + "' sent something other than an ack");
  if (ack->retry) return send_again(endpoint_);
  if (unacked_.empty() || ack->seq != unacked_.front().seq) return;  // an answer to a batch sent again
  unacked_.pop_front();
  accepted_ += ack->accepted;
  if (!ack->error.empty()) throw InputError(ack->error);
}

}  // namespace flamestream
