"""Delivery latency (p50 and p99) against the offered rate, one colour per server, log scales, as
a PNG drawn by gnuplot (installed by bench/peers/install.sh, not by the product's install).

Saturated steps are drawn too: their percentiles are of what was delivered by the end of the
drain, a lower bound, which is what a saturated server looks like."""
import pathlib
import shutil
import subprocess
import tempfile

from tables import label, order

# gnuplot's own colours differ between terminals; these stay readable on white.
COLOURS = ["#1f77b4", "#9467bd", "#d62728", "#ff7f0e", "#2ca02c", "#8c564b", "#e377c2",
           "#7f7f7f"]


def has_gnuplot():
    return shutil.which("gnuplot") is not None


def _terminal():
    probe = subprocess.run(["gnuplot", "-e", "set terminal pngcairo"], capture_output=True,
                           text=True, check=False)
    if probe.returncode == 0 and "unknown" not in probe.stderr:
        return "set terminal pngcairo size 1000,620 font 'DejaVu Sans,10'"
    return "set terminal png size 1000,620"


def _quote(text):
    return text.replace("\\", "\\\\").replace("'", "''").replace("*", "")


def draw(results, name, png, title):
    """Draws the NAME series (chat-1000, fanout-200, ...) of every server into PNG; returns the
    number of servers drawn."""
    series = sorted((s for (_, n), s in results.series.items()
                     if n == name and any(step.p99 > 0 for step in s.steps)),
                    key=lambda s: order(s.server))
    if not series:
        return 0
    unit = "messages sent" if series[0].scenario == "fanout" else "messages"
    with tempfile.TemporaryDirectory() as work:
        plots = []
        for index, s in enumerate(series):
            data = pathlib.Path(work) / f"{index}.dat"
            # A step with nothing delivered inside its window has no latency to draw.
            data.write_text("".join(f"{step.rate} {max(step.p50, 0.01)} {step.p99}\n"
                                    for step in s.steps if step.p99 > 0))
            colour = COLOURS[order(s.server)[0] % len(COLOURS)]  # one colour per server
            server = _quote(label(s.server))
            plots.append(f"'{data}' using 1:3 with linespoints lc rgb '{colour}' lw 2 pt 7 "
                         f"dt 1 title '{server}: p99'")
            plots.append(f"'{data}' using 1:2 with linespoints lc rgb '{colour}' lw 1 pt 6 "
                         f"dt 2 title '{server}: p50'")
        plots.append("1000 with lines dt 3 lc rgb '#888888' title 'p99 limit of a clean step (1 s)'")
        script = "\n".join([
            _terminal(),
            f"set output '{png}'",
            f"set title '{_quote(title)}'",
            "set logscale xy",
            "set format x '%.0s%c'",
            f"set xlabel 'offered rate ({unit}/s, log scale)'",
            "set ylabel 'delivery latency (ms, log scale)'",
            "set grid xtics ytics mxtics mytics lc rgb '#dddddd'",
            "set key outside right top",
            "set offsets graph 0.04, graph 0.04, graph 0.04, graph 0.04",
            "plot " + ", \\\n     ".join(plots),
            "",
        ])
        path = pathlib.Path(work) / "chart.gp"
        path.write_text(script)
        subprocess.run(["gnuplot", str(path)], check=True)
    return len(series)
