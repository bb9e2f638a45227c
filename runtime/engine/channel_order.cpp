#include "runtime/engine/channel_order.h"

#include <algorithm>

namespace flamestream {

std::string channel_header(std::uint64_t number) {
  std::string frame(kChannelHeaderBytes, '\0');
  for (std::size_t i = 0; i < kChannelHeaderBytes; ++i) frame[i] = static_cast<char>(number >> (8 * i));
  return frame;
}

bool read_channel_header(std::string_view frame, std::uint64_t& number) {
  if (frame.size() != kChannelHeaderBytes) return false;
  number = 0;
  for (std::size_t i = 0; i < kChannelHeaderBytes; ++i)
    number |= static_cast<std::uint64_t>(static_cast<unsigned char>(frame[i])) << (8 * i);
  return true;
}

ChannelOrder::Verdict ChannelOrder::check(const std::string& identity, std::uint64_t number, bool probe) {
  auto it = channels_.find(identity);
  if (it == channels_.end()) {
    if (channels_.size() >= kMaxChannels) {
      channels_.erase(std::min_element(channels_.begin(), channels_.end(), [](const auto& a, const auto& b) {
        return a.second.last_use < b.second.last_use;
      }));
    }
    it = channels_.emplace(identity, Channel{}).first;
  }
  Channel& c = it->second;
  c.last_use = ++uses_;
  if (c.broken) return Verdict::after_gap;
  if (number != c.next) {
    c.broken = true;
    return Verdict::first_gap;
  }
  if (probe) return Verdict::probe;
  ++c.next;
  return Verdict::deliver;
}

}  // namespace flamestream
