#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures for recur's attention (src/seq2seq/attention.ts).

Writes (and fully rewrites) ``fixtures/attention/``:

  fixtures/attention/<dot|general|additive>.safetensors
      One masked attention step over a ragged batch, forward and backward.
  fixtures/attention/README.md

The equations, with PyTorch nn.Linear parameters named as recur names them:

  dot       score = q^T k                       (no parameters; Hq = Hk)
  general   score = q^T W k                     W = nn.Linear(Hk, Hq, bias=False)
  additive  score = v^T tanh(W_q q + W_k k + b) W_q = nn.Linear(Hq, A, bias=False),
                                                W_k = nn.Linear(Hk, A), v = nn.Linear(A, 1, bias=False)
  mask      score[b, s] = -inf for s >= lengths[b]   (masked_fill before the softmax)
  weights   = softmax(score, dim=1)             [B, S], exactly 0 on padding
  context   = bmm(weights[:, None, :], keys)    [B, Hk]

Padded key positions hold random values (not zeros), so a wrong mask shows up. The stored
gradients are those of loss = sum(context * gC) + sum(weights * gW) with random gC, gW (gW is
non-zero on padded positions too: their gradient must still be exactly 0).

Random values are drawn as float32; the computation runs in float64 and results are rounded once
to float32, as in scripts/gen_fixtures.py (whose safetensors writer and reader are reused).

Run from the repository root (Debian's torch, not pip):

    /usr/bin/python3 scripts/gen_attention_fixtures.py

scripts/gen_fixtures.py rewrites only its own files, so the two generators can run in either order.
"""

import json
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_fixtures import read_safetensors, write_safetensors  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
OUT = os.path.join(ROOT, "fixtures", "attention")

B, S = 4, 5
LENGTHS = [5, 2, 3, 1]  # ragged, unsorted, with a length-1 sample
HQ, HK, A = 4, 6, 5


class Dot(nn.Module):
    def scores(self, q, k):
        return torch.bmm(k, q[:, :, None]).squeeze(-1)


class General(nn.Module):
    def __init__(self, hq, hk):
        super().__init__()
        self.W = nn.Linear(hk, hq, bias=False)

    def scores(self, q, k):
        return torch.bmm(self.W(k), q[:, :, None]).squeeze(-1)


class Additive(nn.Module):
    def __init__(self, hq, hk, a):
        super().__init__()
        self.W_q = nn.Linear(hq, a, bias=False)
        self.W_k = nn.Linear(hk, a)
        self.v = nn.Linear(a, 1, bias=False)

    def scores(self, q, k):
        return self.v(torch.tanh(self.W_q(q)[:, None, :] + self.W_k(k))).squeeze(-1)


def attend(mod, q, k, lengths):
    s = mod.scores(q, k)
    mask = torch.arange(k.shape[1])[None, :] >= lengths[:, None]
    w = torch.softmax(s.masked_fill(mask, float("-inf")), dim=1)
    ctx = torch.bmm(w[:, None, :], k).squeeze(1)
    return ctx, w


def gen_case(kind, seed):
    torch.manual_seed(seed)
    hq = HK if kind == "dot" else HQ
    if kind == "dot":
        mod = Dot()
    elif kind == "general":
        mod = General(hq, HK)
    else:
        mod = Additive(hq, HK, A)
    with torch.no_grad():
        for name, p in mod.named_parameters():
            if "bias" in name:
                p.add_(torch.rand(p.shape, dtype=torch.float32) - 0.5)
    q32 = torch.randn(B, hq, dtype=torch.float32)
    k32 = torch.randn(B, S, HK, dtype=torch.float32)
    gC32 = torch.randn(B, HK, dtype=torch.float32)
    gW32 = torch.randn(B, S, dtype=torch.float32)
    params32 = {n: p.detach().clone() for n, p in mod.named_parameters()}

    mod = mod.double()
    q = q32.double().requires_grad_(True)
    k = k32.double().requires_grad_(True)
    lengths = torch.tensor(LENGTHS)
    ctx, w = attend(mod, q, k, lengths)
    assert torch.all(w.masked_select(torch.arange(S)[None, :] >= lengths[:, None]) == 0)
    assert not torch.isnan(w).any()
    loss = (ctx * gC32.double()).sum() + (w * gW32.double()).sum()
    loss.backward()
    for b, n in enumerate(LENGTHS):
        assert torch.all(k.grad[b, n:] == 0), "padded keys got a gradient"

    t = {
        "query": q32,
        "keys": k32,
        "lengths": lengths.to(torch.float32),
        "gC": gC32,
        "gW": gW32,
        "context": ctx,
        "weights": w,
        "grad.query": q.grad,
        "grad.keys": k.grad,
    }
    for n, p in mod.named_parameters():
        t["param." + n] = params32[n]
        t["grad." + n] = p.grad
    meta = {
        "kind": kind,
        "batch": str(B),
        "sourceSteps": str(S),
        "querySize": str(hq),
        "keySize": str(HK),
        "lengths": json.dumps(LENGTHS),
        "seed": str(seed),
    }
    if kind == "additive":
        meta["size"] = str(A)
    path = os.path.join(OUT, kind + ".safetensors")
    write_safetensors(path, t, meta)
    return path, t, meta


README = """# Attention fixtures (generated by PyTorch)

Generated by `scripts/gen_attention_fixtures.py` with torch {torch_version}. Do not edit by hand;
regenerate from the repository root with

    /usr/bin/python3 scripts/gen_attention_fixtures.py

(`scripts/gen_fixtures.py` rewrites only its own files, so the generators run in any order.)

## `<dot|general|additive>.safetensors`

One masked attention step: batch {B}, {S} padded source steps, lengths `{lengths}` (unsorted,
padded key positions hold random values), key size {HK}, query size {HQ} ({HK} for dot),
additive size {A}. Format and precision as `fixtures/README.md` (F32, float64 maths, rounded once).

- `query` [B, Hq], `keys` [B, S, Hk] (also the values), `lengths` [B]
- `param.<name>`: nn.Linear parameters by recur's names: `W.weight` (general);
  `W_q.weight`, `W_k.weight`, `W_k.bias`, `v.weight` (additive); none for dot
- `context` [B, Hk], `weights` [B, S] (exactly 0 on padding)
- `gC` [B, Hk], `gW` [B, S]: loss = sum(context * gC) + sum(weights * gW)
- `grad.query`, `grad.keys`, `grad.<param name>`: gradients of that loss
"""


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    written = [gen_case(kind, 3000 + i) for i, kind in enumerate(["dot", "general", "additive"])]
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write(README.format(torch_version=torch.__version__, B=B, S=S, lengths=LENGTHS, HK=HK, HQ=HQ, A=A))
    for path, t, meta in written:
        got, gmeta = read_safetensors(path)
        assert gmeta == meta, f"{path}: metadata mismatch"
        assert set(got) == set(t), f"{path}: names differ"
        for k, v in t.items():
            want = v.detach().to(torch.float64).to(torch.float32).numpy()
            assert np.array_equal(got[k], want), f"{path}:{k} values"
    print(f"torch {torch.__version__}: wrote {len(written)} files to {os.path.relpath(OUT, ROOT)}; round trip OK")


if __name__ == "__main__":
    sys.exit(main())
