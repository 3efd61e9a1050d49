"""Markdown tables of compare.sh results: one per scenario (connect, chat, fanout by size) with
each server's figures and the ratio ours / peer, and the steps of every series."""
OURS = "messenger-sqlite"

LABELS = {
    "messenger-sqlite": "**messenger-server, SQLite**",
    "messenger-mongo": "messenger-server, MongoDB store on FerretDB",
    "ejabberd-on": "ejabberd, archive on",
    "ejabberd-off": "ejabberd, archive off",
    "prosody-on": "Prosody, archive on",
    "prosody-off": "Prosody, archive off",
}
ORDER = list(LABELS)


def label(server):
    return LABELS.get(server, server)


def order(server):
    return (ORDER.index(server) if server in ORDER else len(ORDER), server)


def num(value, digits=0):
    return f"{value:,.{digits}f}"


def ms(value):
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def ratio(ours, peer):
    # A figure at or below zero (RSS that shrank after a garbage collection) has no ratio.
    if ours <= 0 or peer <= 0:
        return "n/a"
    r = ours / peer
    return f"{r:.2f}×" if r < 1 else f"{r:.1f}×" if r < 10 else f"{r:,.0f}×"


def ratios(compared, *pairs):
    """The ratio cells of a row: ours / peer for each (ours, peer) pair, or blanks."""
    return [ratio(ours(), peer) if compared else "" for ours, peer in pairs]


def bounded(cell, ours, peer):
    """A clean-rate ratio is a bound when a series ended before it saturated: at least the ratio
    when ours did not saturate, at most when the peer did not, unknown when neither did."""
    if not cell or cell == "n/a":
        return cell
    ours_open, peer_open = ours.first_saturated() is None, peer.first_saturated() is None
    if ours_open and peer_open:
        return f"n/a (neither saturated; {cell} at the ends)"
    return f"≥ {cell}" if ours_open else f"≤ {cell}" if peer_open else cell


def _row(cells):
    return "| " + " | ".join(cells) + " |"


def connect_table(results, name):
    """Logins of NAME (connect-1000) with the token resumes of the same size."""
    runs = [c for c in results.connects if c.name in (name, name + "-token")]
    runs.sort(key=lambda c: (order(c.server), c.auth))
    ours = next((c for c in runs if c.server == OURS and c.auth == "password"), None)
    lines = [
        _row(["server", "auth", "logged in", "logins/s", "login p50 / p99 (ms)",
              "server CPU per login", "server RSS before → idle",
              "per connection: after the burst / idle",
              "logins/s, ours / peer (higher: ours faster)",
              "RSS per connection, ours / peer (lower: ours smaller)"]),
        "|" + "---|" * 10,
    ]
    for c in runs:
        if c.failure and not c.ready:
            lines.append(_row([label(c.server), c.auth, f"0/{c.connections}",
                               f"failed: {c.failure}"] + [""] * 6))
            continue
        # XMPP has no token resume: a peer's login is compared with our password login.
        peer = ours is not None and c.server != OURS and c.auth != "token"
        lines.append(_row([
            label(c.server), c.auth, f"{c.ready:,}/{c.connections:,}", num(c.logins_per_s),
            f"{ms(c.p50)} / {ms(c.p99)}", f"{num(c.server_cpu_us)} µs",
            f"{c.rss_before / 2**20:.1f} → {c.rss_idle / 2**20:.1f} MiB",
            f"{c.rss_per_burst / 1024:.1f} / {c.rss_per_connection / 1024:.1f} KiB",
        ] + ratios(peer, (lambda: ours.logins_per_s, c.logins_per_s),
                   (lambda: ours.rss_per_connection, c.rss_per_connection))))
    return "\n".join(lines)


def series_table(results, name):
    """The summary of one scenario: each server's highest clean step, and ratios to ours."""
    series = sorted((s for (_, n), s in results.series.items() if n == name),
                    key=lambda s: order(s.server))
    fanout = series[0].scenario == "fanout"
    unit = "delivery" if fanout else "msg"
    reference = next((s for s in series if s.server == OURS), None)
    ours = reference.clean() if reference else None
    lines = [
        _row(["server", "highest clean rate (msg/s)",
              "deliveries/s there" if fanout else "delivered/s there",
              "delivery p50 / p99 there (ms)", f"server CPU per {unit} there (% of a core)",
              f"generator CPU per {unit}", "first saturated step",
              "clean rate, ours / peer (higher: ours faster)",
              f"CPU per {unit}, ours / peer (lower: ours cheaper)"]),
        "|" + "---|" * 9,
    ]
    for s in series:
        clean, first = s.clean(), s.first_saturated()
        saturated = (f"{num(first.rate)}/s: {first.saturation}" if first
                     else "none: the steps (or the time budget) ended first")
        if s.failure and not s.steps:
            lines.append(_row([label(s.server), f"failed: {s.failure}"] + [""] * 7))
            continue
        if clean is None:
            lines.append(_row([label(s.server), "none", "", "", "", "", saturated, "", ""]))
            continue
        peer = ours is not None and s.server != OURS
        lines.append(_row([
            label(s.server), num(clean.rate), num(clean.delivered_per_s),
            f"{ms(clean.p50)} / {ms(clean.p99)}",
            f"{num(clean.server_cpu_us, 1)} µs ({clean.server_cpu_percent:.0f}%)",
            f"{num(clean.bench_cpu_us, 1)} µs", saturated,
        ] + [bounded(ratio(ours.rate, clean.rate) if peer else "", reference, s)] +
            ratios(peer, (lambda: ours.server_cpu_us, clean.server_cpu_us))))
    return "\n".join(lines)


def steps_table(results, name):
    """Every step of every server's NAME series."""
    series = sorted((s for (_, n), s in results.series.items() if n == name),
                    key=lambda s: order(s.server))
    lines = [
        _row(["server", "offered msg/s", "offered deliveries/s", "delivered/s",
              "delivery p50 / p99 / p999 (ms)", "server CPU µs per delivery (%)",
              "generator µs per delivery", "verdict"]),
        "|" + "---|" * 8,
    ]
    for s in series:
        for step in s.steps:
            lines.append(_row([
                label(s.server), num(step.rate), num(step.offered_deliveries),
                num(step.delivered_per_s),
                f"{ms(step.p50)} / {ms(step.p99)} / {ms(step.p999)}" if step.p99 > 0
                else "none recorded",
                f"{num(step.server_cpu_us, 1)} ({step.server_cpu_percent:.0f}%)",
                num(step.bench_cpu_us, 1), step.saturation or "clean",
            ]))
        if s.failure:
            lines.append(_row([label(s.server), "", "", "", "", "", "", f"failed: {s.failure}"]))
    return "\n".join(lines)


def connect_names(results):
    return [n for n in results.names("connect-") if not n.endswith("-token")]


def print_all(results):
    """Every table, for a terminal (compare.sh --no-docs, or an old results directory)."""
    for name in connect_names(results):
        print(f"\n{name}\n\n{connect_table(results, name)}")
    for name in results.names("chat-") + results.names("fanout-"):
        print(f"\n{name}\n\n{series_table(results, name)}\n\n{steps_table(results, name)}")
