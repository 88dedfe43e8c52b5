"""The backend with real packages: install through the CLI, direct and pivot translation through
argostranslate + CTranslate2, no network at run time, corrupt packages refused without harm, the index path."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from migrant_desk.translation.backend import ArgosBackend, PackageError
from tests.translation import corpus
from tests.translation.conftest import run_cli


@pytest.fixture(scope="module")
def backend(translation_dir) -> ArgosBackend:
    return ArgosBackend(translation_dir / "packages")


def test_cli_installed_three_packages_and_lists_them(translation_dir):
    r = run_cli("translate", "list", "--json", translation_dir=translation_dir)
    assert r.returncode == 0, r.stderr
    listing = json.loads(r.stdout)
    assert sorted((p["from"], p["to"]) for p in listing["packages"]) == [("en", "th"), ("en", "vi"), ("ko", "en")]
    assert "ko->vi via en" in listing["pivot_routes"] and "ko->th via en" in listing["pivot_routes"]
    assert listing["problems"] == []
    human = run_cli("translate", "list", translation_dir=translation_dir)
    assert "3 package(s)" in human.stdout and "no model into:" in human.stdout and "uz" in human.stdout


def test_direct_translation_goes_through_argostranslate(backend):
    from argostranslate.translate import PackageTranslation

    from migrant_desk.translation.splitter import RuleSentenceSplitter

    text = " ".join(corpus.LIBRARY["en"]["sentences"])
    out = backend.translate(text, "en", "th")
    assert out.text == corpus.expected_thai_answer()
    assert out.path == ["en", "th"] and len(out.segments) == 3
    assert [s.source for s in out.segments] == corpus.LIBRARY["en"]["sentences"]
    translation = backend._translation_for(backend.route("en", "th").packages[0])
    assert isinstance(translation, PackageTranslation)  # argostranslate's own class, not a stand-in
    assert isinstance(translation.sentencizer, RuleSentenceSplitter)  # the package has no splitter model


def test_pivot_through_english(backend):
    rows = corpus.counselor_sentences()
    route = backend.route("ko", "vi")
    assert route is not None and route.path == ["ko", "en", "vi"] and len(route.packages) == 2
    text = f"{rows[0]['text']} {rows[1]['text']}\n{rows[4]['text']}"
    out = backend.translate(text, "ko", "vi")
    expected = f"{rows[0]['translations']['vi']} {rows[1]['translations']['vi']}\n{rows[4]['translations']['vi']}"
    assert out.text == expected  # sentences translated one by one, paragraphs kept
    assert out.model_id == "+".join(p.model_id for p in route.packages)
    assert backend.route("vi", "ko") is None and backend.route("th", "en") is None


def test_translation_runs_with_the_network_blocked(translation_dir, no_network):
    with pytest.raises(urllib.error.URLError, match="network access blocked"):  # the guard is really on
        urllib.request.urlopen("http://example.org/", timeout=5)
    fresh = ArgosBackend(translation_dir / "packages")  # loads models and splitters now, under the guard
    rows = corpus.counselor_sentences()
    assert fresh.translate(rows[2]["text"], "ko", "vi").text == rows[2]["translations"]["vi"]
    assert fresh.translate(corpus.LIBRARY["en"]["question"], "en", "th").text == corpus.LIBRARY["th"]["question"]
    assert len(no_network) == 1  # only the deliberate probe above


def _broken_archives(tmp_path: Path, good: Path) -> dict[str, tuple[Path, str]]:
    """name -> (archive, words the error must contain)"""
    out = {}
    not_zip = tmp_path / "not-a-zip.argosmodel"
    not_zip.write_text("this is not a zip")
    out["not_zip"] = (not_zip, "not a zip archive")
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
    root = next(iter(members)).split("/")[0]

    def rezip(name, transform):
        path = tmp_path / f"{name}.argosmodel"
        with zipfile.ZipFile(path, "w") as zf:
            for member, data in members.items():
                changed = transform(member, data)
                if changed is not None:
                    zf.writestr(*changed)
        return path

    out["no_metadata"] = (rezip("no-metadata", lambda m, d: None if m.endswith("metadata.json") else (m, d)),
                          "no metadata.json")
    out["bad_metadata"] = (rezip("bad-metadata", lambda m, d: (m, b"{not json") if m.endswith("metadata.json")
                                 else (m, d)), "metadata.json is not valid JSON")
    out["no_to_code"] = (rezip("no-to-code", lambda m, d: (m, json.dumps({"from_code": "en"}).encode())
                               if m.endswith("metadata.json") else (m, d)), "'to_code' is missing")
    out["no_model"] = (rezip("no-model", lambda m, d: None if "/model/" in m else (m, d)), "no model/model.bin")
    out["garbage_model"] = (rezip("garbage-model", lambda m, d: (m, b"\x00garbage" * 50)
                                  if m.endswith("model.bin") else (m, d)), "does not load or translate")
    out["no_tokenizer"] = (rezip("no-tokenizer", lambda m, d: None if m.endswith("sentencepiece.model") else (m, d)),
                           "no sentencepiece.model or bpe.model")
    out["zip_slip"] = (rezip("zip-slip", lambda m, d: (m.replace(root, "../evil", 1), d)), "unsafe path")
    return out


def test_corrupt_packages_are_refused_and_nothing_else_breaks(tmp_path, toy_packages, translation_dir):
    packages = tmp_path / "packages"
    backend = ArgosBackend(packages)
    backend.install(toy_packages["ko_en"])
    before = backend.installed()
    ko_sentence = corpus.counselor_sentences()[0]
    for name, (archive, words) in _broken_archives(tmp_path, toy_packages["en_th"]).items():
        with pytest.raises(PackageError) as err:
            backend.install(archive)
        assert words in str(err.value) and str(archive) in str(err.value), name
        assert backend.installed() == before, name
        assert sorted(p.name for p in packages.iterdir()) == ["ko_en"], name  # no leftovers
        assert backend.translate(ko_sentence["text"], "ko", "en").text == ko_sentence["translations"]["en"]
    assert not (tmp_path / "evil").exists()
    r = run_cli("translate", "install", str(tmp_path / "garbage-model.argosmodel"), translation_dir=tmp_path)
    assert r.returncode == 1 and "garbage-model.argosmodel" in r.stderr and "nothing was changed" in r.stderr
    r = run_cli("translate", "install", str(tmp_path / "missing.argosmodel"), translation_dir=tmp_path)
    assert r.returncode == 1 and "file not found" in r.stderr


def test_a_broken_folder_is_skipped_and_reported(tmp_path, toy_packages):
    backend = ArgosBackend(tmp_path / "packages")
    backend.install(toy_packages["ko_en"])
    (tmp_path / "packages" / "hand-made").mkdir()  # e.g. an unzip by hand that went wrong
    assert [p.pair for p in backend.installed()] == [("ko", "en")]
    assert any("hand-made" in p and "metadata.json" in p for p in backend.problems)


def test_reinstall_replaces_the_pair_and_its_translator(tmp_path, toy_packages):
    backend = ArgosBackend(tmp_path / "packages")
    first = backend.install(toy_packages["ko_en"])
    sentence = corpus.counselor_sentences()[3]
    assert backend.translate(sentence["text"], "ko", "en").text == sentence["translations"]["en"]
    with zipfile.ZipFile(toy_packages["en_ru_random"]) as zf:  # a ko→en package with other (random) weights
        members = {n: zf.read(n) for n in zf.namelist() if not n.endswith("/")}
    other = tmp_path / "ko_en-v2.argosmodel"
    with zipfile.ZipFile(other, "w") as zf:
        for name, data in members.items():
            if name.endswith("metadata.json"):
                meta = json.loads(data)
                data = json.dumps({**meta, "from_code": "ko", "to_code": "en", "package_version": "2.0"}).encode()
            zf.writestr(name.replace(name.split("/")[0], "translate-ko_en-2_0", 1), data)
    second = backend.install(other)
    assert second.model_id != first.model_id and second.version == "2.0"
    assert [p.model_id for p in backend.installed()] == [second.model_id]
    assert backend.translate(sentence["text"], "ko", "en").model_id == second.model_id


def test_from_index_without_internet_fails_clearly(tmp_path):
    # a closed loopback port stands in for "no route to the internet"
    r = run_cli("translate", "install", "--from-index", "en", "vi", translation_dir=tmp_path,
                env_extra={"MIGRANT_DESK_TRANSLATION_INDEX_URL": "http://127.0.0.1:9/index.json"})
    assert r.returncode == 1
    assert "cannot reach the Argos package index" in r.stderr and "translate install PATH" in r.stderr
    assert not (tmp_path / "packages").exists() or not any((tmp_path / "packages").iterdir())


def test_from_index_blocked_network_in_process(tmp_path, no_network):
    backend = ArgosBackend(tmp_path / "packages")  # default index URL: raw.githubusercontent.com
    with pytest.raises(PackageError, match="cannot reach the Argos package index"):
        backend.fetch_from_index("en", "vi")
    assert no_network and backend.installed() == []


@pytest.fixture
def local_index(tmp_path, toy_packages):
    """The Argos index format served on loopback: one en→vi package and its download link."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(toy_packages["en_vi"], site / "translate-en_vi.argosmodel")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: http.server.SimpleHTTPRequestHandler(
        *a, directory=str(site)))
    base = f"http://127.0.0.1:{server.server_port}"
    (site / "index.json").write_text(json.dumps([
        {"package_version": "1.0", "argos_version": "1.9.0", "from_code": "en", "to_code": "vi", "from_name": "English",
         "to_name": "Vietnamese", "type": "translate", "links": [f"{base}/translate-en_vi.argosmodel"]}]))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{base}/index.json"
    server.shutdown()


def test_from_index_downloads_and_installs(tmp_path, local_index):
    target = tmp_path / "deploy"
    r = run_cli("translate", "install", "--from-index", "en", "vi", translation_dir=target,
                env_extra={"MIGRANT_DESK_TRANSLATION_INDEX_URL": local_index})
    assert r.returncode == 0, r.stderr
    assert "installed en -> vi" in r.stdout
    assert [p.pair for p in ArgosBackend(target / "packages").installed()] == [("en", "vi")]
    r = run_cli("translate", "install", "--from-index", "ko", "vi", translation_dir=target,
                env_extra={"MIGRANT_DESK_TRANSLATION_INDEX_URL": local_index})
    assert r.returncode == 1 and "has no ko→vi package" in r.stderr and "pivots through English" in r.stderr
