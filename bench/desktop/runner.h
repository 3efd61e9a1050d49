#pragma once

#include <QString>

#include "seed.h"

namespace messenger::bench::desktop {

struct RunOptions {
  SeedOptions seed;
  int runs = 5;         // new-process starts (each figure is a median over these)
  int open_runs = 5;    // cold opens (each on a new profile) and warm opens
  int scroll_runs = 1;  // cold scroll (server pages) then warm scroll (cache), per profile
  int scroll_target = 10'000;
  int scroll_max = 0;  // scroll on to this many rows after the target, within the budget
  int scroll_budget_s = 120;
  int child_timeout_s = 90;
  int timeout_s = 1'200;  // the whole run
  QString json_file;
  bool check = false;  // exit status 1 unless every figure was measured
};

/// Starts a messenger-server (client/core/test/test_server.h), seeds it, runs the probes of
/// probe.h in child processes of this executable, prints one summary line and writes the
/// figures (median, min, max, every run) as JSON. Returns the exit status.
int run_bench(const RunOptions& options);

}  // namespace messenger::bench::desktop
