"""Build a small but real `.argosmodel` for the tests: no translation model can be downloaded here.

The steps are those of a real Argos package, scaled down:
1. a SentencePiece model trained on the toy corpus (one shared vocabulary for both languages, like Argos);
2. a pre-norm Transformer in PyTorch whose parameters carry OpenNMT-py's names, trained until it has learnt
   the corpus by heart (about a second per model);
3. an OpenNMT-py checkpoint of it, converted by CTranslate2's own `OpenNMTPyConverter` (the converter Argos
   models are made with);
4. a zip with `metadata.json`, `model/`, `sentencepiece.model` and a README, named `.argosmodel`;
5. a check that the converted model, run as argostranslate runs it (beam 4, int8 where the CPU has it), gives
   back every target of its corpus.

Each corpus sentence is one SentencePiece piece of its own (other text falls back to sub-word pieces), so the
model learns which sentence maps to which. Why not sub-words all the way: argostranslate calls CTranslate2's
beam search with patience 1, which stops as soon as 4 hypotheses have finished; a model that memorised
sub-word sequences has "skip ahead" runner-ups that finish first, and the search then returns them (measured
while building this: 4 of 6 sentences right with patience 1, 6 of 6 with patience 2). With one piece per
sentence every hypothesis has the same length and the best one wins.

A model trained on pairs whose targets are translations of *other* sentences produces fluent but wrong output:
that is how the tests make drifted translations for the confidence gate. `random_weights=True` skips training.
Built packages are cached by a hash of everything that shapes them.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import shutil
import tempfile
import zipfile
from pathlib import Path

BUILDER_VERSION = "2"
SPECIALS = ["<unk>", "<blank>", "<s>", "</s>"]  # OpenNMT-py's vocabulary head
D_MODEL, HEADS, FFN, LAYERS, MAX_LEN = 64, 4, 128, 2, 256


def _torch_modules():
    import torch
    from torch import nn

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear_query = nn.Linear(D_MODEL, D_MODEL)
            self.linear_keys = nn.Linear(D_MODEL, D_MODEL)
            self.linear_values = nn.Linear(D_MODEL, D_MODEL)
            self.final_linear = nn.Linear(D_MODEL, D_MODEL)

        def forward(self, x, memory, mask):
            b, tq, _ = x.shape
            tk = memory.shape[1]
            head = D_MODEL // HEADS

            def heads(t, n):
                return t.view(b, n, HEADS, head).transpose(1, 2)

            q = heads(self.linear_query(x), tq) / math.sqrt(head)
            k, v = heads(self.linear_keys(memory), tk), heads(self.linear_values(memory), tk)
            scores = (q @ k.transpose(-1, -2)).masked_fill(~mask, float("-inf"))
            out = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, tq, D_MODEL)
            return self.final_linear(out)

    class FeedForward(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer_norm = nn.LayerNorm(D_MODEL, eps=1e-6)
            self.w_1 = nn.Linear(D_MODEL, FFN)
            self.w_2 = nn.Linear(FFN, D_MODEL)

        def forward(self, x):
            return x + self.w_2(torch.relu(self.w_1(self.layer_norm(x))))

    class EncoderLayer(nn.Module):
        def __init__(self):
            super().__init__()
            self.self_attn = Attention()
            self.layer_norm = nn.LayerNorm(D_MODEL, eps=1e-6)
            self.feed_forward = FeedForward()

        def forward(self, x, mask):
            h = self.layer_norm(x)
            return self.feed_forward(x + self.self_attn(h, h, mask))

    class DecoderLayer(nn.Module):
        def __init__(self):
            super().__init__()
            self.self_attn = Attention()
            self.layer_norm_1 = nn.LayerNorm(D_MODEL, eps=1e-6)
            self.context_attn = Attention()
            self.layer_norm_2 = nn.LayerNorm(D_MODEL, eps=1e-6)
            self.feed_forward = FeedForward()

        def forward(self, y, memory, self_mask, src_mask):
            h = self.layer_norm_1(y)
            y = y + self.self_attn(h, h, self_mask)
            y = y + self.context_attn(self.layer_norm_2(y), memory, src_mask)
            return self.feed_forward(y)

    class PositionTable(nn.Module):
        def __init__(self):
            super().__init__()
            position = torch.arange(MAX_LEN).unsqueeze(1)
            div = torch.exp(torch.arange(0, D_MODEL, 2) * (-math.log(10000.0) / D_MODEL))
            pe = torch.zeros(MAX_LEN, D_MODEL)
            pe[:, 0::2] = torch.sin(position * div)
            pe[:, 1::2] = torch.cos(position * div)
            self.register_buffer("pe", pe)

    class MakeEmbedding(nn.Module):
        def __init__(self, vocab_size):
            super().__init__()
            self.emb_luts = nn.ModuleList([nn.Embedding(vocab_size, D_MODEL)])
            self.pe = PositionTable()

    class Embeddings(nn.Module):
        def __init__(self, vocab_size):
            super().__init__()
            self.make_embedding = MakeEmbedding(vocab_size)

        def forward(self, ids):
            scaled = self.make_embedding.emb_luts[0](ids) * math.sqrt(D_MODEL)
            return scaled + self.make_embedding.pe.pe[: ids.shape[1]]

    class Encoder(nn.Module):
        def __init__(self, vocab_size):
            super().__init__()
            self.embeddings = Embeddings(vocab_size)
            self.transformer = nn.ModuleList([EncoderLayer() for _ in range(LAYERS)])
            self.layer_norm = nn.LayerNorm(D_MODEL, eps=1e-6)

        def forward(self, src, src_mask):
            x = self.embeddings(src)
            for layer in self.transformer:
                x = layer(x, src_mask)
            return self.layer_norm(x)

    class Decoder(nn.Module):
        def __init__(self, vocab_size):
            super().__init__()
            self.embeddings = Embeddings(vocab_size)
            self.transformer_layers = nn.ModuleList([DecoderLayer() for _ in range(LAYERS)])
            self.layer_norm = nn.LayerNorm(D_MODEL, eps=1e-6)

        def forward(self, tgt, memory, self_mask, src_mask):
            y = self.embeddings(tgt)
            for layer in self.transformer_layers:
                y = layer(y, memory, self_mask, src_mask)
            return self.layer_norm(y)

    class Seq2Seq(nn.Module):
        def __init__(self, vocab_size):
            super().__init__()
            self.encoder = Encoder(vocab_size)
            self.decoder = Decoder(vocab_size)
            self.generator = nn.Linear(D_MODEL, vocab_size)

        def forward(self, src, tgt_in, pad):
            src_keep = (src != pad)[:, None, None, :]
            t = tgt_in.shape[1]
            causal = torch.tril(torch.ones(t, t, dtype=torch.bool))[None, None]
            memory = self.encoder(src, src_keep)
            return self.generator(self.decoder(tgt_in, memory, causal, src_keep))

    return torch, Seq2Seq


def train_sentencepiece(texts: list[str], out: Path, vocab_size: int, phrases: list[str] = ()) -> None:
    """A unigram model of the corpus; each of `phrases` (the corpus sentences) becomes one piece of its own."""
    import sentencepiece as spm

    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        # words on their own give the sub-word pieces (any other text falls back to them)
        sentence_iterator=iter([w for t in texts for w in t.split()]), model_writer=buffer, vocab_size=vocab_size, hard_vocab_limit=False,
        character_coverage=1.0, model_type="unigram", minloglevel=2, num_threads=1,
        normalization_rule_name="identity",  # keep Thai SARA AM etc. exactly as written
        add_dummy_prefix=False, user_defined_symbols=[p.replace(" ", "▁") for p in phrases],
    )
    out.write_bytes(buffer.getvalue())


class _Trainer:
    """Full-batch training on the toy corpus, in rounds: `run` stops once every target token is predicted with
    probability > 1 - `tolerance` and </s> never threatens mid-sentence; `tighten` asks for a wider margin."""

    def __init__(self, pairs: list[tuple[str, str]], sp_path: Path, seed: int):
        import sentencepiece as spm

        self.torch, seq2seq = _torch_modules()
        torch = self.torch
        torch.manual_seed(seed)
        torch.set_num_threads(1)  # measured: 3x faster than 2 threads on a busy 2-core machine
        sp = spm.SentencePieceProcessor(model_file=str(sp_path))
        pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
        self.vocab = SPECIALS + [p for p in pieces if p not in SPECIALS]
        index = {p: i for i, p in enumerate(self.vocab)}
        unk, self.pad, bos, self.eos = (index[s] for s in SPECIALS)
        self.model = seq2seq(len(self.vocab))
        src = [[index.get(p, unk) for p in sp.encode(s, out_type=str)] for s, _ in pairs]
        tgt = [[index.get(p, unk) for p in sp.encode(t, out_type=str)] for _, t in pairs]
        width_s, width_t = max(map(len, src)), max(map(len, tgt)) + 1
        self.src = torch.tensor([s + [self.pad] * (width_s - len(s)) for s in src])
        self.tin = torch.tensor([[bos] + t + [self.pad] * (width_t - 1 - len(t)) for t in tgt])
        self.tout = torch.tensor([t + [self.eos] + [self.pad] * (width_t - 1 - len(t)) for t in tgt])
        self.optimiser = torch.optim.Adam(self.model.parameters(), lr=6e-3)
        self.tolerance = 1e-3

    def run(self, max_steps: int) -> None:
        torch = self.torch
        loss_fn = torch.nn.CrossEntropyLoss(ignore_index=self.pad)
        real = self.tout != self.pad
        mid = real & (self.tout != self.eos)
        for step in range(max_steps):
            self.optimiser.zero_grad()
            logits = self.model(self.src, self.tin, self.pad)
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), self.tout.reshape(-1))
            # Unlikelihood of </s> before the end: CTranslate2's beam search stops once beam_size hypotheses
            # have finished, so a memorised model whose runner-up token is always </s> would end sentences early.
            probs = logits.softmax(-1)
            loss = loss - torch.log1p(-probs[..., self.eos][mid].clamp(max=1 - 1e-6)).mean()
            loss.backward()
            self.optimiser.step()
            if step % 25 == 0:
                with torch.no_grad():
                    right = probs.gather(-1, self.tout.unsqueeze(-1)).squeeze(-1)[real]
                    if right.min() > 1 - self.tolerance and probs[..., self.eos][mid].max() < self.tolerance / 10:
                        return

    def tighten(self) -> None:
        self.tolerance /= 10


def _reproduces(model_dir: Path, sp_path: Path, pairs: list[tuple[str, str]]) -> bool:
    """Does the converted model, run as argostranslate runs it (int8 where the CPU has it, beam 4), give back
    every target of the corpus?"""
    import ctranslate2
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(sp_path))
    translator = ctranslate2.Translator(str(model_dir), device="cpu", compute_type="auto")
    results = translator.translate_batch([sp.encode(s, out_type=str) for s, _ in pairs], beam_size=4,
                                         length_penalty=0.2, replace_unknowns=True)
    return all(sp.decode_pieces(r.hypotheses[0]) == t for r, (_, t) in zip(results, pairs))


def _convert(torch, model, vocab: list[str], out_dir: Path) -> None:
    from ctranslate2.converters import OpenNMTPyConverter

    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    checkpoint = {
        "model": {k: v for k, v in state.items() if not k.startswith("generator.")},
        "generator": {k.split(".", 1)[1]: v for k, v in state.items() if k.startswith("generator.")},
        "vocab": {"src": vocab, "tgt": vocab},
        "opt": argparse.Namespace(encoder_type="transformer", decoder_type="transformer", enc_layers=LAYERS,
                                  dec_layers=LAYERS, heads=HEADS, position_encoding=True,
                                  max_relative_positions=0, pos_ffn_activation_fn="relu"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        pt = Path(tmp) / "model.pt"
        torch.save(checkpoint, pt)
        # our own checkpoint: pickle (argparse.Namespace) is safe to load here
        OpenNMTPyConverter(str(pt), unsafe_deserialization=True).convert(str(out_dir), force=True)


def build_package(out: Path, from_code: str, to_code: str, pairs: list[tuple[str, str]], *,
                  corpus_extra: list[str] = (), steps: int = 3000, rounds: int = 4, seed: int = 1, vocab_size: int = 400,
                  random_weights: bool = False, version: str = "1.0") -> Path:
    """Write `out` (an .argosmodel) translating from_code → to_code; returns `out`."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
        root.mkdir()
        sp_path = root / "sentencepiece.model"
        texts = [t for pair in pairs for t in pair] + list(corpus_extra)
        train_sentencepiece(texts, sp_path, vocab_size, phrases=sorted(set(texts), key=len, reverse=True))
        trainer = _Trainer(pairs, sp_path, seed)
        for _ in range(rounds):
            if random_weights:
                _convert(trainer.torch, trainer.model, trainer.vocab, root / "model")
                break
            trainer.run(steps)
            _convert(trainer.torch, trainer.model, trainer.vocab, root / "model")
            if _reproduces(root / "model", sp_path, pairs):
                break
            trainer.tighten()  # quantisation or beam search changed an output: learn with a wider margin
        else:
            raise RuntimeError(f"the {from_code}->{to_code} toy model did not learn its corpus in {rounds} rounds")
        metadata = {"package_version": version, "argos_version": "1.9.0", "from_code": from_code,
                    "from_name": from_code, "to_code": to_code, "to_name": to_code, "type": "translate",
                    "links": []}
        (root / "metadata.json").write_text(json.dumps(metadata, indent=2))
        (root / "README.md").write_text(f"Test model {from_code}->{to_code} built by tests/translation/toy_model.py\n")
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(".partial")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            for file in sorted(root.rglob("*")):
                zf.write(file, file.relative_to(root.parent))
        partial.replace(out)
    return out


def cached_package(cache_dir: Path, from_code: str, to_code: str, pairs: list[tuple[str, str]], **kwargs) -> Path:
    """`build_package` once per distinct input; later sessions reuse the file."""
    key = hashlib.sha256(json.dumps([BUILDER_VERSION, from_code, to_code, pairs, sorted(kwargs.items(), key=str)],
                                    ensure_ascii=False, default=list).encode()).hexdigest()[:16]
    path = cache_dir / f"{from_code}_{to_code}-{key}.argosmodel"
    if not path.exists():
        build_package(path, from_code, to_code, pairs, **kwargs)
    return path


def clear_cache(cache_dir: Path) -> None:
    shutil.rmtree(cache_dir, ignore_errors=True)
