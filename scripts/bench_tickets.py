"""Benchmark the ticket queue on this machine: handoffs per second, and claim-next under concurrent processes.

    python3 scripts/bench_tickets.py [--tickets 2000] [--processes 1 2 4] [--db postgresql://...]

Works on a throwaway database in a temp folder (nothing else is touched; no model is loaded), or with --db on
a PostgreSQL database you can throw away (it adds users and tickets). Handoffs run in
this process (two transcript turns each, no translation backend). Then for each process count, that many
counselor processes claim from a queue of --tickets tickets until it is empty; the script checks that no
ticket was claimed twice and prints claims per second. Numbers depend on the disk (every claim is a committed
write transaction).
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _claim_all(location: str, name: str, start, out) -> None:
    from migrant_desk import auth
    from migrant_desk.db import Store
    from migrant_desk.tickets.service import TicketService

    service = TicketService(Store(location))
    user = auth.find_user(service.tickets.db, name)
    got = []
    start.wait()
    while (ticket := service.claim_next(user)) is not None:
        got.append(ticket["id"])
    out.put(got)


def queue(location: str, n: int, offset: int) -> float:
    from migrant_desk.db import Store
    from migrant_desk.tickets.models import HandoffIn
    from migrant_desk.tickets.service import TicketService

    service = TicketService(Store(location))
    began = time.perf_counter()
    for i in range(n):
        service.handoff(HandoffIn(conversation_id=f"bench-{offset + i}", lang="vi", consent=True, transcript=[
            {"role": "migrant", "text": "Công ty chưa trả lương cho tôi hai tháng rồi."},
            {"role": "bot", "text": "Tôi không chắc câu trả lời này là đúng."}]))
    return n / (time.perf_counter() - began)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--db", help="a postgresql:// URL of a throwaway database (default: a temp SQLite file)")
    args = parser.parse_args()

    from migrant_desk import auth
    from migrant_desk.db import Store

    print(f"machine: {platform.machine()}, {multiprocessing.cpu_count()} CPU(s), Python {platform.python_version()}")
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        location = args.db or str(Path(tmp) / "bench.db")
        store = Store(location)
        print(f"database: {store.dialect.name}")
        offset = 0
        for processes in args.processes:
            names = [f"bench-{processes}-{i}" for i in range(processes)]
            for name in names:
                auth.create_user(store.db, name, "counselor", ["vi"], capacity=10 ** 9)
            rate = queue(location, args.tickets, offset)
            offset += args.tickets
            print(f"handoff: {args.tickets} tickets at {rate:.0f}/s")
            start, out = ctx.Barrier(processes + 1), ctx.Queue()
            workers = [ctx.Process(target=_claim_all, args=(location, name, start, out)) for name in names]
            for w in workers:
                w.start()
            start.wait()
            began = time.perf_counter()
            claimed = [ticket for _ in workers for ticket in out.get()]
            elapsed = time.perf_counter() - began
            for w in workers:
                w.join()
            twice = [t for t, c in Counter(claimed).items() if c > 1]
            print(f"claim-next, {processes} process(es): {len(claimed)} claims in {elapsed:.2f}s = "
                  f"{len(claimed) / elapsed:.0f}/s; claimed twice: {len(twice)}")
            if twice or len(claimed) != args.tickets:
                print("ERROR: a ticket was claimed twice or left in the queue", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
