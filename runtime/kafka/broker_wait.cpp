#include "runtime/kafka/broker_wait.h"

#include <algorithm>
#include <iostream>
#include <thread>

namespace flamestream {

namespace {
constexpr auto kFirstPause = std::chrono::milliseconds(100);
constexpr auto kLongestPause = std::chrono::milliseconds(5000);
constexpr auto kStep = std::chrono::milliseconds(50);  // how soon `quit` is heard
}  // namespace

BrokerWait::BrokerWait(std::chrono::milliseconds limit, std::function<bool()> quit)
    : limit_(limit), quit_(std::move(quit)), pause_(kFirstPause) {}

std::chrono::milliseconds BrokerWait::left() const {
  if (limit_.count() == 0) return std::chrono::milliseconds::max();
  const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_);
  return std::max(limit_ - spent, std::chrono::milliseconds(0));
}

int BrokerWait::try_ms(int cap_ms) const {
  // At least 1 ms: librdkafka reads 0 as "do not wait at all", which no try can use.
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(left().count(), 1, cap_ms));
}

bool BrokerWait::again(const std::string& message) {
  if (!said_) std::cerr << message << "\n";
  said_ = true;
  for (auto waited = std::chrono::milliseconds(0); waited < pause_; waited += kStep) {
    if ((quit_ && quit_()) || left().count() == 0) return false;
    std::this_thread::sleep_for(std::min({kStep, pause_ - waited, left()}));
  }
  pause_ = std::min(pause_ * 2, kLongestPause);
  return !(quit_ && quit_()) && left().count() > 0;
}

std::string BrokerWait::retrying() const {
  return "; retrying with a growing pause (0.1 s doubling to 5 s) " +
         (limit_.count() == 0 ? std::string("until one answers")
                              : "for up to " + std::to_string((limit_.count() + 999) / 1000) + " s");
}

}  // namespace flamestream
