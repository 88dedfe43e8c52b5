"""Normal clients and abusive ones against a real server, each from its own loopback address (127.0.0.0/8 is all
local on Linux), as they would come from different machines. Used by tests/test_abuse.py and
scripts/bench_abuse.py. Loops are bounded in count and time; traffic stays on this machine."""

from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import dataclass, field

import httpx

QUESTIONS = ["외국인등록증은 어디서 만들어요?", "Tôi làm thẻ cư trú ở đâu?", "퇴직금 언제 받아요", "工资被拖欠怎么办",
             "My boss has not paid me for two months", "ค่าจ้างขั้นต่ำเท่าไหร่", "Как продлить визу в Корее"]
BIG_TURN = "x" * 4000


@dataclass
class Tally:
    ok: int = 0
    failed: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, status: int, ms: float, good: bool) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if good:
            self.ok += 1
            self.latencies_ms.append(ms)
        else:
            self.failed += 1

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def client_from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


def normal_client(base: str, address: str, tally: Tally, stop: threading.Event, pause: float = 0.3) -> None:
    with client_from(address) as client:
        i = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                r = client.post(base + "/v1/ask", json={"text": QUESTIONS[i % len(QUESTIONS)]})
                tally.add(r.status_code, (time.perf_counter() - t0) * 1000, r.status_code == 200)
            except httpx.HTTPError:
                tally.add(0, 0.0, False)
            i += 1
            stop.wait(pause)


def attacker(base: str, address: str, tally: Tally, stop: threading.Event, n: int) -> None:
    """Bad text, oversized bodies and maximum-size handoffs, as fast as the server answers."""
    bad = json.dumps({"text": "\ud800" * 10})
    big_handoff = {"lang": "en", "consent": True,
                   "transcript": [{"role": "migrant", "text": BIG_TURN} for _ in range(50)]}
    with client_from(address) as client:
        for i in range(n):
            if stop.is_set():
                return
            kind = i % 3
            try:
                if kind == 0:
                    r = client.post(base + "/v1/ask", content=bad, headers={"content-type": "application/json"})
                elif kind == 1:
                    r = client.post(base + "/v1/ask", content=b'{"text": "' + b"a" * 2_000_000 + b'"}',
                                    headers={"content-type": "application/json"})
                else:
                    r = client.post(base + "/v1/handoff", json={**big_handoff, "conversation_id": f"{address}-{i}"})
                tally.statuses[r.status_code] = tally.statuses.get(r.status_code, 0) + 1
            except httpx.HTTPError:
                tally.statuses[0] = tally.statuses.get(0, 0) + 1


def run(base: str, seconds: float, normal: int, attackers: int, attacks_each: int) -> tuple[Tally, Tally]:
    stop = threading.Event()
    good, bad = Tally(), Tally()
    threads = [threading.Thread(target=normal_client, args=(base, f"127.0.0.{10 + k}", good, stop))
               for k in range(normal)]
    threads += [threading.Thread(target=attacker, args=(base, f"127.0.0.{50 + k}", bad, stop, attacks_each))
                for k in range(attackers)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(60)
    return good, bad


def summary(good: Tally) -> dict:
    total = good.ok + good.failed
    return {"requests": total, "success": good.ok / total if total else float("nan"),
            "p50_ms": good.p(50), "p99_ms": good.p(99), "mean_ms": statistics.mean(good.latencies_ms or [0])}
