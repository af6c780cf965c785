"""The HTTP API from a cold start under wrk load from separate processes on loopback.

Starts `appeals serve` (the shipped model, or --model; --workers N) on a free port of
127.0.0.1, records how long it takes to answer /health and its memory, then, with no
warm-up requests of ours, runs wrk (the OS package: apt-get install wrk) headless:

  single text      single-text requests on --connections connections;
  batch of 100     requests of 100 texts, once per --batch-connections count (2 and 4:
                   with 2 a client waits for each answer, so the server idles between
                   them; 4 keeps it busy, which is its throughput);
  single + large   single-text requests as above while a second wrk keeps two
                   connections busy with in-limit ~1.2 MB requests of 1,000 texts.

Every scenario runs --seconds and only 127.0.0.1 is ever targeted; texts come from
data/test.csv. wrk is a C client on one thread (-t1): it costs the server's cores
far less than a Python client would.

    python benchmarks/service_load.py [--seconds 10] [--connections 16] [--workers 1]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # load never leaves loopback
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    requests: int
    requests_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    non_2xx: int
    errors: int


def texts() -> list[str]:
    """The appeal texts of data/test.csv."""
    with (ROOT / "data" / "test.csv").open(encoding="utf-8", newline="") as f:
        return [row["text"] for row in csv.DictReader(f)]


def wrk_script(path: Path, bodies: list[bytes]) -> Path:
    """Write a wrk Lua script that POSTs the bodies to /v1/classify in turn."""
    parts = ["local bodies = {"]
    for body in bodies:
        parts.append("[==[" + body.decode("utf-8") + "]==],")
    parts.append("}")
    parts.append(
        "local i = 0\n"
        'local headers = {["Content-Type"] = "application/json"}\n'
        "request = function()\n"
        "  i = i % #bodies + 1\n"
        '  return wrk.format("POST", "/v1/classify", headers, bodies[i])\n'
        "end\n"
    )
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def start_wrk(wrk: str, base: str, script: Path, connections: int, seconds: int):
    """Start wrk in its own process; return the Popen."""
    command = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    command += ["-s", str(script), base]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def parse_wrk(output: str) -> WrkResult:
    """Read requests, requests/s, p50/p99/max latency and failures from wrk's report."""

    def ms(value: str) -> float:
        match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
        if match is None:
            raise ValueError(f"cannot read wrk's report:\n{output}")
        number, unit = match.groups()
        return float(number) * UNITS[unit]

    def field(pattern: str, default: str = "0") -> str:
        match = re.search(pattern, output, re.MULTILINE)
        return match.group(1) if match else default

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    return WrkResult(
        requests=int(field(r"(\d+) requests in")),
        requests_s=float(field(r"Requests/sec:\s+([\d.]+)")),
        p50_ms=ms(field(r"^\s*50%\s+(\S+)", "0ms")),
        p99_ms=ms(field(r"^\s*99%\s+(\S+)", "0ms")),
        max_ms=ms(field(r"Latency\s+\S+\s+\S+\s+(\S+)", "0ms")),
        non_2xx=int(field(r"Non-2xx or 3xx responses:\s+(\d+)")),
        errors=errors,
    )


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn's workers), in MB."""
    total = 0.0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


