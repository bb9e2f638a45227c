#include "runtime/cli/tail_client.h"

#include <chrono>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "runtime/security/curve.h"
#include "sink/output_log.h"

namespace flamestream {

namespace {
constexpr auto kPoll = std::chrono::milliseconds(100);
constexpr auto kRecheck = std::chrono::seconds(1);  // a silent instance's worker: asked again
constexpr auto kSilence = std::chrono::minutes(5);
}  // namespace

Timestamp TailClient::KeyOrder::time(const Line& a) const { return OutputLog::order_key_time(a.key); }

TailClient::TailClient(std::uint64_t tick, std::string sink, std::vector<Instance> instances,
                       Replaced replaced, const ClusterKey* key)
    : tick_(tick), sink_(std::move(sink)), replaced_(std::move(replaced)), key_(key), merge_(instances.size()) {
  for (Instance& i : instances) {
    channels_.push_back(Channel{std::move(i), zmq::socket_t{}});
    connect(channels_.back());
  }
}

void TailClient::connect(Channel& c) {
  // A fresh socket: an answer to a request sent on the old one never arrives.
  c.socket = zmq::socket_t(context_, zmq::socket_type::dealer);
  c.socket.set(zmq::sockopt::linger, 0);
  secure_client(c.socket, key_);
  c.socket.connect(c.instance.registration.endpoint);
  c.asked = false;
}

void TailClient::ask(Channel& c) {
  c.socket.send(zmq::buffer(wire::encode({tick_, 0, wire::TailRequest{sink_, c.offset}})), zmq::send_flags::none);
  c.asked = true;
}

void TailClient::run(std::ostream& out) {
  run([&](std::string_view line) { out << line << '\n'; }, [&] { out.flush(); });
  out.flush();
}

void TailClient::run(const LineFn& on_line, const std::function<void()>& on_idle,
                     std::chrono::microseconds idle_pause) {
  std::vector<zmq::pollitem_t> items(channels_.size());
  auto print = [&](const Line& l) { on_line(l.line); };
  for (;;) {
    bool all_done = true;
    for (std::size_t i = 0; i < channels_.size(); ++i) {
      Channel& c = channels_[i];
      all_done = all_done && c.done;
      if (!c.done && !c.asked) ask(c);
      items[i] = {c.socket.handle(), 0, static_cast<short>(c.done ? 0 : ZMQ_POLLIN), 0};
    }
    if (all_done) break;
    bool idle = true;
    if (zmq::poll(items.data(), items.size(), kPoll) > 0) {
      for (std::size_t i = 0; i < channels_.size(); ++i) {
        if (!(items[i].revents & ZMQ_POLLIN)) continue;
        Channel& c = channels_[i];
        zmq::message_t bytes;
        if (!c.socket.recv(bytes, zmq::recv_flags::dontwait)) continue;
        c.asked = false;
        c.last_answer = std::chrono::steady_clock::now();
        const wire::Message m = wire::decode(bytes.to_string_view(), wire::sized_for({0, 1 << 20}, bytes.size()));
        const auto* reply = std::get_if<wire::TailReply>(&m.body);
        if (!reply) throw std::runtime_error("the sink's worker sent something other than output");
        if (reply->offset < c.offset) continue;  // cannot happen with one request at a time; never print twice
        if (reply->offset > c.offset) report_removed(c, reply->offset);
        idle = idle && reply->lines.empty();
        take(i, *reply);
      }
      merge_.drain(print);
    }
    check_silent();
    check_watch();
    if (idle) {
      on_idle();
      std::this_thread::sleep_for(idle_pause);  // a poll costs the workers little
    }
  }
  merge_.drain(print);
}

void TailClient::report_removed(Channel& c, std::uint64_t first_kept) {
  std::cerr << "flamestream tail: lines " << c.offset << ".." << first_kept - 1 << " of sink '" << sink_
            << "' on worker '" << c.instance.worker
            << "' were removed by its output log's retention (flamestream worker --output-retention-mib); "
               "reading on from line "
            << first_kept << "\n";
  c.offset = first_kept;
  ++removed_reports_;
}

void TailClient::check_silent() {
  const auto now = std::chrono::steady_clock::now();
  for (Channel& c : channels_) {
    if (c.done || now - c.last_answer < kRecheck || now - c.last_check < kRecheck) continue;
    c.last_check = now;
    // The worker may have been replaced, and the request lost with the old process: its output
    // log is on disk, read on from `offset`.
    if (auto again = replaced_(c.instance.worker, c.instance.registration)) {
      c.instance.registration = *again;
      connect(c);
      c.last_answer = now;
    }
    if (now - c.last_answer > kSilence)
      throw std::runtime_error("the worker '" + c.instance.worker + "' hosting sink '" + sink_ +
                               "' did not answer for 5 minutes");
  }
}

void TailClient::check_watch() {
  const auto now = std::chrono::steady_clock::now();
  if (!watch_ || now - last_watch_ < kRecheck) return;
  last_watch_ = now;
  watch_();
}

void TailClient::take(std::size_t i, const wire::TailReply& reply) {
  Channel& c = channels_[i];
  if (reply.keys.size() != reply.lines.size())
    throw std::runtime_error("the worker '" + c.instance.worker + "' sent lines without their order keys");
  for (std::size_t k = 0; k < reply.lines.size(); ++k) merge_.push(i, Line{reply.keys[k], reply.lines[k]});
  c.offset += reply.lines.size();
  merge_.advance(i, reply.released_to);
  c.done = reply.done;
  if (c.done) merge_.advance(i, kInfinity);
}

}  // namespace flamestream
