#include "runtime/engine/ingest_client.h"

#include <stdexcept>

#include "model/errors.h"
#include "runtime/wire/codec.h"

namespace flamestream {

IngestClient::IngestClient(zmq::context_t& context, const std::string& endpoint, std::string front,
                           Options options)
    : socket_(context, zmq::socket_type::dealer), front_(std::move(front)), options_(options) {
  socket_.set(zmq::sockopt::linger, 1000);
  socket_.connect(endpoint);
}

std::uint64_t IngestClient::stream(Source& source, const std::function<bool()>& keep_going,
                                   const std::function<void(std::uint64_t)>& progress) {
  std::vector<std::string> batch;
  std::uint64_t first_line = 1;
  bool more = true;
  while (more) {
    batch.clear();
    std::optional<Line> line;
    while (batch.size() < options_.batch_lines && (line = source.next())) {
      if (batch.empty()) first_line = line->number;
      batch.push_back(std::move(line->text));
    }
    more = batch.size() == options_.batch_lines;
    while (outstanding_ >= options_.window) await_one(keep_going);
    send_batch(first_line, std::move(batch), !more);
    if (progress) progress(accepted_);
  }
  while (outstanding_ > 0) await_one(keep_going);
  return accepted_;
}

void IngestClient::send_batch(std::uint64_t first_line, std::vector<std::string> lines, bool close) {
  const std::string bytes =
      wire::encode({options_.tick, 0, wire::IngestLines{front_, first_line, std::move(lines), close}});
  socket_.send(zmq::buffer(bytes), zmq::send_flags::none);
  ++outstanding_;
}

void IngestClient::await_one(const std::function<bool()>& keep_going) {
  const auto deadline = std::chrono::steady_clock::now() + options_.reply_timeout;
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  while (zmq::poll(&item, 1, std::chrono::milliseconds(100)) <= 0) {
    if (!keep_going()) throw std::runtime_error("ingest abandoned: the engine stopped");
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("front '" + front_ + "' did not answer within " +
                               std::to_string(options_.reply_timeout.count() / 1000) + " s");
  }
  zmq::message_t reply;
  if (!socket_.recv(reply)) return;
  wire::Message m = wire::decode(reply.to_string_view(), wire::Limits{0, 1 << 20});
  const auto* ack = std::get_if<wire::IngestAck>(&m.body);
  if (!ack) throw std::runtime_error("front '" + front_ + "' sent something other than an ack");
  --outstanding_;
  accepted_ += ack->accepted;
  if (!ack->error.empty()) throw InputError(ack->error);
}

}  // namespace flamestream
