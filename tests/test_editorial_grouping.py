"""Grouping logged questions: the scaled path (k-means cells, exact linkage inside, merging across) agrees with
exact average linkage. Its speed and memory at 100,000 questions are measured by scripts/bench_gaps.py."""

import json
from collections import Counter

import numpy as np
import pytest

from migrant_desk.editorial import gaps, grouping
from tests.conftest import DATA


def pairwise_f1(truth, labels) -> float:
    """Pair-counting F1 from the contingency table (linear, unlike comparing every pair)."""
    def pairs(counter: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())

    together = pairs(Counter(zip(truth, labels)))
    precision, recall = together / max(pairs(Counter(labels)), 1), together / max(pairs(Counter(truth)), 1)
    return 2 * precision * recall / max(precision + recall, 1e-12)


@pytest.fixture(scope="module")
def labelled(embedder):
    rows = [json.loads(line) for line in (DATA / "gap_questions.jsonl").read_text().splitlines()]
    return [r["group"] for r in rows], embedder.embed([r["text"] for r in rows], "query")


@pytest.fixture
def small_cells(monkeypatch):
    """Make the scaled path run on a few thousand vectors (it normally starts above EXACT_LIMIT)."""
    monkeypatch.setattr(grouping, "EXACT_LIMIT", 300)
    monkeypatch.setattr(grouping, "CELL_SIZE", 150)


def synthetic(anchor: np.ndarray, n: int, topics: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rewordings of `topics` questions around the model's mean direction `anchor`, plus one-off questions
    (a fifth): unrelated topics sit at cosine ~0.70 of each other (the model's embeddings are that anisotropic),
    rewordings of one topic at ~0.93, so the truth is clear at the shipped cut-off."""
    rng = np.random.default_rng(seed)
    dim = len(anchor)

    def around(base: np.ndarray, spread: float) -> np.ndarray:
        noise = rng.standard_normal((len(base), dim))
        x = base + spread * noise / np.linalg.norm(noise, axis=1, keepdims=True)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    anchor = anchor / np.linalg.norm(anchor)
    centres = around(np.repeat(anchor[None], topics + n, axis=0), 0.65)
    topic = rng.integers(0, topics, n)
    one_off = rng.random(n) < 0.2
    topic = np.where(one_off, topics + np.arange(n), topic)
    return around(centres[topic], 0.25).astype(np.float32), topic


def test_scaled_grouping_agrees_with_exact_average_linkage(labelled, small_cells):
    _, vectors = labelled
    x, truth = synthetic(np.asarray(vectors).mean(axis=0), 2500)
    exact = grouping.exact(x, gaps.DEFAULT_CUT)
    scaled = grouping.cluster(x, gaps.DEFAULT_CUT)
    assert len(set(scaled)) > 1 and max(scaled) == len(set(scaled)) - 1  # labels 0..k-1
    assert pairwise_f1(truth, exact) >= 0.95  # the data is as clear as meant
    assert pairwise_f1(exact, scaled) >= 0.95
    assert pairwise_f1(truth, scaled) >= 0.95


def test_scaled_grouping_on_the_labelled_questions(labelled, monkeypatch):
    """The 36 labelled questions forced through the scaled path (cells of 12): exact scores 0.788."""
    monkeypatch.setattr(grouping, "EXACT_LIMIT", 10)
    monkeypatch.setattr(grouping, "CELL_SIZE", 12)
    truth, vectors = labelled
    assert pairwise_f1(truth, grouping.cluster(np.asarray(vectors), gaps.DEFAULT_CUT)) >= 0.7


def test_identical_questions_form_one_group_even_when_kmeans_cannot_split_them(labelled, small_cells):
    _, vectors = labelled
    same = np.repeat(np.asarray(vectors[:1], dtype=np.float32), 1000, axis=0)
    assert set(grouping.cluster(same, gaps.DEFAULT_CUT)) == {0}


def test_distinct_topics_stay_apart_in_the_scaled_path(labelled, small_cells):
    """Questions of two different labelled topics, 600 rewordings each, are never merged into one group."""
    truth, vectors = labelled
    vectors = np.asarray(vectors)
    first, second = truth[0], next(t for t in truth if t != truth[0])
    a, b = vectors[truth.index(first)], vectors[truth.index(second)]
    rng = np.random.default_rng(3)
    x = np.concatenate([a + 0.02 * rng.standard_normal((600, len(a))), b + 0.02 * rng.standard_normal((600, len(b)))])
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    labels = grouping.cluster(x, gaps.DEFAULT_CUT)
    assert not set(labels[:600]) & set(labels[600:])


def test_merging_across_cells_reunites_topics_that_the_partition_cut_apart(labelled, small_cells, monkeypatch):
    """Cells drawn at random, not by k-means: every topic is split over several cells, and only the merge
    across cells can bring its rewordings back together."""
    _, vectors = labelled
    x, truth = synthetic(np.asarray(vectors).mean(axis=0), 2500, topics=100)
    rng = np.random.default_rng(5)
    monkeypatch.setattr(grouping, "_partition", lambda v, cells, seed: rng.integers(0, cells, len(v)))
    assert pairwise_f1(truth, grouping.cluster(x, gaps.DEFAULT_CUT)) >= 0.95
