#pragma once

#include <chrono>
#include <string>
#include <unordered_map>

namespace messenger::service {

/// Counts failed logins per key (a username, or a remote address) in a fixed window.
/// Once a key reaches its limit, attempts are refused until the window that started with its
/// first failure has passed, whether or not the password would be right.
class LoginThrottle {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  LoginThrottle(int max_per_user, int max_per_address, std::chrono::seconds window)
      : max_per_user_(max_per_user), max_per_address_(max_per_address), window_(window) {}

  [[nodiscard]] bool blocked(const std::string& user, const std::string& address,
                             TimePoint now) const {
    return over(users_, user, max_per_user_, now) ||
           over(addresses_, address, max_per_address_, now);
  }

  void record_failure(const std::string& user, const std::string& address, TimePoint now) {
    bump(users_, user, now);
    bump(addresses_, address, now);
  }

  void record_success(const std::string& user) { users_.erase(user); }

 private:
  struct Window {
    TimePoint start;
    int failures = 0;
  };
  using Map = std::unordered_map<std::string, Window>;
  // Bounds memory when many names or addresses fail: expired windows are dropped at this size.
  static constexpr std::size_t kPruneAt = 100'000;

  bool over(const Map& map, const std::string& key, int max, TimePoint now) const {
    auto it = map.find(key);
    return it != map.end() && now - it->second.start < window_ && it->second.failures >= max;
  }

  void bump(Map& map, const std::string& key, TimePoint now) {
    if (map.size() >= kPruneAt) {
      std::erase_if(map, [&](const auto& entry) { return now - entry.second.start >= window_; });
    }
    auto& w = map[key];
    if (w.failures == 0 || now - w.start >= window_) {
      w.start = now;
      w.failures = 0;
    }
    ++w.failures;
  }

  int max_per_user_;
  int max_per_address_;
  std::chrono::seconds window_;
  Map users_;
  Map addresses_;
};

}  // namespace messenger::service
