#!/usr/bin/env python3
"""Prints the JSON results of compare.sh (OUT_DIR/*.json) as Markdown tables.

usage: bench/peers/table.py OUT_DIR
"""
import json
import pathlib
import re
import sys


def load(directory):
    runs = []
    for path in sorted(pathlib.Path(directory).glob("*.json")):
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        match = re.match(r"(.+?)-(chat|fanout|connect|idle|setup)(?:-(\d+))?$", path.stem)
        if not match:
            continue
        runs.append((match.group(1), match.group(2), int(match.group(3) or 0), result))
    return runs


def load_runs(runs):
    print("| server | scenario | offered msg/s | sent/s | delivered/s | delivery p50 | p99 "
          "| server CPU µs/delivery | server CPU % | bench µs/delivery | server RSS | clean |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for tag, scenario, rate, r in sorted(runs, key=lambda x: (x[0], x[1], x[2])):
        if scenario not in ("chat", "fanout") or "throughput" not in r:
            continue
        t, lat, server = r["throughput"], r["latency_ms"]["delivery"], r.get("server", {})
        members = r["config"].get("members")
        name = f"fanout {members}" if members else f"chat {r['config']['clients']}"
        rss = server.get("rss_bytes")
        # Per delivery: per message for chat, per receipt at one member for fanout (the JSON of
        # the first series, before cpu_us_per_delivery, had that figure as cpu_us_per_msg).
        def per_delivery(cpu):
            return cpu.get("cpu_us_per_delivery", cpu.get("cpu_us_per_msg", 0))
        print(f"| {tag} | {name} | {rate:,} | {t['sent_per_s']:,.0f} | {t['delivered_per_s']:,.0f} "
              f"| {lat['p50']:.1f} ms | {lat['p99']:.1f} ms | {per_delivery(server):.0f} "
              f"| {server.get('cpu_percent', 0):.0f} | {per_delivery(r['generator']):.0f} "
              f"| {rss / 2**20 if rss else 0:.0f} MiB | {'yes' if r['ok'] else 'no'} |")


def idle_runs(runs):
    print("| server | connections | logins/s | login p50 | p99 | server CPU µs/login "
          "| RSS before → idle | per connection |")
    print("|---|---|---|---|---|---|---|---|")
    for tag, scenario, _, r in runs:
        if scenario not in ("connect", "idle") or "connect" not in r:
            continue
        c, s = r["connect"], r.get("server", {})
        lat = c["login_latency_ms"]
        print(f"| {tag} | {c['ready']}/{c['attempted']} | {c['logins_per_s']:,.0f} "
              f"| {lat['p50']:.0f} ms | {lat['p99']:.0f} ms | {s.get('cpu_us_per_login', 0):,.0f} "
              f"| {s.get('rss_before', 0) / 2**20:.1f} → {s.get('rss_idle', 0) / 2**20:.1f} MiB "
              f"| {s.get('rss_per_connection', 0) / 1024:.1f} KiB |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    all_runs = load(sys.argv[1])
    idle_runs(all_runs)
    print()
    load_runs(all_runs)
