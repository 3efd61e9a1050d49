"""Reads the JSON results of bench/compare.sh (OUT_DIR/SERVER/NAME.json, and NAME@RATE.json for
the XMPP mode's one-rate runs) and of the former bench/peers/compare.sh (OUT_DIR/TAG-chat-RATE.json,
TAG-fanout-RATE.json, TAG-idle.json) into rate series and connect runs.

A step is *saturated* by the rule messenger-bench --rates applies (bench/src/steps.cpp): any
error, delivered below 90% of the offered deliveries, delivery p99 above 1 s, or deliveries still
missing at the end of the drain. The highest unsaturated step is the series' clean rate.
"""
import dataclasses
import json
import pathlib
import re

MIN_DELIVERED_FRACTION = 0.9
MAX_P99_MS = 1000.0


@dataclasses.dataclass
class Step:
    rate: float
    offered_deliveries: float
    delivered_per_s: float
    p50: float
    p99: float
    p999: float
    server_cpu_us: float
    server_cpu_percent: float
    bench_cpu_us: float
    saturation: str


@dataclasses.dataclass
class Series:
    """The rate steps of one chat or fanout run (or of one-rate runs) against one server."""
    server: str
    name: str  # chat-1000, fanout-200, ...
    scenario: str  # chat or fanout
    size: int  # clients or members
    steps: list
    failure: str = ""

    def clean(self):
        """The highest step that did not saturate, or None."""
        ok = [s for s in self.steps if not s.saturation]
        return max(ok, key=lambda s: s.rate) if ok else None

    def first_saturated(self):
        saturated = [s for s in self.steps if s.saturation]
        return min(saturated, key=lambda s: s.rate) if saturated else None


@dataclasses.dataclass
class Connect:
    server: str
    name: str  # connect-1000, connect-1000-token
    connections: int
    ready: int
    auth: str
    logins_per_s: float
    p50: float
    p99: float
    server_cpu_us: float
    rss_before: float
    rss_idle: float
    rss_per_connection: float  # (idle - before) / connections
    rss_per_burst: float  # (right after the burst - before) / connections
    bench_cpu_us: float
    failure: str = ""


def _per_delivery(cpu):
    return cpu.get("cpu_us_per_delivery", cpu.get("cpu_us_per_msg", 0.0)) if cpu else 0.0


def _error_count(result, step):
    """Errors of a one-step result (the XMPP mode's; messenger-bench's steps carry a verdict)."""
    errors = step.get("counts", {}).get("send_errors", 0)
    return errors + sum(v for v in result.get("errors", {}).values() if isinstance(v, int))


def saturation(result, step):
    """Why a step saturated ('' if it did not); messenger-bench's own verdict when it gave one."""
    if "saturated" in step:
        return step.get("saturation", "saturated") if step["saturated"] else ""
    errors = _error_count(result, step)
    if errors:
        kinds = {k: v for k, v in result.get("errors", {}).items() if isinstance(v, int)}
        top = f" (most: {max(kinds, key=kinds.get)})" if kinds else ""
        return f"{errors} errors{top}"
    offered = step.get("offered_deliveries_per_s")
    if offered is None:
        config = result["config"]
        offered = config["offered_rate"] * (config.get("members", 2) - 1)
    delivered = step["throughput"]["delivered_per_s"]
    if delivered < MIN_DELIVERED_FRACTION * offered:
        return f"delivered {delivered:.0f}/s < 90% of offered {offered:.0f}/s"
    p99 = step["latency_ms"]["delivery"]["p99"]
    if p99 > MAX_P99_MS:
        return f"p99 {p99:.0f}ms > 1000ms"
    counts = step.get("counts", {})
    if counts.get("drained") is False and counts.get("undelivered", 0):
        return f"{counts['undelivered']} deliveries still missing after the drain"
    return ""


