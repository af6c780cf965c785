"""The HTTP API under a bounded load from a second process on loopback: requests/s, p50/p99.

Starts `appeals serve` (the shipped model, or --model) on a free port of 127.0.0.1,
warms it up, then runs locust headless in a separate process, three scenarios:

  single, 500/s     single-text requests offered at a fixed 500/s (the target);
  single, max       single-text requests, each user sending the next on an answer;
  batch of 100      requests of 100 texts, each user sending the next on an answer.

Every scenario is bounded in time (--seconds) and in count (--max-requests), and
only 127.0.0.1 is ever targeted. Texts come from data/test.csv.

    pip install locust      # the load generator; not a dependency of the project
    python benchmarks/service_load.py [--seconds 20] [--users 16] [--rate 500]

Locust rather than an asyncio httpx client: httpx costs ~1.6 ms of CPU per request,
so on a 2-core machine the client, not the server, set the figures. locust's
FastHttpUser costs ~0.25 ms.

This file is also the locustfile: locust imports it and finds the user classes below.
"""

from __future__ import annotations

import csv
import json
import os
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # load never leaves loopback
ENV_RATE = "APPEALS_LOAD_RATE"  # requests/s over all users; 0: closed loop
ENV_MAX = "APPEALS_LOAD_MAX_REQUESTS"

try:
    from locust import FastHttpUser, constant, constant_throughput, task
except ImportError:  # running as the driver without locust: main() says what to install
    FastHttpUser = None

if FastHttpUser is not None:
    with (ROOT / "data" / "test.csv").open(encoding="utf-8", newline="") as f:
        TEXTS = [row["text"] for row in csv.DictReader(f)]
    _sent = 0

    def _count(user) -> None:
        """Stop the whole run after $APPEALS_LOAD_MAX_REQUESTS requests."""
        global _sent
        _sent += 1
        if _sent >= int(os.environ.get(ENV_MAX, "100000")):
            user.environment.runner.quit()

    def _wait(users: int):
        rate = float(os.environ.get(ENV_RATE, "0"))
        return constant_throughput(rate / users) if rate > 0 else constant(0)

    class SingleText(FastHttpUser):
        """One text per request."""

        wait_time = _wait(int(os.environ.get("LOCUST_USERS", "16")))

        @task
        def classify(self) -> None:
            body = json.dumps({"texts": [random.choice(TEXTS)]}, ensure_ascii=False)
            self.client.post(
                "/v1/classify", data=body.encode(), headers={"content-type": "application/json"}
            )
            _count(self)

    class BatchOf100(FastHttpUser):
        """100 texts with ids per request."""

        wait_time = constant(0)

        @task
        def classify(self) -> None:
            items = [{"id": i, "text": t} for i, t in enumerate(random.choices(TEXTS, k=100))]
            body = json.dumps({"items": items}, ensure_ascii=False)
            self.client.post(
                "/v1/classify", data=body.encode(), headers={"content-type": "application/json"}
            )
            _count(self)


def main() -> None:
    """Start the server, run the scenarios, print a Markdown table."""
    import argparse
    import shutil
    import signal
    import socket
    import subprocess
    import sys
    import tempfile
    import time

    import httpx

    parser = argparse.ArgumentParser(description="HTTP API under a bounded load on loopback")
    parser.add_argument("--seconds", type=int, default=20, help="run time of each scenario")
    parser.add_argument("--max-requests", type=int, default=20_000, help="cap per scenario")
    parser.add_argument("--users", type=int, default=16, help="concurrent single-text users")
    parser.add_argument("--batch-users", type=int, default=2)
    parser.add_argument("--rate", type=float, default=500.0, help="offered single-text rate")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--locust", default=shutil.which("locust"), help="locust executable")
    args = parser.parse_args()
    if not args.locust:
        sys.exit("locust not found: pip install locust (or give --locust PATH)")

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    base = f"http://{HOST}:{port}"
    work = Path(tempfile.mkdtemp(prefix="appeals-load-"))
    appeals = shutil.which("appeals", path=str(Path(sys.executable).parent)) or "appeals"
    command = [appeals, "serve", "--host", HOST, "--port", str(port)]
    command += ["--model", str(args.model)] if args.model else []
    env = {k: v for k, v in os.environ.items() if k != "APPEALS_API_TOKEN"}
    with (work / "server.log").open("w", encoding="utf-8") as log:
        server = subprocess.Popen(command, stdout=log, stderr=log, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"server did not start; see {work / 'server.log'}")
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        with httpx.Client(base_url=base) as client:  # warm-up: lemma cache, code paths
            for text in random.Random(0).choices(_texts(), k=300):
                client.post("/v1/classify", json={"texts": [text]})

        scenarios = [
            (f"single text, {args.rate:.0f}/s offered", "SingleText", args.users, args.rate, 1),
            ("single text, max", "SingleText", args.users, 0, 1),
            ("batch of 100, max", "BatchOf100", args.batch_users, 0, 100),
        ]
        rows = []
        for name, user, users, rate, texts in scenarios:
            prefix = work / user.lower()
            run_env = {**env, ENV_RATE: str(rate), ENV_MAX: str(args.max_requests)}
            run_env["LOCUST_USERS"] = str(users)
            subprocess.run(
                [
                    args.locust,
                    "-f",
                    __file__,
                    "--headless",
                    "--host",
                    base,
                    "-u",
                    str(users),
                    "-r",
                    str(users),
                    "-t",
                    f"{args.seconds}s",
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                    user,
                ],
                env=run_env,
                check=False,
                capture_output=True,
                timeout=args.seconds + 60,
            )
            rows.append((name, users, texts, _aggregated(Path(f"{prefix}_stats.csv"))))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()

    print(f"appeals serve on {base}, {os.cpu_count()} CPUs; locust {args.locust}")
    print("| scenario | users | requests | failures | requests/s | texts/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for name, users, texts, s in rows:
        print(
            f"| {name} | {users} | {s['Request Count']} | {s['Failure Count']} "
            f"| {float(s['Requests/s']):.0f} | {float(s['Requests/s']) * texts:.0f} "
            f"| {s['50%']} | {s['99%']} |"
        )
    best = rows[1][3]  # as many single-text requests as the server answers
    met = float(best["Requests/s"]) >= 500 and float(best["99%"]) <= 50
    met = met and best["Failure Count"] == "0"
    print(f"\ntarget >= 500 single-text requests/s at p99 <= 50 ms: {'met' if met else 'NOT met'}")


def _texts() -> list[str]:
    with (ROOT / "data" / "test.csv").open(encoding="utf-8", newline="") as f:
        return [row["text"] for row in csv.DictReader(f)]


def _aggregated(stats: Path) -> dict[str, str]:
    """The 'Aggregated' row of locust's <prefix>_stats.csv."""
    with stats.open(encoding="utf-8", newline="") as f:
        return next(row for row in csv.DictReader(f) if row["Name"] == "Aggregated")


if __name__ == "__main__":
    main()
