"""Two `migrant-desk serve` replicas on one database: how long until a publish on one is served by the other
(target: 2 s), and until a counselor's reply through one wakes the migrant's long-poll on the other.

    python3 scripts/bench_replicas.py [--rounds 6] [--wakes 6]

Starts two servers on a throwaway SQLite database in a temp folder (each with its own index folder; the model
and the embedding cache are the usual ones in MIGRANT_DESK_CACHE_DIR), makes an editor and a counselor with
`migrant-desk users add`, then:
- publish: each round edits severance-pay's Korean answer to a text never embedded before and publishes it
  through one replica (alternating); the delay runs from the publish call until the other replica reports the
  new published version in /healthz (polled every 20 ms), and its /v1/ask then answers with the new text;
- wake: a migrant long-polls on B, the counselor replies through A; the delay runs from the reply's response
  until the long-poll returns.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_ask import free_port  # noqa: E402

TARGET_SECONDS = 2.0
QUESTION = "퇴직금은 언제 받을 수 있어요?"


def start(work: Path, db: Path, name: str) -> tuple[subprocess.Popen, str, dict]:
    port = free_port()
    env = {**os.environ, "MIGRANT_DESK_INDEX_DIR": str(work / name), "MIGRANT_DESK_DB_PATH": str(db),
           "MIGRANT_DESK_HANDOFF_BURST": "1000", "PYTHONPATH": str(ROOT)}
    with open(work / f"{name}.log", "w") as log:  # the child keeps its own descriptor
        proc = subprocess.Popen([sys.executable, "-m", "migrant_desk.cli", "serve", "--port", str(port)], env=env,
                                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    return proc, f"http://127.0.0.1:{port}", env


def wait_healthy(proc: subprocess.Popen, base: str) -> None:
    deadline = time.time() + 900
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server {base} exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server {base} did not become healthy")


def add_user(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "migrant_desk.cli", "users", "add", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def publish_round(source: str, other: str, editor: str) -> tuple[float, float]:
    """(seconds of the publish call on `source`, seconds until `other` serves it), both from the call."""
    data = copy.deepcopy(httpx.get(f"{source}/v1/editor/entries/severance-pay", headers=auth(editor)).json()["draft"])
    marker = uuid.uuid4().hex[:8]
    data["translations"]["ko"]["answer"] += f" ({marker})"
    httpx.put(f"{source}/v1/editor/entries/severance-pay", headers=auth(editor),
              json={"entry": data}).raise_for_status()
    t0 = time.perf_counter()
    httpx.post(f"{source}/v1/editor/entries/severance-pay/publish", headers=auth(editor), timeout=60).raise_for_status()
    call = time.perf_counter() - t0
    version = httpx.get(f"{source}/healthz").json()["published_version"]
    while httpx.get(f"{other}/healthz").json()["published_version"] < version:
        if time.perf_counter() - t0 > 30:
            raise SystemExit(f"{other} did not serve the publish within 30 s")
        time.sleep(0.02)
    served = time.perf_counter() - t0
    answer = httpx.post(f"{other}/v1/ask", json={"text": QUESTION, "lang": "ko"}, timeout=30).json()["answer"]
    assert answer and marker in answer["answer"], "the other replica does not answer with the new text"
    return call, served


def wake_round(a: str, b: str, counselor: str, n: int) -> float:
    made = httpx.post(f"{a}/v1/handoff", json={"conversation_id": f"bench-{uuid.uuid4().hex}", "lang": "vi",
                                               "consent": True}).json()
    ticket, migrant = made["ticket_id"], made["access_token"]
    httpx.post(f"{a}/v1/tickets/{ticket}/claim", headers=auth(counselor)).raise_for_status()
    after = httpx.get(f"{b}/v1/tickets/{ticket}/messages", headers=auth(migrant)).json()["last_id"]
    returned: list[float] = []
    poll = threading.Thread(target=lambda: (httpx.get(
        f"{b}/v1/tickets/{ticket}/messages", params={"after": after, "wait": 25}, headers=auth(migrant), timeout=40),
        returned.append(time.perf_counter())))
    poll.start()
    time.sleep(1.0)
    httpx.post(f"{a}/v1/tickets/{ticket}/messages", headers=auth(counselor),
               json={"text": f"Xin chào, lần {n}.", "lang": "vi"}).raise_for_status()
    replied = time.perf_counter()
    poll.join()
    return returned[0] - replied


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--wakes", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "desk.db"
        (pa, a, env), (pb, b, _) = start(work, db, "a"), start(work, db, "b")
        try:
            wait_healthy(pa, a)
            wait_healthy(pb, b)
            editor = add_user(env, "editor", "--role", "editor")
            counselor = add_user(env, "counselor", "--role", "counselor", "--languages", "vi", "--capacity", "100")
            publish_round(a, b, editor)  # warm-up: the first publish of each process pays one-time costs
            publish_round(b, a, editor)
            calls, served = [], []
            for n in range(args.rounds):
                c, s = publish_round(*((a, b) if n % 2 == 0 else (b, a)), editor)
                calls.append(c)
                served.append(s)
            wakes = [wake_round(a, b, counselor, n) for n in range(args.wakes)]
        finally:
            for proc in (pa, pb):
                proc.terminate()
            for proc in (pa, pb):
                proc.wait(timeout=30)
    poll = os.environ.get("MIGRANT_DESK_REPLICA_POLL_SECONDS", "0.5")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"two replicas on one SQLite database, replica poll {poll} s")
    print(f"publish call on the publishing replica: median {statistics.median(calls):.2f} s, max {max(calls):.2f} s")
    print(f"publish → served by the other replica: median {statistics.median(served):.2f} s, "
          f"max {max(served):.2f} s over {len(served)} rounds (target {TARGET_SECONDS} s: "
          f"{'met' if max(served) <= TARGET_SECONDS else 'NOT met'})")
    print(f"reply through A → migrant's long-poll on B returns: median {statistics.median(wakes):.2f} s, "
          f"max {max(wakes):.2f} s over {len(wakes)} replies")


if __name__ == "__main__":
    main()