def _step(result, step):
    config = result["config"]
    rate = step.get("offered_rate", config.get("offered_rate", 0.0))
    receivers = config.get("members", 2) - 1
    latency = step["latency_ms"]["delivery"]
    server = step.get("server", {})
    return Step(rate=float(rate),
                offered_deliveries=step.get("offered_deliveries_per_s", rate * receivers),
                delivered_per_s=step["throughput"]["delivered_per_s"],
                p50=latency.get("p50", 0.0), p99=latency.get("p99", 0.0),
                p999=latency.get("p999", 0.0), server_cpu_us=_per_delivery(server),
                server_cpu_percent=server.get("cpu_percent", 0.0),
                bench_cpu_us=_per_delivery(step.get("generator")),
                saturation=saturation(result, step))


def _steps(result):
    if "fatal" in result:
        return []
    if result.get("steps"):
        return [_step(result, s) for s in result["steps"]]
    if "throughput" in result:
        return [_step(result, result)]
    return []


def _connect(server, name, result):
    c = result.get("connect", {})
    s = result.get("server", {})
    lat = c.get("login_latency_ms") or result.get("latency_ms", {}).get("login", {})
    return Connect(server=server, name=name, connections=result["config"].get("connections", 0),
                   ready=c.get("ready", 0), auth=result["config"].get("auth", "password"),
                   logins_per_s=c.get("logins_per_s", 0.0), p50=lat.get("p50", 0.0),
                   p99=lat.get("p99", 0.0), server_cpu_us=s.get("cpu_us_per_login", 0.0),
                   rss_before=s.get("rss_before", 0), rss_idle=s.get("rss_idle", 0),
                   rss_per_connection=s.get("rss_per_connection", 0.0),
                   rss_per_burst=s.get("rss_per_connection_after_burst", 0.0),
                   bench_cpu_us=result.get("generator", {}).get("cpu_us_per_login", 0.0),
                   failure=result.get("fatal", ""))


class Results:
    def __init__(self):
        self.series = {}  # (server, name) -> Series
        self.connects = []

    def add(self, server, name, result):
        scenario = result.get("scenario")
        if scenario in ("connect", "idle"):
            self.connects.append(_connect(server, name, result))
            return
        if scenario not in ("chat", "fanout"):
            return
        config = result.get("config", {})
        size = config.get("members") or config.get("clients", 0)
        key = (server, name)
        if key not in self.series:
            self.series[key] = Series(server, name, scenario, size, [])
        series = self.series[key]
        series.steps.extend(_steps(result))
        series.steps.sort(key=lambda s: s.rate)
        if "fatal" in result:
            series.failure = result["fatal"]

    def names(self, prefix):
        """Scenario names (chat-1000, ...) in the order of their size, largest first."""
        names = {n for (_, n) in self.series} | {c.name for c in self.connects}
        picked = [n for n in names if n.startswith(prefix)]
        return sorted(picked, key=lambda n: [-int(x) if x.isdigit() else 0 for x in n.split("-")])


def _read(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def load(directory):
    """Every run under DIRECTORY, in either layout."""
    results = Results()
    root = pathlib.Path(directory)
    for path in sorted(root.glob("*/*.json")):
        result = _read(path)
        if result is not None and path.stem != "state":
            results.add(path.parent.name, path.stem.split("@")[0], result)
    # The former bench/peers/compare.sh: TAG-chat-RATE, TAG-fanout-RATE, TAG-idle, flat.
    for path in sorted(root.glob("*.json")):
        match = re.match(r"(.+?)-(chat|fanout|connect|idle)(?:-(\d+))?$", path.stem)
        result = _read(path) if match else None
        if result is None:
            continue
        tag, scenario = match.group(1), match.group(2)
        config = result.get("config", {})
        if scenario in ("connect", "idle"):
            name = f"connect-{config.get('connections', 0)}"
        elif scenario == "fanout":
            name = f"fanout-{config.get('members', 0)}"
        else:
            name = f"chat-{config.get('clients', 0)}"
        results.add(tag, name, result)
    return results
