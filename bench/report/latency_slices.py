#!/usr/bin/env python3
"""Latency over time, from messenger-bench's --latency-log.

Prints, per step, one line per time slice of the send times: deliveries, p50, p99 and max
latency. A tail that comes in episodes (a stall every few hundred ms) shows up here, where a
whole-run percentile only says how much of it there was.

Usage: latency_slices.py LOG [--slice-ms 100] [--over-ms 0]
  --over-ms X   print only the slices whose p99 is above X ms (0: every slice)
"""

import argparse
import sys
from collections import defaultdict


def percentile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * q))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log")
    parser.add_argument("--slice-ms", type=float, default=100)
    parser.add_argument("--over-ms", type=float, default=0)
    args = parser.parse_args()
    slice_ns = int(args.slice_ms * 1e6)

    steps = defaultdict(list)
    with open(args.log) as log:
        for line in log:
            if line.startswith("#") or not line.strip():
                continue
            step, sent, latency = (int(field) for field in line.split())
            steps[step].append((sent, latency))
    if not steps:
        sys.exit(f"{args.log}: no deliveries")

    for step in sorted(steps):
        rows = steps[step]
        start = rows[0][0]
        slices = defaultdict(list)
        for sent, latency in rows:
            slices[(sent - start) // slice_ns].append(latency)
        everything = sorted(latency for _, latency in rows)
        print(f"step {step}: {len(rows)} deliveries, p50 {percentile(everything, 0.5) / 1e6:.2f} ms,"
              f" p99 {percentile(everything, 0.99) / 1e6:.2f} ms, max {everything[-1] / 1e6:.2f} ms")
        print(f"  {'from_ms':>8} {'count':>6} {'p50_ms':>7} {'p99_ms':>7} {'max_ms':>7}")
        shown = 0
        for index in sorted(slices):
            values = sorted(slices[index])
            p99 = percentile(values, 0.99) / 1e6
            if p99 <= args.over_ms:
                continue
            shown += 1
            print(f"  {index * args.slice_ms:8.0f} {len(values):6d} {percentile(values, 0.5) / 1e6:7.2f}"
                  f" {p99:7.2f} {values[-1] / 1e6:7.2f}")
        print(f"  {shown} of {len(slices)} slices shown")


if __name__ == "__main__":
    main()
