"""Installed argostranslate packages: install (validated, atomic), list, route (direct or pivot), translate.

Packages live in one folder (settings.translation_dir / "packages"), one sub-folder per language pair, in
argostranslate's own layout (metadata.json, model/, sentencepiece.model, optional minisbd/ or stanza/).
Translation goes through argostranslate's real path — `Package` → `PackageTranslation` (SentencePiece, the
CTranslate2 `Translator`, beam search) and `CompositeTranslation` for a pivot — with one change: the sentence
splitter is chosen by splitter.py, so nothing is downloaded at run time.

We keep our own registry instead of argostranslate's `get_installed_languages()`: that one is a process-wide
cache keyed by "from-to" that never forgets a translator (a reinstalled package would keep serving the old
model), and it reads its package folder from global settings fixed at import time.

An install is checked before anything already installed is touched: the archive must be a zip with one root
folder, metadata.json naming the pair, a tokenizer, and a CTranslate2 model that loads and translates a test
sentence. Only then is it moved into place (a rename), replacing the previous package of that pair.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pydantic import BaseModel

from .sentences import split_sentences

log = logging.getLogger(__name__)
SIDECAR = ".migrant-desk.json"
PIVOT_PREFERENCE = ("en",)  # Argos models are English-centred; any other language may still serve as a pivot
SMOKE_TEXT = "Hello."
DEFAULT_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"


class PackageError(Exception):
    """A package cannot be installed or used; the message names the file and what is wrong."""


class InstalledPackage(BaseModel):
    from_code: str
    to_code: str
    version: str
    path: Path
    model_id: str
    splitter: str = ""

    @property
    def pair(self) -> tuple[str, str]:
        return self.from_code, self.to_code


class Segment(BaseModel):
    source: str
    text: str


class MachineOutput(BaseModel):
    text: str
    source_lang: str
    target_lang: str
    model_id: str
    path: list[str]  # languages along the route, e.g. ["ko", "en", "vi"]
    segments: list[Segment]


@dataclass
class Route:
    packages: list[InstalledPackage]

    @property
    def model_id(self) -> str:
        return "+".join(p.model_id for p in self.packages)

    @property
    def path(self) -> list[str]:
        return [self.packages[0].from_code, *(p.to_code for p in self.packages)]


def _quiet_argos_logging() -> None:
    # argostranslate logs every text it translates at INFO: migrants' messages must not end up in logs.
    for name in ("argostranslate", "argostranslate.utils"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_metadata(root: Path, origin: str) -> dict:
    meta_path = root / "metadata.json"
    if not meta_path.exists():
        raise PackageError(f"{origin}: no metadata.json in the package folder '{root.name}'")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PackageError(f"{origin}: metadata.json is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict):
        raise PackageError(f"{origin}: metadata.json must hold a JSON object")
    if meta.get("type", "translate") != "translate":
        raise PackageError(f"{origin}: metadata.json field 'type' is {meta.get('type')!r}; only 'translate' "
                           "packages can be installed")
    for key in ("from_code", "to_code"):
        value = meta.get(key)
        if not isinstance(value, str) or not value.strip():
            raise PackageError(f"{origin}: metadata.json field '{key}' is missing or empty")
    if meta["from_code"] == meta["to_code"]:
        raise PackageError(f"{origin}: metadata.json translates {meta['from_code']} into itself")
    return meta


def _check_layout(root: Path, origin: str) -> None:
    if not (root / "model" / "model.bin").is_file():
        raise PackageError(f"{origin}: no model/model.bin (a CTranslate2 model) in the package")
    if not ((root / "sentencepiece.model").is_file() or (root / "bpe.model").is_file()):
        raise PackageError(f"{origin}: no sentencepiece.model or bpe.model (the tokenizer) in the package")


class ArgosBackend:
    """The installed packages of one folder, and translation through them."""

    def __init__(self, packages_dir: Path, index_url: str = DEFAULT_INDEX_URL):
        self.packages_dir = Path(packages_dir)
        self.index_url = index_url
        self.problems: list[str] = []
        self._lock = threading.RLock()
        self._signature: tuple | None = None
        self._packages: dict[tuple[str, str], InstalledPackage] = {}
        self._translations: dict[str, object] = {}  # model_id -> argostranslate PackageTranslation

    # --- registry ------------------------------------------------------------------------------------------

    def _scan_signature(self) -> tuple:
        if not self.packages_dir.is_dir():
            return ()
        return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in self.packages_dir.iterdir()
                            if p.is_dir() and not p.name.startswith(".")))

    def refresh(self) -> None:
        """Re-read the folder if it changed (another process may have installed a package)."""
        with self._lock:
            signature = self._scan_signature()
            if signature == self._signature:
                return
            packages: dict[tuple[str, str], InstalledPackage] = {}
            problems = []
            for name, _ in signature:
                try:
                    pkg = self._describe(self.packages_dir / name)
                except PackageError as exc:
                    problems.append(str(exc))
                    continue
                packages[pkg.pair] = pkg
            self._packages, self.problems, self._signature = packages, problems, signature
            live = {p.model_id for p in packages.values()}
            self._translations = {k: v for k, v in self._translations.items() if k in live}
            for problem in problems:
                log.warning("translation package skipped: %s", problem)

    def _describe(self, root: Path) -> InstalledPackage:
        meta = _read_metadata(root, str(root))
        _check_layout(root, str(root))
        sidecar = root / SIDECAR
        if sidecar.exists():
            digest = json.loads(sidecar.read_text()).get("sha256", "")
        else:  # placed by hand, not by `translate install`: identify by size and time instead of hashing
            stat = (root / "model" / "model.bin").stat()
            digest = hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
        version = str(meta.get("package_version", "")) or "0"
        return InstalledPackage(from_code=meta["from_code"], to_code=meta["to_code"], version=version, path=root,
                                model_id=f"argos:{meta['from_code']}-{meta['to_code']}@{version}#{digest[:12]}")

    def signature(self) -> tuple:
        """Changes whenever a package is added, replaced or removed."""
        self.refresh()
        return self._signature or ()

    def installed(self) -> list[InstalledPackage]:
        self.refresh()
        return sorted(self._packages.values(), key=lambda p: p.pair)

    def pairs(self) -> set[tuple[str, str]]:
        self.refresh()
        return set(self._packages)

    def route(self, source_lang: str, target_lang: str) -> Route | None:
        """The direct package, else a two-step route through a pivot language (English first)."""
        self.refresh()
        direct = self._packages.get((source_lang, target_lang))
        if direct:
            return Route([direct])
        pivots = [to for (frm, to) in self._packages if frm == source_lang and (to, target_lang) in self._packages]
        pivots.sort(key=lambda lang: (lang not in PIVOT_PREFERENCE, lang))
        if pivots:
            return Route([self._packages[(source_lang, pivots[0])], self._packages[(pivots[0], target_lang)]])
        return None

    def reachable(self) -> set[tuple[str, str]]:
        """Every (source, target) with a direct or pivot route."""
        pairs = self.pairs()
        langs = {lang for pair in pairs for lang in pair}
        return {(s, t) for s in langs for t in langs if s != t and self.route(s, t) is not None}

    # --- translation ---------------------------------------------------------------------------------------

    def _translation_for(self, pkg: InstalledPackage):
        with self._lock:
            cached = self._translations.get(pkg.model_id)
            if cached is None:
                cached = self._translations[pkg.model_id] = load_translation(pkg.path)
            return cached

    def translate(self, text: str, source_lang: str, target_lang: str) -> MachineOutput:
        route = self.route(source_lang, target_lang)
        if route is None:
            raise PackageError(f"no installed model translates {source_lang} → {target_lang}, directly or "
                               "through a pivot language")
        steps = [self._translation_for(p) for p in route.packages]
        if len(steps) == 1:
            chain = steps[0]
        else:
            from argostranslate.translate import CompositeTranslation

            chain = CompositeTranslation(steps[0], steps[1])
        segments, paragraphs = [], []
        for paragraph in text.split("\n"):
            sentences = split_sentences(paragraph)
            outputs = [chain.translate(s) for s in sentences]
            segments.extend(Segment(source=s, text=o) for s, o in zip(sentences, outputs))
            paragraphs.append(" ".join(o.strip() for o in outputs))
        return MachineOutput(text="\n".join(paragraphs).strip(), source_lang=source_lang, target_lang=target_lang,
                             model_id=route.model_id, path=route.path, segments=segments)

    # --- installation --------------------------------------------------------------------------------------

    def install(self, archive: Path, origin: str | None = None) -> InstalledPackage:
        """Validate `archive` fully, then replace the installed package of its pair. Raises PackageError."""
        archive = Path(archive)
        origin = origin or str(archive)
        if not archive.is_file():
            raise PackageError(f"{origin}: file not found")
        if not zipfile.is_zipfile(archive):
            raise PackageError(f"{origin}: not a zip archive (an .argosmodel package is a zip file)")
        self.packages_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=self.packages_dir))
        try:
            root = _extract(archive, staging, origin)
            meta = _read_metadata(root, origin)
            _check_layout(root, origin)
            try:
                smoke_test(root)
            except PackageError:
                raise
            except Exception as exc:
                raise PackageError(f"{origin}: the model does not load or translate: {exc}") from exc
            digest = _sha256(root / "model" / "model.bin")
            (root / SIDECAR).write_text(json.dumps({"sha256": digest, "installed_from": origin,
                                                    "installed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}))
            with self._lock:
                target = self.packages_dir / f"{meta['from_code']}_{meta['to_code']}"
                old = [p.path for p in self.installed() if p.pair == (meta["from_code"], meta["to_code"])]
                if target.exists() and target not in old:
                    old.append(target)
                parked = []
                for path in old:
                    aside = staging / f"previous-{len(parked)}"
                    path.rename(aside)
                    parked.append(aside)
                root.rename(target)
                self._signature = None
                self.refresh()
                return self._packages[(meta["from_code"], meta["to_code"])]
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def fetch_from_index(self, source_lang: str, target_lang: str, timeout: float = 20.0) -> InstalledPackage:
        """Download the pair's package named by the Argos index, then `install` it. Needs internet."""
        hint = ("Download the .argosmodel file on a machine with internet access and run "
                "`migrant-desk translate install PATH` here.")
        try:
            with urllib.request.urlopen(self.index_url, timeout=timeout) as response:
                index = json.loads(response.read())
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            raise PackageError(f"cannot reach the Argos package index at {self.index_url} "
                               f"({getattr(exc, 'reason', exc)}). {hint}") from exc
        except json.JSONDecodeError as exc:
            raise PackageError(f"the Argos package index at {self.index_url} is not valid JSON ({exc})") from exc
        found = [p for p in index if isinstance(p, dict) and p.get("from_code") == source_lang
                 and p.get("to_code") == target_lang and p.get("type", "translate") == "translate"]
        if not found:
            hint_pivot = (f" Install {source_lang}→en and en→{target_lang}: the service pivots through English."
                          if "en" not in (source_lang, target_lang) else "")
            raise PackageError(f"the Argos index has no {source_lang}→{target_lang} package.{hint_pivot}")
        links = found[0].get("links") or []
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / f"{source_lang}_{target_lang}.argosmodel"
            errors = []
            for link in links:
                try:
                    with urllib.request.urlopen(link, timeout=timeout) as response, open(target, "wb") as out:
                        shutil.copyfileobj(response, out)
                    return self.install(target, origin=link)
                except (urllib.error.URLError, OSError, TimeoutError) as exc:
                    errors.append(f"{link}: {getattr(exc, 'reason', exc)}")
            raise PackageError(f"could not download the {source_lang}→{target_lang} package "
                               f"({'; '.join(errors) or 'the index lists no download link'}). {hint}")


