"""How long a one-entry publish takes until the new text is searchable (goal: under 1 second).

    python3 scripts/bench_publish.py [--rounds 5]

Starts the runtime on the bundled knowledge base in a temporary database and index folder, then, each round,
changes one answer to a text never embedded before, publishes it and asks for it; reports the time from the
publish call until the new index answers (PublishResult.seconds) and until /v1/ask-level search returns it.
"""

from __future__ import annotations

import argparse
import copy
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migrant_desk.config import Settings  # noqa: E402
from migrant_desk.runtime import start  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rt = start(Settings(index_dir=Path(tmp) / "idx", db_path=Path(tmp) / "db.sqlite"))
        publish_s, searchable_s = [], []
        for _ in range(args.rounds):
            data = copy.deepcopy(rt.editorial.state("severance-pay").draft)
            marker = uuid.uuid4().hex[:8]
            data["translations"]["ko"]["answer"] += f" ({marker})"
            rt.editorial.save(data, author="bench")
            rt.editorial.mark_published("severance-pay", require_review=False)
            t0 = time.perf_counter()
            result = rt.publisher.publish().result()
            answer = rt.service.ask("퇴직금은 언제 받을 수 있어요?", "ko").answer
            searchable_s.append(time.perf_counter() - t0)
            assert answer is not None and marker in answer.answer, "the published text is not served"
            publish_s.append(result.seconds)
    print(f"machine: {platform.machine()}, Python {platform.python_version()}; entries {result.entries}, "
          f"vectors {result.vectors}, texts embedded per publish {result.embedded_texts}")
    print(f"publish → new index answering: median {statistics.median(publish_s):.3f} s, "
          f"max {max(publish_s):.3f} s over {args.rounds} rounds")
    print(f"publish → first /v1/ask with the new text: median {statistics.median(searchable_s):.3f} s")


if __name__ == "__main__":
    main()
