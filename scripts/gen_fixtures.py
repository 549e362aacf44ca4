#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures used by recur's tests.

Produces (and rewrites) its own files under ``fixtures/`` (rnn/, cells/, losses, optim, README.md):

  fixtures/rnn/<cell>_l<L>_<uni|bi>_<equal|ragged>_<h0|noh0>.safetensors
      64 files: nn.RNN(tanh|relu) / nn.LSTM / nn.GRU, batch_first, run on a
      packed (pack_padded_sequence, enforce_sorted=False) batch, with forward
      outputs and the gradients of a fixed weighted-sum loss.
  fixtures/cells/<rnn_tanh|rnn_relu|lstm|gru>.safetensors
      single-step nn.RNNCell / nn.LSTMCell / nn.GRUCell forward + backward.
  fixtures/losses.safetensors
      mse / l1 / huber / bce_with_logits / cross_entropy, reductions
      mean, sum, none, outputs and input gradients.
  fixtures/optim.safetensors
      5 steps of SGD / Adam / AdamW / RMSprop variants, plus
      clip_grad_norm_ and clip_grad_value_.
  fixtures/README.md
      description of the files and naming.

All random values are drawn as float32, then modules and tensors are
converted to float64; every forward/backward/optimizer step runs in float64
and results are stored as F32 (rounded once).  Safetensors files are written
by hand (no dependency on the ``safetensors`` package).

