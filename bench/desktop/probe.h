#pragma once

#include <QApplication>
#include <QString>
#include <QUrl>
#include <cstdint>

namespace messenger::bench::desktop {

/// What one measuring child process does. Each child is a new process running the real
/// desktop App (client/desktop/app.h) on a profile folder, so that nothing is warm in memory.
struct ProbeOptions {
  /// prepare: signs in with a password (keep signed in), waits for the sync, quits; with
  ///          `conversation`, opens it as soon as it is listed (the cold open).
  /// start:   resumes the kept login; first frame of the main window, then synced.
  /// open:    resumes, waits for the sync, opens `conversation` (from the cache).
  /// scroll:  as open, then scrolls the message view up until `target` rows are loaded and
  ///          painted, and on to `max` rows within `budget_s`.
  QString mode;
  QString profile_dir;
  /// steady_clock (CLOCK_MONOTONIC) nanoseconds when the parent started this process.
  std::int64_t t0_ns = 0;
  QUrl server;
  QString username;
  QString password;
  std::int64_t conversation = 0;
  int target = 10'000;
  int max = 0;
  int budget_s = 120;
  int timeout_s = 60;
};

/// Runs one probe and prints "RESULT {json}" on stdout. Returns the exit status.
int run_probe(QApplication& application, const ProbeOptions& options, std::int64_t main_ns);

/// steady_clock nanoseconds (the same clock in every process on Linux).
[[nodiscard]] std::int64_t now_ns();

}  // namespace messenger::bench::desktop
