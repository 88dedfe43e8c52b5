"""Grouping logged questions by meaning: average linkage on cosine distance, exact when small, scaled when large.

Why two paths: exact average linkage needs the full distance matrix, quadratic in time and memory (5.9 s and
393 MB at 6,000 questions, ~1.6 GB at 20,000; issue 12). Above EXACT_LIMIT questions the grouping runs in
three steps that keep every step near-linear:

1. partition: spherical k-means through FAISS into cells of about CELL_SIZE questions;
2. inside each cell: exact average linkage (the same cut-off), giving sub-groups;
3. across cells: sub-groups whose centroids are close (a FAISS range search) are merged greedily, closest
   pair first, while their average-linkage distance stays under the cut-off.

Step 3 is exact about the distance it uses: for unit vectors the mean pairwise cosine similarity between
groups A and B is (sum_A . sum_B) / (n_A n_B), so merging two groups only adds their sums. What it gives up
is the strict merge order of the exact algorithm; tests/test_editorial_grouping.py measures the agreement.
"""

from __future__ import annotations

import math

import numpy as np

EXACT_LIMIT = 2000
CELL_SIZE = 500
MERGE_ROUNDS = 4
NEIGHBOURS = 10
FLAT_LIMIT = 20000
NPROBE = 4


def exact(vectors: np.ndarray, cut: float) -> np.ndarray:
    """Labels 0..k-1 from exact average linkage, cut at cosine distance `cut`."""
    n = len(vectors)
    if n <= 1:
        return np.zeros(n, dtype=np.int64)
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    x = vectors.astype(np.float64)
    distances = np.clip(1.0 - x @ x.T, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    tree = linkage(squareform(distances, checks=False), method="average")
    return fcluster(tree, t=cut, criterion="distance").astype(np.int64) - 1


def _partition(vectors: np.ndarray, cells: int, seed: int) -> np.ndarray:
    import faiss

    kmeans = faiss.Kmeans(vectors.shape[1], cells, niter=10, spherical=True, seed=seed, verbose=False)
    kmeans.train(vectors)
    _, assigned = kmeans.index.search(vectors, 1)
    return assigned[:, 0]


def _within_cells(vectors: np.ndarray, cut: float, seed: int) -> np.ndarray:
    cells = _partition(vectors, max(2, math.ceil(len(vectors) / CELL_SIZE)), seed)
    labels = np.empty(len(vectors), dtype=np.int64)
    offset = 0
    for cell in np.unique(cells):
        members = np.flatnonzero(cells == cell)
        if len(members) == len(vectors):  # k-means did not split (all vectors alike): cut it in fixed chunks
            chunks = np.array_split(members, math.ceil(len(members) / CELL_SIZE))
        else:
            chunks = [members]
        for chunk in chunks:
            sub = (exact(vectors[chunk], cut) if len(chunk) <= EXACT_LIMIT
                   else _within_cells(vectors[chunk], cut, seed + 1))
            labels[chunk] = sub + offset
            offset += int(sub.max()) + 1
    return labels


def _find(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _neighbour_index(centroids: np.ndarray):
    """Exact inner-product search over a few thousand centroids; an IVF index (searching the NPROBE nearest of
    about one cell per CELL_SIZE groups) above FLAT_LIMIT, where a flat search is quadratic."""
    import faiss

    d = centroids.shape[1]
    if len(centroids) <= FLAT_LIMIT:
        index = faiss.IndexFlatIP(d)
    else:
        quantizer = faiss.IndexFlatIP(d)
        index = faiss.IndexIVFFlat(quantizer, d, math.ceil(len(centroids) / CELL_SIZE), faiss.METRIC_INNER_PRODUCT)
        index.train(centroids)
        index.nprobe = NPROBE
    index.add(centroids)
    return index


def _group_sums(vectors: np.ndarray, labels: np.ndarray, groups: int) -> np.ndarray:
    from scipy.sparse import csr_matrix

    one_hot = csr_matrix((np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
                         shape=(groups, len(labels)))
    return np.asarray(one_hot @ vectors, dtype=np.float32)


def _mean_similarity(sums: np.ndarray, counts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a), dtype=np.float64)
    for start in range(0, len(a), 16384):  # chunks: sums[a] for every pair at once would take gigabytes
        part = slice(start, start + 16384)
        out[part] = np.einsum("ij,ij->i", sums[a[part]], sums[b[part]])
    return out / (counts[a] * counts[b])


def _merge_across(vectors: np.ndarray, labels: np.ndarray, cut: float) -> np.ndarray:
    queries = None  # first round: every group looks for partners; later rounds: only the groups that grew
    for _ in range(MERGE_ROUNDS):
        groups = int(labels.max()) + 1
        sums = _group_sums(vectors, labels, groups)
        counts = np.bincount(labels, minlength=groups).astype(np.float64)
        centroids = sums / np.maximum(np.linalg.norm(sums, axis=1), 1e-12)[:, None]
        queries = np.arange(groups) if queries is None else queries
        # Two groups can reach mean similarity 1 - cut only if their centroids do: the mean similarity is
        # cos(centroids) * cohesion_A * cohesion_B, and cohesion (|sum| / n) is at most 1. Only the NEIGHBOURS
        # nearest centroids are candidates, which bounds memory (a range search returned billions of pairs on
        # embeddings as anisotropic as e5's).
        scores, neighbours = _neighbour_index(centroids).search(centroids[queries], min(NEIGHBOURS + 1, groups))
        rows = np.repeat(queries, neighbours.shape[1])
        neighbours, scores = neighbours.ravel().astype(np.int64), scores.ravel()
        keep = (neighbours >= 0) & (rows != neighbours) & (scores >= 1.0 - cut)
        pairs = np.unique(np.sort(np.stack([rows[keep], neighbours[keep]], axis=1), axis=1), axis=0)
        if len(pairs) == 0:
            break
        a, b = pairs[:, 0], pairs[:, 1]
        similarity = _mean_similarity(sums, counts, a, b)
        mergeable = similarity >= 1.0 - cut
        a, b, similarity = a[mergeable], b[mergeable], similarity[mergeable]
        if len(a) == 0:
            break
        parent = np.arange(groups)
        grown = np.zeros(groups, dtype=bool)
        merged_sums, merged_counts = {}, {}
        for k in np.argsort(-similarity, kind="stable"):  # closest pair first, as average linkage does
            ra, rb = _find(parent, int(a[k])), _find(parent, int(b[k]))
            if ra == rb:
                continue
            if grown[ra] or grown[rb]:
                # a group grew since the pair was scored: judge the pair as it is now
                sum_a, sum_b = merged_sums.get(ra, sums[ra]), merged_sums.get(rb, sums[rb])
                n_a, n_b = merged_counts.get(ra, counts[ra]), merged_counts.get(rb, counts[rb])
                if float(sum_a @ sum_b) / (n_a * n_b) < 1.0 - cut:
                    continue
            parent[rb] = ra
            merged_sums[ra] = merged_sums.get(ra, sums[ra]) + merged_sums.pop(rb, sums[rb])
            merged_counts[ra] = merged_counts.get(ra, counts[ra]) + merged_counts.pop(rb, counts[rb])
            grown[ra] = True
        roots = np.array([_find(parent, g) for g in range(groups)])
        _, new_ids = np.unique(roots, return_inverse=True)
        labels = new_ids[labels]
        queries = np.unique(new_ids[np.flatnonzero(grown)])
    return labels


def cluster(vectors: np.ndarray, cut: float, seed: int = 0) -> list[int]:
    """Cluster labels (0..k-1) for L2-normalised vectors."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) <= EXACT_LIMIT:
        return exact(vectors, cut).tolist()
    return _merge_across(vectors, _within_cells(vectors, cut, seed), cut).tolist()
