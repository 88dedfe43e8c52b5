"""`migrant-desk index build` pre-translates; `translate memory`, `review` and bad input, as a deployer runs them."""

import json
import re

from tests.translation.conftest import run_cli
from tests.translation.test_ask_translation import N_WITHOUT_THAI, make_kb


def test_index_build_pretranslates_then_editors_review(tmp_path, translation_dir):
    env = {"MIGRANT_DESK_KB_PATH": str(make_kb(tmp_path / "kb")), "MIGRANT_DESK_INDEX_DIR": str(tmp_path / "idx"),
           "MIGRANT_DESK_DB_PATH": str(tmp_path / "db.sqlite"), "MIGRANT_DESK_TRANSLATION_TARGETS": '["th"]'}
    r = run_cli("index", "build", translation_dir=translation_dir, env_extra=env)
    assert r.returncode == 0, r.stderr
    texts = 2 * (N_WITHOUT_THAI + 2)
    match = re.search(r"translation memory: (\d+) translated \((\d+) rejected by the gate\), (\d+) reused", r.stdout)
    assert match and int(match.group(1)) == texts and int(match.group(3)) == 0, r.stdout
    rejected = int(match.group(2))
    assert 2 <= rejected < texts  # the drifted bicycle entry at least; the library entry passes

    r = run_cli("translate", "memory", "--status", "machine", "--limit", "100", translation_dir=translation_dir,
                env_extra=env)
    assert r.returncode == 0, r.stderr
    counts = json.loads(r.stdout[r.stdout.rindex("\n{") + 1:])
    assert counts == {"th": {"machine": texts - rejected, "machine-rejected": rejected}}
    row_id = int(re.search(r"#(\d+) \[machine\] en->th kb:bicycle-parking:answer", r.stdout).group(1))

    fixed = tmp_path / "fixed.txt"
    fixed.write_text("จอดจักรยานได้ฟรีที่ที่จอดข้างทางออกสถานีรถไฟใต้ดิน", encoding="utf-8")
    r = run_cli("translate", "review", str(row_id), "--reviewer", "editor-1", "--text-file", str(fixed),
                translation_dir=translation_dir, env_extra=env)
    assert r.returncode == 0 and f"#{row_id} is now reviewed by editor-1" in r.stdout, r.stderr
    r = run_cli("translate", "memory", "--status", "reviewed", translation_dir=translation_dir, env_extra=env)
    assert "จอดจักรยานได้ฟรี" in r.stdout

    r = run_cli("translate", "review", "99999", "--reviewer", "x", translation_dir=translation_dir, env_extra=env)
    assert r.returncode == 2 and "no translation-memory row 99999" in r.stderr


def test_bad_language_and_missing_arguments(tmp_path):
    r = run_cli("translate", "pretranslate", "--lang", "xx", translation_dir=tmp_path)
    assert r.returncode == 2 and "unknown language code 'xx'" in r.stderr
    r = run_cli("translate", "install", translation_dir=tmp_path)
    assert r.returncode == 2 and "--from-index" in r.stderr