def _extract(archive: Path, staging: Path, origin: str) -> Path:
    try:
        with zipfile.ZipFile(archive) as zf:
            names = zf.namelist()
            for name in names:
                parts = PurePosixPath(name).parts
                if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
                    raise PackageError(f"{origin}: unsafe path {name!r} in the archive")
            roots = {PurePosixPath(n).parts[0] for n in names if PurePosixPath(n).parts}
            if len(roots) != 1 or not any("/" in n.rstrip("/") for n in names):
                raise PackageError(f"{origin}: the archive must hold exactly one package folder "
                                   f"(found {sorted(roots)[:5]})")
            bad = zf.testzip()
            if bad is not None:
                raise PackageError(f"{origin}: the archive is corrupt (bad CRC for {bad})")
            zf.extractall(staging / "unpacked")
    except zipfile.BadZipFile as exc:
        raise PackageError(f"{origin}: the archive is corrupt ({exc})") from exc
    return staging / "unpacked" / roots.pop()


def load_translation(package_path: Path):
    """argostranslate's PackageTranslation for one package folder, with an offline sentence splitter and the
    CTranslate2 translator created now (argostranslate creates it lazily, which races under threads)."""
    import ctranslate2
    from argostranslate import settings as argos_settings
    from argostranslate.package import Package
    from argostranslate.translate import Language, PackageTranslation

    from .splitter import splitter_for

    _quiet_argos_logging()  # after the imports: argostranslate.utils sets its logger to INFO when imported

    pkg = Package(package_path)
    if getattr(pkg, "tokenizer", None) is None:
        raise PackageError(f"{package_path}: no tokenizer could be loaded")
    translation = PackageTranslation(Language(pkg.from_code, pkg.from_name or pkg.from_code),
                                     Language(pkg.to_code, pkg.to_name or pkg.to_code), pkg)
    translation.sentencizer = splitter_for(pkg)
    translation.translator = ctranslate2.Translator(
        str(package_path / "model"), device=argos_settings.device, inter_threads=argos_settings.inter_threads,
        intra_threads=argos_settings.intra_threads, compute_type=argos_settings.compute_type,
    )
    return translation


def smoke_test(package_path: Path) -> str:
    """Load the package and translate one short sentence; raises if anything is broken."""
    translation = load_translation(package_path)
    try:
        translation.pkg.tokenizer.encode(SMOKE_TEXT)
    except Exception as exc:
        raise PackageError(f"{package_path.name}: the tokenizer does not load ({exc})") from exc
    return translation.translate(SMOKE_TEXT)