Run from the repository root (Debian's torch, not pip):

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 scripts/gen_fixtures.py

The script is deterministic (fixed seeds).  After writing it re-reads every
file with an independent parser, checks the round trip, re-runs one recurrent
case from the stored tensors, and prints a summary.
"""

import json
import os
import shutil
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FIX = os.path.join(ROOT, "fixtures")

# Everything written, for the round-trip check: path -> (tensors, metadata)
WRITTEN = {}


# --------------------------------------------------------------------------
# safetensors writer / reader
# --------------------------------------------------------------------------

def to_f32_bytes(t):
    a = t.detach().to(torch.float64).cpu().contiguous().numpy().astype("<f4")
    return a.tobytes(order="C"), list(a.shape)


def write_safetensors(path, tensors, metadata):
    """tensors: dict name -> torch tensor (any float dtype / long); stored F32."""
    for k, v in metadata.items():
        if not isinstance(v, str):
            raise TypeError(f"metadata {k} must be str, got {type(v)}")
    header = {}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        data, shape = to_f32_bytes(tensors[name])
        header[name] = {
            "dtype": "F32",
            "shape": shape,
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    full = {"__metadata__": metadata}
    full.update(header)
    hjson = json.dumps(full, separators=(",", ":")).encode("utf-8")
    pad = (-len(hjson)) % 8
    hjson += b" " * pad
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for c in chunks:
            f.write(c)
    WRITTEN[path] = (
        {k: v.detach().to(torch.float64).to(torch.float32).numpy().copy()
         for k, v in tensors.items()},
        dict(metadata),
    )


def read_safetensors(path):
    """Independent minimal reader: returns (dict name -> np.float32 array, metadata)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert n % 8 == 0, "header length not a multiple of 8"
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    buf = raw[8 + n:]
    out = {}
    spans = []
    for name, info in header.items():
        assert info["dtype"] == "F32"
        b, e = info["data_offsets"]
        count = int(np.prod(info["shape"])) if info["shape"] else 1
        assert e - b == 4 * count, f"{name}: size mismatch"
        out[name] = np.frombuffer(buf[b:e], dtype="<f4").reshape(info["shape"])
        spans.append((b, e, name))
    spans.sort()
    pos = 0
    for b, e, name in spans:
        assert b == pos, f"gap/overlap before {name}"
        pos = e
    assert pos == len(buf), "trailing bytes after data"
    # layout must follow sorted names
    assert [s[2] for s in spans] == sorted(header), "layout not in sorted-name order"
    return out, meta


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def randn(*shape):
    return torch.randn(*shape, dtype=torch.float32)


def perturb_biases(module):
    """Add U(-0.5, 0.5) (float32) to every bias so none are tiny."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "bias" in name:
                p.add_(torch.rand(p.shape, dtype=torch.float32) - 0.5)


def jstr(x):
    return json.dumps(x, separators=(",", ":"))


def bstr(b):
    return "true" if b else "false"


# --------------------------------------------------------------------------
# 1. recurrent layers
# --------------------------------------------------------------------------

B, T, D, H = 5, 7, 3, 4
RAGGED = [2, 7, 1, 5, 5]
CELLS = ["rnn_tanh", "rnn_relu", "lstm", "gru"]


def make_layer(cell, layers, bidir):
    kw = dict(input_size=D, hidden_size=H, num_layers=layers, bias=True,
              batch_first=True, dropout=0.0, bidirectional=bidir)
    if cell == "rnn_tanh":
        return nn.RNN(nonlinearity="tanh", **kw)
    if cell == "rnn_relu":
        return nn.RNN(nonlinearity="relu", **kw)
    if cell == "lstm":
        return nn.LSTM(**kw)
    if cell == "gru":
        return nn.GRU(**kw)
    raise ValueError(cell)


def gen_rnn():
    out_dir = os.path.join(FIX, "rnn")
    case_idx = 0
    for cell in CELLS:
        for layers in (1, 2):
            for bidir in (False, True):
                for lkind in ("equal", "ragged"):
                    for init in ("h0", "noh0"):
                        seed = 1000 + case_idx
                        case_idx += 1
                        name = f"{cell}_l{layers}_{'bi' if bidir else 'uni'}_{lkind}_{init}"
                        gen_rnn_case(out_dir, name, seed, cell, layers, bidir,
                                     lkind, init == "h0")


def gen_rnn_case(out_dir, name, seed, cell, layers, bidir, lkind, has_init):
    torch.manual_seed(seed)
    dirs = 2 if bidir else 1
    is_lstm = cell == "lstm"
    mod = make_layer(cell, layers, bidir)
    perturb_biases(mod)
    lengths = [T] * B if lkind == "equal" else list(RAGGED)

    x32 = randn(B, T, D)
    for b, L in enumerate(lengths):
        x32[b, L:] = 0.0
    h0_32 = randn(layers * dirs, B, H) * 0.5 if has_init else None
    c0_32 = randn(layers * dirs, B, H) * 0.5 if (has_init and is_lstm) else None
    gOut32 = randn(B, T, dirs * H)
    gH32 = randn(layers * dirs, B, H)
    gC32 = randn(layers * dirs, B, H) if is_lstm else None

    params32 = {n: p.detach().clone() for n, p in mod.named_parameters()}
    mod = mod.double()

    x = x32.double().requires_grad_(True)
    h0 = h0_32.double().requires_grad_(True) if has_init else None
    c0 = c0_32.double().requires_grad_(True) if c0_32 is not None else None
    if has_init:
        state = (h0, c0) if is_lstm else h0
    else:
        state = None

    packed = pack_padded_sequence(x, torch.tensor(lengths, dtype=torch.int64),
                                  batch_first=True, enforce_sorted=False)
    out_packed, st = mod(packed, state)
    out, _ = pad_packed_sequence(out_packed, batch_first=True, total_length=T)
    if is_lstm:
        hN, cN = st
    else:
        hN, cN = st, None

    loss = (out * gOut32.double()).sum() + (hN * gH32.double()).sum()
    if is_lstm:
        loss = loss + (cN * gC32.double()).sum()
    loss.backward()

    if cell == "rnn_relu":
        frac = (out.detach() > 0).double().mean().item()
        assert frac > 0.1, f"{name}: relu output almost all zero ({frac})"

    t = {}
    for n, p in mod.named_parameters():
        assert torch.equal(p.detach().float(), params32[n])
        t[f"param.{n}"] = params32[n]
        t[f"grad.{n}"] = p.grad
    t["input"] = x32
    t["lengths"] = torch.tensor(lengths, dtype=torch.float32)
    t["output"] = out
    t["hN"] = hN
    t["gOut"] = gOut32
    t["gH"] = gH32
    t["grad.input"] = x.grad
    if is_lstm:
        t["cN"] = cN
        t["gC"] = gC32
    if has_init:
        t["h0"] = h0_32
        t["grad.h0"] = h0.grad
        if is_lstm:
            t["c0"] = c0_32
            t["grad.c0"] = c0.grad

    meta = {
        "cell": cell,
        "inputSize": str(D),
        "hiddenSize": str(H),
        "numLayers": str(layers),
        "bidirectional": bstr(bidir),
        "batch": str(B),
        "steps": str(T),
        "lengths": jstr(lengths),
        "hasInit": bstr(has_init),
        "seed": str(seed),
    }
    write_safetensors(os.path.join(out_dir, name + ".safetensors"), t, meta)


# --------------------------------------------------------------------------
# 2. single-step cells
# --------------------------------------------------------------------------

def gen_cells():
    CB, CD, CH = 3, 3, 4
    out_dir = os.path.join(FIX, "cells")
    for i, kind in enumerate(CELLS):
        seed = 2000 + i
        torch.manual_seed(seed)
        if kind == "rnn_tanh":
            mod = nn.RNNCell(CD, CH, bias=True, nonlinearity="tanh")
        elif kind == "rnn_relu":
            mod = nn.RNNCell(CD, CH, bias=True, nonlinearity="relu")
        elif kind == "lstm":
            mod = nn.LSTMCell(CD, CH, bias=True)
        else:
            mod = nn.GRUCell(CD, CH, bias=True)
        perturb_biases(mod)
        is_lstm = kind == "lstm"
        x32 = randn(CB, CD)
        h32 = randn(CB, CH) * 0.5
        c32 = randn(CB, CH) * 0.5 if is_lstm else None
        gH32 = randn(CB, CH)
        gC32 = randn(CB, CH) if is_lstm else None

        params32 = {n: p.detach().clone() for n, p in mod.named_parameters()}
        mod = mod.double()
        x = x32.double().requires_grad_(True)
        h = h32.double().requires_grad_(True)
        if is_lstm:
            c = c32.double().requires_grad_(True)
            hOut, cOut = mod(x, (h, c))
            loss = (hOut * gH32.double()).sum() + (cOut * gC32.double()).sum()
        else:
            hOut = mod(x, h)
            loss = (hOut * gH32.double()).sum()
        loss.backward()

        t = {}
        for n, p in mod.named_parameters():
            t[f"param.{n}"] = params32[n]
            t[f"grad.{n}"] = p.grad
        t["x"] = x32
        t["h"] = h32
        t["hOut"] = hOut
        t["gH"] = gH32
        t["grad.x"] = x.grad
        t["grad.h"] = h.grad
        if is_lstm:
            t["c"] = c32
            t["cOut"] = cOut
            t["gC"] = gC32
            t["grad.c"] = c.grad
        meta = {"cell": kind, "inputSize": str(CD), "hiddenSize": str(CH),
                "batch": str(CB), "seed": str(seed)}
        write_safetensors(os.path.join(out_dir, kind + ".safetensors"), t, meta)


# --------------------------------------------------------------------------
# 3. losses
# --------------------------------------------------------------------------

def gen_losses():
    torch.manual_seed(3000)
    t = {}
    meta = {}
    names = []
    REDS = ("mean", "sum", "none")

    def block(name, cfg, inp32, tgt32, fn, extra=None):
        names.append(name)
        meta[name] = jstr(cfg)
        t[f"{name}.input"] = inp32
        t[f"{name}.target"] = tgt32
        if extra:
            t.update(extra)
        for red in REDS:
            x = inp32.double().requires_grad_(True)
            out = fn(x, red)
            if red == "none":
                w32 = randn(*out.shape)
                t[f"{name}.none.w"] = w32
                (out * w32.double()).sum().backward()
            else:
                out.sum().backward()
                out = out.reshape(1)
            t[f"{name}.{red}.out"] = out
            t[f"{name}.{red}.grad"] = x.grad

    # regression losses [4,3]
    a, b = randn(4, 3) * 1.5, randn(4, 3) * 1.5
    block("mse", {"fn": "mse_loss"}, a, b,
          lambda x, r: F.mse_loss(x, b.double(), reduction=r))
    a, b = randn(4, 3), randn(4, 3)
    block("l1", {"fn": "l1_loss"}, a, b,
          lambda x, r: F.l1_loss(x, b.double(), reduction=r))
    a, b = randn(4, 3) * 1.5, randn(4, 3) * 1.5
    block("huber_d1", {"fn": "huber_loss", "delta": 1.0}, a, b,
          lambda x, r: F.huber_loss(x, b.double(), reduction=r, delta=1.0))
    a, b = randn(4, 3), randn(4, 3)
    block("huber_d05", {"fn": "huber_loss", "delta": 0.5}, a, b,
          lambda x, r: F.huber_loss(x, b.double(), reduction=r, delta=0.5))

    # BCE with logits [4,3]; targets in [0,1] with some exact 0/1
    a = randn(4, 3) * 2.0
    b = torch.rand(4, 3, dtype=torch.float32)
    b[0, 0], b[1, 1], b[2, 2], b[3, 0] = 0.0, 1.0, 1.0, 0.0
    block("bce_logits", {"fn": "bce_with_logits", "pos_weight": False}, a, b,
          lambda x, r: F.binary_cross_entropy_with_logits(x, b.double(), reduction=r))
    a = randn(4, 3) * 2.0
    b2 = torch.rand(4, 3, dtype=torch.float32)
    b2[0, 1], b2[1, 2], b2[2, 0], b2[3, 2] = 1.0, 0.0, 1.0, 0.0
    pw = torch.rand(3, dtype=torch.float32) * 2.0 + 0.25
    block("bce_logits_pw", {"fn": "bce_with_logits", "pos_weight": True}, a, b2,
          lambda x, r: F.binary_cross_entropy_with_logits(
              x, b2.double(), pos_weight=pw.double(), reduction=r),
          extra={"bce_logits_pw.pos_weight": pw})

    # cross entropy: logits [6,5], class-index targets
    logits = randn(6, 5) * 1.5
    tgt = torch.tensor([3, 0, -100, 4, 1, 2], dtype=torch.int64)
    block("cross_entropy", {"fn": "cross_entropy", "ignore_index": -100,
                            "label_smoothing": 0},
          logits, tgt.float(),
          lambda x, r: F.cross_entropy(x, tgt, ignore_index=-100, reduction=r))
    logits2 = randn(6, 5) * 1.5
    tgt2 = torch.tensor([1, 4, 2, 0, 3, 3], dtype=torch.int64)
    block("cross_entropy_all", {"fn": "cross_entropy", "ignore_index": -100,
                                "label_smoothing": 0},
          logits2, tgt2.float(),
          lambda x, r: F.cross_entropy(x, tgt2, ignore_index=-100, reduction=r))

    meta["names"] = jstr(names)
    meta["reductions"] = jstr(list(REDS))
    write_safetensors(os.path.join(FIX, "losses.safetensors"), t, meta)


# --------------------------------------------------------------------------
# 4/5. optimizers and clipping
# --------------------------------------------------------------------------

OPTIMS = [
    ("sgd", {"kind": "sgd", "lr": 0.1, "momentum": 0, "dampening": 0,
             "weightDecay": 0, "nesterov": False}),
    ("sgd_momentum", {"kind": "sgd", "lr": 0.1, "momentum": 0.9, "dampening": 0,
                      "weightDecay": 0, "nesterov": False}),
    ("sgd_nesterov_wd", {"kind": "sgd", "lr": 0.1, "momentum": 0.9, "dampening": 0,
                         "weightDecay": 0.01, "nesterov": True}),
    ("sgd_dampening", {"kind": "sgd", "lr": 0.1, "momentum": 0.9, "dampening": 0.1,
                       "weightDecay": 0, "nesterov": False}),
    ("adam", {"kind": "adam", "lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8,
              "weightDecay": 0, "amsgrad": False}),
    ("adam_wd", {"kind": "adam", "lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8,
                 "weightDecay": 0.1, "amsgrad": False}),
    ("adam_amsgrad", {"kind": "adam", "lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8,
                      "weightDecay": 0, "amsgrad": True}),
    ("adamw", {"kind": "adamw", "lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-8,
               "weightDecay": 0.1, "amsgrad": False}),
    ("rmsprop", {"kind": "rmsprop", "lr": 0.01, "alpha": 0.99, "eps": 1e-8,
                 "momentum": 0, "centered": False, "weightDecay": 0}),
    ("rmsprop_centered", {"kind": "rmsprop", "lr": 0.01, "alpha": 0.99, "eps": 1e-8,
                          "momentum": 0.9, "centered": True, "weightDecay": 0.01}),
    ("adam_betas", {"kind": "adam", "lr": 0.01, "betas": [0.8, 0.95], "eps": 1e-6,
                    "weightDecay": 0, "amsgrad": False}),
]


def make_optim(p, cfg):
    k = cfg["kind"]
    if k == "sgd":
        return torch.optim.SGD([p], lr=cfg["lr"], momentum=cfg["momentum"],
                               dampening=cfg["dampening"],
                               weight_decay=cfg["weightDecay"],
                               nesterov=cfg["nesterov"])
    if k in ("adam", "adamw"):
        cls = torch.optim.Adam if k == "adam" else torch.optim.AdamW
        return cls([p], lr=cfg["lr"], betas=tuple(cfg["betas"]), eps=cfg["eps"],
                   weight_decay=cfg["weightDecay"], amsgrad=cfg["amsgrad"])
    if k == "rmsprop":
        return torch.optim.RMSprop([p], lr=cfg["lr"], alpha=cfg["alpha"],
                                   eps=cfg["eps"], weight_decay=cfg["weightDecay"],
                                   momentum=cfg["momentum"], centered=cfg["centered"])
    raise ValueError(k)


def gen_optim():
    torch.manual_seed(4000)
    t = {}
    meta = {}
    names = []
    for name, cfg in OPTIMS:
        names.append(name)
        meta[name] = jstr(cfg)
        p0 = randn(3, 4)
        gs = [randn(3, 4) for _ in range(5)]
        t[f"{name}.init"] = p0
        p = p0.double().clone().requires_grad_(True)
        opt = make_optim(p, cfg)
        for k, g in enumerate(gs):
            t[f"{name}.g{k}"] = g
            p.grad = g.double().clone()
            opt.step()
            t[f"{name}.p{k}"] = p.detach().clone()
    meta["names"] = jstr(names)
    meta["steps"] = "5"

    # clipping
    g0 = randn(3, 4)
    g1 = randn(5)
    t["clip.g0"] = g0
    t["clip.g1"] = g1
    a = torch.zeros(3, 4, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(5, dtype=torch.float64, requires_grad=True)
    a.grad, b.grad = g0.double().clone(), g1.double().clone()
    total = torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.0, norm_type=2.0)
    assert total.item() > 1.0, "clip test must actually clip"
    t["clip.norm.g0"] = a.grad.clone()
    t["clip.norm.g1"] = b.grad.clone()
    t["clip.norm.total"] = total.reshape(1)
    a.grad, b.grad = g0.double().clone(), g1.double().clone()
    torch.nn.utils.clip_grad_value_([a, b], clip_value=0.5)
    t["clip.value.g0"] = a.grad.clone()
    t["clip.value.g1"] = b.grad.clone()
    meta["clip"] = jstr({"maxNorm": 1.0, "normType": 2, "clipValue": 0.5})
    write_safetensors(os.path.join(FIX, "optim.safetensors"), t, meta)


# --------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------

README = """# Reference fixtures (generated by PyTorch)

Generated by `scripts/gen_fixtures.py` with torch {torch_version}
(Debian `python3-torch`). Do not edit by hand; regenerate with

    apt-get install -y python3-torch libopenblas0-pthread && /usr/bin/python3 scripts/gen_fixtures.py

from the repository root. The script is deterministic and rewrites its own files (`rnn/`, `cells/`, `losses`, `optim`, this README); `fixtures/attention/` and `fixtures/tfjs/` have their own generators.

## Format and precision

Every file is [safetensors](https://github.com/huggingface/safetensors):
8-byte little-endian u64 header length N, N bytes of JSON header (padded with
spaces to a multiple of 8), then the little-endian data buffer. All tensors
are `F32`, laid out in sorted-name order. `__metadata__` values are strings
(numbers and JSON arrays/objects are encoded as text).

Random inputs and parameters are drawn as float32; modules and inputs are then
converted to float64, all forward/backward/optimizer computations run in
float64, and results are rounded once to float32 when stored. Integer-valued
tensors (lengths, class targets) are stored as floats. Scalar results
(reduced losses, the clip total norm) are stored with shape `[1]`.

## `rnn/<cell>_l<L>_<dir>_<lengths>_<init>.safetensors` (64 files)

`cell` in `rnn_tanh`, `rnn_relu`, `lstm`, `gru`; `L` in 1, 2; `dir` in `uni`, `bi`;
`lengths` in `equal` (all 7) or `ragged` (`[2, 7, 1, 5, 5]`, unsorted);
`init` in `h0` (initial state given) or `noh0` (zeros / `None`).
Example: `lstm_l2_bi_ragged_h0.safetensors`.

Sizes: batch B=5, steps T=7, inputSize D=3, hiddenSize H=4, dirs = 2 if bi else 1.
`torch.nn.RNN(nonlinearity=tanh|relu)` / `LSTM` / `GRU` with `batch_first=True`,
`bias=True`, `dropout=0`. Parameters: module default init from a per-case seed,
then every bias gets `+ U(-0.5, 0.5)`.

Computation:

    packed = pack_padded_sequence(input, lengths, batch_first=True, enforce_sorted=False)
    out_packed, state = module(packed, h0 | (h0, c0) | None)
    output, _ = pad_packed_sequence(out_packed, batch_first=True, total_length=T)
    loss = sum(output * gOut) + sum(hN * gH) [+ sum(cN * gC) for lstm]

`input` is zero past each sample's length; `output` is zero there too.
`hN`/`cN` hold each sample's state after its last valid step (in the original,
unsorted batch order). State layout is PyTorch's: index `layer * dirs + dir`
(dir 1 = reverse).

Tensors:

| name | shape |
|---|---|
| `param.<name>` for each `named_parameters()` name: `weight_ih_l{{k}}`, `weight_hh_l{{k}}`, `bias_ih_l{{k}}`, `bias_hh_l{{k}}` and `..._reverse` | PyTorch shapes (gates stacked: LSTM i,f,g,o; GRU r,z,n) |
| `input` | [B,T,D] |
| `lengths` | [B] |
| `h0`, `c0` (lstm) — only `h0` cases | [L*dirs,B,H] |
| `output` | [B,T,dirs*H] |
| `hN`, `cN` (lstm) | [L*dirs,B,H] |
| `gOut` | [B,T,dirs*H] |
| `gH`, `gC` (lstm) | [L*dirs,B,H] |
| `grad.<param name>` | same as param |
| `grad.input` | [B,T,D] |
| `grad.h0`, `grad.c0` (lstm) — only `h0` cases | [L*dirs,B,H] |

Metadata: `cell`, `inputSize`, `hiddenSize`, `numLayers`, `bidirectional`
(`true`/`false`), `batch`, `steps`, `lengths` (JSON array), `hasInit`
(`true`/`false`), `seed`.

## `cells/<cell>.safetensors` (4 files)

`nn.RNNCell(tanh|relu)` / `nn.LSTMCell` / `nn.GRUCell`, B=3, D=3, H=4, biases
perturbed as above. `hOut = cell(x, h)` or `hOut, cOut = cell(x, (h, c))`;
`loss = sum(hOut * gH) [+ sum(cOut * gC)]`.

Tensors: `param.weight_ih` [G*H,D], `param.weight_hh` [G*H,H], `param.bias_ih`,
`param.bias_hh` [G*H] (G = 1, 4, 3), `x` [B,D], `h` [B,H], `c` [B,H] (lstm),
`hOut`, `cOut` (lstm), `gH`, `gC` (lstm), `grad.weight_ih`, `grad.weight_hh`,
`grad.bias_ih`, `grad.bias_hh`, `grad.x`, `grad.h`, `grad.c` (lstm).
Metadata: `cell`, `inputSize`, `hiddenSize`, `batch`, `seed`.

## `losses.safetensors`

Metadata `names` = JSON array of block names, `reductions` = `["mean","sum","none"]`,
and for each name a JSON options object under the name itself:

| name | options | input / target |
|---|---|---|
| `mse` | `{{"fn":"mse_loss"}}` | [4,3] / [4,3] |
| `l1` | `{{"fn":"l1_loss"}}` | [4,3] / [4,3] |
| `huber_d1` | `{{"fn":"huber_loss","delta":1.0}}` | [4,3] / [4,3] |
| `huber_d05` | `{{"fn":"huber_loss","delta":0.5}}` | [4,3] / [4,3] |
| `bce_logits` | `{{"fn":"bce_with_logits","pos_weight":false}}` | logits [4,3] / probabilities [4,3] |
| `bce_logits_pw` | `{{"fn":"bce_with_logits","pos_weight":true}}` | as above, plus `bce_logits_pw.pos_weight` [3] (broadcast over the last dim) |
| `cross_entropy` | `{{"fn":"cross_entropy","ignore_index":-100,"label_smoothing":0}}` | logits [6,5] / class indices [6] with one row = -100 |
| `cross_entropy_all` | same | logits [6,5] / class indices [6], none ignored |

Per name: `<name>.input`, `<name>.target`, and for each reduction `r`:
`<name>.<r>.out` (shape [1] for mean/sum; elementwise shape for none — [4,3],
or [6] for cross entropy with 0 at ignored rows), `<name>.<r>.grad` = d/d input of
`sum(out * w)` where w = 1 for mean/sum and `<name>.none.w` (stored, same
shape as the `none` output) for none.

Definitions (PyTorch), elementwise with d = input - target:
- mse: d^2; l1: |d|
- huber(delta): 0.5 d^2 if |d| < delta else delta (|d| - 0.5 delta)
- bce_with_logits: -(pos_weight * y * log σ(x) + (1 - y) log(1 - σ(x))) (pos_weight = 1 when absent)
- cross_entropy: -log_softmax(x)[target] per row; 0 for ignored rows
- mean = sum / element count; for cross entropy mean divides by the number of
  non-ignored rows.

## `optim.safetensors`

Metadata `names` = JSON array, `steps` = "5", and per name the config as JSON
(camelCase keys). Configs:

{optim_table}

Per name: `<name>.init` [3,4] initial parameter, `<name>.g<k>` [3,4]
gradient used at step k (k = 0..4: set `p.grad = g<k>`, `opt.step()`),
`<name>.p<k>` [3,4] parameter after step k.

Clipping (metadata `clip` = `{{"maxNorm":1.0,"normType":2,"clipValue":0.5}}`):
`clip.g0` [3,4], `clip.g1` [5] input grads;
`clip_grad_norm_([g0, g1], max_norm=1.0, norm_type=2)` gives `clip.norm.g0`,
`clip.norm.g1` and the returned pre-clip total norm `clip.norm.total` [1]
(PyTorch scales by `min(1, max_norm / (total + 1e-6))`);
`clip_grad_value_(..., 0.5)` gives `clip.value.g0`, `clip.value.g1`.
"""


def write_readme():
    rows = "\n".join(f"- `{n}`: `{jstr(c)}`" for n, c in OPTIMS)
    text = README.format(torch_version=torch.__version__, optim_table=rows)
    with open(os.path.join(FIX, "README.md"), "w") as f:
        f.write(text)


# --------------------------------------------------------------------------
# verification
# --------------------------------------------------------------------------

def verify():
    nfiles = 0
    total = 0
    for path, (tensors, meta) in sorted(WRITTEN.items()):
        got, gmeta = read_safetensors(path)
        assert gmeta == meta, f"{path}: metadata mismatch"
        assert set(got) == set(tensors), f"{path}: name set mismatch"
        for k, v in tensors.items():
            assert got[k].shape == v.shape, f"{path}:{k} shape"
            assert np.array_equal(got[k], v), f"{path}:{k} values"
        nfiles += 1
        total += os.path.getsize(path)

    # Re-run one recurrent case purely from the stored file.
    path = os.path.join(FIX, "rnn", "lstm_l2_bi_ragged_h0.safetensors")
    got, meta = read_safetensors(path)
    mod = nn.LSTM(int(meta["inputSize"]), int(meta["hiddenSize"]),
                  num_layers=int(meta["numLayers"]), batch_first=True,
                  bidirectional=meta["bidirectional"] == "true").double()
    with torch.no_grad():
        for n, p in mod.named_parameters():
            p.copy_(torch.from_numpy(got["param." + n].copy()).double())
    x = torch.from_numpy(got["input"].copy()).double()
    lengths = json.loads(meta["lengths"])
    assert lengths == [int(v) for v in got["lengths"]]
    h0 = torch.from_numpy(got["h0"].copy()).double()
    c0 = torch.from_numpy(got["c0"].copy()).double()
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True,
                                  enforce_sorted=False)
    op, (hN, cN) = mod(packed, (h0, c0))
    out, _ = pad_packed_sequence(op, batch_first=True, total_length=x.shape[1])
    for k, v in (("output", out), ("hN", hN), ("cN", cN)):
        err = np.abs(v.detach().numpy() - got[k]).max()
        assert err < 1e-6, f"re-run {k} differs by {err}"
    return nfiles, total


# What this script owns under fixtures/; other generators (attention, tfjs) own their folders.
OWN = ("rnn", "cells", "losses.safetensors", "optim.safetensors", "README.md")


def main():
    for entry in OWN:
        p = os.path.join(FIX, entry)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)
    os.makedirs(FIX, exist_ok=True)
    gen_rnn()
    gen_cells()
    gen_losses()
    gen_optim()
    write_readme()
    nfiles, total = verify()
    readme_size = os.path.getsize(os.path.join(FIX, "README.md"))
    print(f"torch {torch.__version__}")
    print(f"wrote {nfiles} safetensors files, {total} bytes "
          f"(+ README.md {readme_size} bytes); round trip OK")


if __name__ == "__main__":
    sys.exit(main())