def main() -> None:
    """Start the server, run the scenarios, print Markdown tables."""
    import httpx

    parser = argparse.ArgumentParser(description="HTTP API under wrk load on loopback")
    parser.add_argument("--seconds", type=int, default=10, help="run time of each scenario")
    parser.add_argument("--connections", type=int, default=16, help="single-text connections")
    parser.add_argument(
        "--batch-connections", type=int, nargs="+", default=[2, 4], help="one run per count"
    )
    parser.add_argument("--workers", type=int, default=1, help="appeals serve --workers")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--log-level", default="info", help="the server's; info logs each request")
    parser.add_argument("--wrk", default=shutil.which("wrk"), help="wrk executable")
    args = parser.parse_args()
    if not args.wrk:
        sys.exit("wrk not found: apt-get install wrk (or give --wrk PATH)")

    pool = texts()
    rng = random.Random(0)
    work = Path(tempfile.mkdtemp(prefix="appeals-load-"))
    dumps = lambda body: json.dumps(body, ensure_ascii=False).encode()  # noqa: E731
    single = wrk_script(
        work / "single.lua", [dumps({"texts": [rng.choice(pool)]}) for _ in range(500)]
    )
    batch = wrk_script(
        work / "batch.lua",
        [
            dumps({"items": [{"id": i, "text": t} for i, t in enumerate(rng.choices(pool, k=100))]})
            for _ in range(50)
        ],
    )
    long_texts = []  # ~650 characters, ~1.3 KB of mostly Cyrillic UTF-8 each
    while len(long_texts) < 1000:
        text = ""
        while len(text) < 650:
            text += rng.choice(pool) + " "
        long_texts.append(text[:650])
    large_body = dumps({"texts": long_texts})
    large = wrk_script(work / "large.lua", [large_body])

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    base = f"http://{HOST}:{port}"
    appeals = shutil.which("appeals", path=str(Path(sys.executable).parent))
    command = [appeals] if appeals else [sys.executable, "-m", "classifier.cli"]
    command += ["serve", "--host", HOST, "--port", str(port)]
    command += ["--workers", str(args.workers)] if args.workers > 1 else []
    command += ["--model", str(args.model)] if args.model else []
    command += ["--log-level", args.log_level]  # info: one JSON access-log line per request
    env = {k: v for k, v in os.environ.items() if k != "APPEALS_API_TOKEN"}
    started = time.monotonic()
    with (work / "server.log").open("w", encoding="utf-8") as log:
        server = subprocess.Popen(command, stdout=log, stderr=log, env=env)
    try:
        deadline = started + 120
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"server did not start; see {work / 'server.log'}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        startup_s = time.monotonic() - started
        if args.workers > 1:  # /health came from one worker: give the others time to warm
            time.sleep(5)
        memory = rss_mb(server.pid)

        rows: list[tuple[str, int, int, WrkResult]] = []
        runs = [("single text, cold start", single, args.connections, 1)]
        runs += [("batch of 100", batch, n, 100) for n in args.batch_connections]
        for name, script, connections, per_request in runs:
            out = start_wrk(args.wrk, base, script, connections, args.seconds).communicate()[0]
            rows.append((name, connections, per_request, parse_wrk(out)))
        background = start_wrk(args.wrk, base, large, 2, args.seconds + 2)
        time.sleep(1)
        out = start_wrk(args.wrk, base, single, args.connections, args.seconds).communicate()[0]
        mb = f"{len(large_body) / 1e6:.1f} MB"
        rows.append((f"single text beside 2 x {mb} batches", args.connections, 1, parse_wrk(out)))
        rows.append(
            (f"the {mb} batches (1,000 texts)", 2, 1000, parse_wrk(background.communicate()[0]))
        )
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    print(
        f"appeals serve --workers {args.workers} on {base}, {os.cpu_count()} CPUs; "
        f"{args.wrk} -t1, {args.seconds} s per scenario"
    )
    print(
        f"start-up to the first /health: {startup_s:.1f} s; resident memory {memory:.0f} MB; "
        f"large request body {len(large_body) / 1e6:.2f} MB"
    )
    print()
    print(
        "| scenario | connections | requests | non-2xx | errors | requests/s | texts/s "
        "| p50 ms | p99 ms | max ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, connections, per_request, r in rows:
        print(
            f"| {name} | {connections} | {r.requests} | {r.non_2xx} | {r.errors} "
            f"| {r.requests_s:.0f} | {r.requests_s * per_request:.0f} "
            f"| {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.max_ms:.1f} |"
        )
    single_run = rows[0][3]
    batch_rates = [r.requests_s * 100 for name, _, _, r in rows if name == "batch of 100"]
    met = single_run.requests_s >= 1000 and single_run.p99_ms <= 50
    met = met and single_run.non_2xx == 0 and single_run.errors == 0
    print(
        f"\ntarget >= 1,000 single-text requests/s at p99 <= 50 ms, no non-2xx: "
        f"{'met' if met else 'NOT met'}"
    )
    rate = max(batch_rates)
    print(
        f"target >= 8,000 texts/s in batches of 100 (the best connection count): "
        f"{'met' if rate >= 8000 else 'NOT met'} ({rate:.0f})"
    )


if __name__ == "__main__":
    main()
