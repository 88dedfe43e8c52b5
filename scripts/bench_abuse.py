"""Normal clients' latency alone and under attack (bad text, oversized bodies, maximum-size handoffs).

    python3 scripts/bench_abuse.py [--seconds 20] [--normal 4] [--attackers 2]

Starts `migrant-desk serve` with the default limits on a free loopback port, runs the normal clients alone,
then beside the attackers (each from its own 127.0.0.x address, tests/abuse_load.py), and prints both.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_ask import free_port, start_server, stop  # noqa: E402
from tests.abuse_load import run, summary  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--normal", type=int, default=4)
    parser.add_argument("--attackers", type=int, default=2)
    args = parser.parse_args()
    for name in ("MIGRANT_DESK_ASK_BURST", "MIGRANT_DESK_HANDOFF_BURST", "MIGRANT_DESK_LONG_POLLS_PER_TOKEN"):
        os.environ.pop(name, None)  # the defaults, whatever the shell has
    port = free_port()
    with tempfile.TemporaryDirectory() as work:
        proc, _ = start_server(port, work, "onnx")
        try:
            base = f"http://127.0.0.1:{port}"
            alone, _ = run(base, args.seconds, args.normal, 0, 0)
            attacked, bad = run(base, args.seconds, args.normal, args.attackers, 100_000)
        finally:
            stop(proc)
    result = {"alone": summary(alone), "under_attack": summary(attacked), "attacker_statuses": bad.statuses}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
