#!/usr/bin/env python3
"""Generate whole-model PyTorch fixtures: models trained in PyTorch that load into recur's presets.

For each of recur's preset shapes this script writes a PyTorch ``nn.Module`` whose forward is the
preset's forward, trains it for a few dozen Adam steps on a small synthetic task (so the weights
are trained, not just initialised), and saves

  fixtures/models/<name>.safetensors
      exactly ``model.state_dict()`` (PyTorch's own keys, e.g. ``rnn.weight_ih_l0``), with the
      recur spec as JSON in the metadata (``spec``) and, where the PyTorch attribute names differ
      from recur's, the mapping (``names``): what a user's ``save_file(model.state_dict())`` gives.
  fixtures/models/<name>.io.safetensors
      an evaluation batch (ragged, unsorted lengths, zeros past each length) and the model's
      outputs in eval mode: logits / per-step outputs (zero past each length) / forecasts, and the
      final states hN (and cN for LSTMs), layout [layer * dirs + dir, B, H].
  fixtures/models/README.md

Models (Legend: B batch, T steps, D features, V vocabulary, E embedding, H hidden, C classes):

  classifier_bilstm   ids → Embedding(V, E, padding_idx=0) → 2-layer bidirectional LSTM
                      (dropout 0.2) → Dropout(0.2) → Linear on [h_fwd_top, h_rev_top] → [B, C]
  tagger_bigru        features → bidirectional GRU → Dropout(0.1) → Linear on every step → [B, T, C]
  charlm_lstm         ids → Embedding(V, E) → 2-layer LSTM (dropout 0.1) → Dropout(0.1) →
                      Linear over V at every step → [B, T, V]; attributes named as in PyTorch's
                      examples/word_language_model (encoder / rnn / decoder)
  forecaster_rnn      features → 1-layer tanh RNN → Linear on the final state → [B, horizon·O]
                      (step-major: column h·O + o)

Training runs in float32 (one thread, fixed seeds). The stored weights are float32; the reference
outputs are computed from exactly those weights by a float64 copy of the model in eval mode and
rounded once to float32. The safetensors writer is the one of scripts/gen_fixtures.py.

Run from the repository root (Debian's torch, not pip):

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 scripts/gen_model_fixtures.py

Deterministic; rewrites fixtures/models/ only. After writing it re-reads every file with
gen_fixtures' independent reader, loads the stored state_dict into a fresh module (strict) and
checks it reproduces the stored outputs.
"""

import copy
import json
import math
import os
import shutil
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402  (safetensors writer/reader; its main() is guarded)

OUT = os.path.join(gf.FIX, "models")
TRAIN_STEPS = 40


def jstr(x):
    return json.dumps(x, separators=(",", ":"))


# --------------------------------------------------------------------------
# the models: each forward is recur's preset forward (src/models/*)
# --------------------------------------------------------------------------

def pack(x, lengths):
    """Padded batch-first [B, T, ·] → PackedSequence (unsorted lengths allowed)."""
    return pack_padded_sequence(x, torch.as_tensor(lengths, dtype=torch.int64), batch_first=True,
                                enforce_sorted=False)


def per_step(module, packed):
    """Apply `module` to every real step of a PackedSequence (recur's head on packed rows)."""
    return PackedSequence(module(packed.data), packed.batch_sizes, packed.sorted_indices,
                          packed.unsorted_indices)


def top_state(h, bidirectional):
    """[B, dirs·H]: the top layer's forward final state next to its reverse final state."""
    return torch.cat([h[-2], h[-1]], dim=1) if bidirectional else h[-1]


class Classifier(nn.Module):
    """recur task 'classify' with token input (SequenceToOne)."""

    def __init__(self, s):
        super().__init__()
        self.bidirectional = s["bidirectional"]
        self.embedding = nn.Embedding(s["vocabSize"], s["embeddingDim"], padding_idx=s["paddingIdx"])
        self.rnn = nn.LSTM(s["embeddingDim"], s["hiddenSize"], num_layers=s["numLayers"],
                           bidirectional=s["bidirectional"], dropout=between_layers(s), batch_first=True)
        self.drop = nn.Dropout(s["dropout"])
        dirs = 2 if s["bidirectional"] else 1
        self.head = nn.Linear(dirs * s["hiddenSize"], s["numClasses"])

    def forward(self, ids, lengths):
        _, (h, c) = self.rnn(pack(self.embedding(ids), lengths))
        return self.head(self.drop(top_state(h, self.bidirectional))), (h, c)


class Tagger(nn.Module):
    """recur task 'tag' with feature input (SequenceToSequence)."""

    def __init__(self, s):
        super().__init__()
        self.rnn = nn.GRU(s["inputSize"], s["hiddenSize"], num_layers=s["numLayers"],
                          bidirectional=s["bidirectional"], dropout=between_layers(s), batch_first=True)
        self.drop = nn.Dropout(s["dropout"])
        dirs = 2 if s["bidirectional"] else 1
        self.head = nn.Linear(dirs * s["hiddenSize"], s["numClasses"])

    def forward(self, x, lengths):
        out, h = self.rnn(pack(x, lengths))
        logits = per_step(lambda z: self.head(self.drop(z)), out)
        padded, _ = pad_packed_sequence(logits, batch_first=True, total_length=x.shape[1])
        return padded, (h,)


class CharLM(nn.Module):
    """recur task 'language-model' (LanguageModel), with word_language_model's attribute names."""

    def __init__(self, s):
        super().__init__()
        self.encoder = nn.Embedding(s["vocabSize"], s["embeddingDim"])
        self.rnn = nn.LSTM(s["embeddingDim"], s["hiddenSize"], num_layers=s["numLayers"],
                           dropout=between_layers(s), batch_first=True)
        self.drop = nn.Dropout(s["dropout"])
        self.decoder = nn.Linear(s["hiddenSize"], s["vocabSize"])

    def forward(self, ids, lengths):
        out, (h, c) = self.rnn(pack(self.encoder(ids), lengths))
        logits = per_step(lambda z: self.decoder(self.drop(z)), out)
        padded, _ = pad_packed_sequence(logits, batch_first=True, total_length=ids.shape[1])
        return padded, (h, c)


class Forecaster(nn.Module):
    """recur task 'forecast' (SequenceToOne): [B, horizon·O], column h·O + o."""

    def __init__(self, s):
        super().__init__()
        self.rnn = nn.RNN(s["inputSize"], s["hiddenSize"], num_layers=s["numLayers"],
                          nonlinearity="tanh", dropout=between_layers(s), batch_first=True)
        self.drop = nn.Dropout(s["dropout"])
        self.head = nn.Linear(s["hiddenSize"], s["horizon"] * s["outputSize"])

    def forward(self, x, lengths):
        _, h = self.rnn(pack(x, lengths))
        return self.head(self.drop(h[-1])), (h,)


# --------------------------------------------------------------------------
# synthetic tasks: (inputs, lengths, targets) batches
# --------------------------------------------------------------------------

def ragged_lengths(g, B, lo, hi):
    return torch.randint(lo, hi + 1, (B,), generator=g).tolist()


def between_layers(s):
    """nn.RNN/LSTM/GRU's dropout (0 for one layer, where PyTorch would only warn that it is unused)."""
    return s["dropout"] if s["numLayers"] > 1 else 0.0


def zero_past(x, lengths):
    for b, L in enumerate(lengths):
        x[b, L:] = 0
    return x


def classify_batch(g, s, lengths, T):
    """Class = bucket of the first id (ids 1..V-1 in C equal buckets): the reverse direction's last step."""
    B = len(lengths)
    ids = torch.randint(1, s["vocabSize"], (B, T), generator=g)
    zero_past(ids, lengths)
    return ids, lengths, (ids[:, 0] - 1) * s["numClasses"] // (s["vocabSize"] - 1)


def tag_batch(g, s, lengths, T):
    """Tag of step t = which feature is largest at t, or C-1 when the running sum of feature 0 < 0."""
    B = len(lengths)
    x = torch.randn(B, T, s["inputSize"], generator=g)
    zero_past(x, lengths)
    tags = x.argmax(2)
    tags[x[:, :, 0].cumsum(1) < 0] = s["numClasses"] - 1
    for b, L in enumerate(lengths):
        tags[b, L:] = -100
    return x, lengths, tags


TEXT = ("the quick brown fox jumps over the lazy dog. a recurrent net reads one character "
        "at a time and guesses the next. pack the padded batch, run the lstm, decode. ")


def lm_vocab():
    return sorted(set(TEXT))


def lm_batch(g, s, lengths, T):
    """Slices of TEXT; targets are the next characters (-100 past each length)."""
    stoi = {ch: i for i, ch in enumerate(lm_vocab())}
    data = torch.tensor([stoi[ch] for ch in TEXT])
    B = len(lengths)
    starts = torch.randint(0, len(TEXT) - T - 1, (B,), generator=g).tolist()
    ids = torch.stack([data[p:p + T] for p in starts])
    y = torch.stack([data[p + 1:p + T + 1] for p in starts])
    zero_past(ids, lengths)
    for b, L in enumerate(lengths):
        y[b, L:] = -100
    return ids, lengths, y


def forecast_batch(g, s, lengths, T):
    """Windows of two noisy sines of random phase; target = the next `horizon` steps, step-major."""
    B = len(lengths)
    O, Hz = s["outputSize"], s["horizon"]
    phase = torch.rand(B, 1, generator=g) * 2 * math.pi
    x = torch.zeros(B, T, O)
    y = torch.zeros(B, Hz, O)
    for b, L in enumerate(lengths):
        t = torch.arange(L + Hz, dtype=torch.float32) * 0.4 + phase[b]
        series = torch.stack([torch.sin(t), 0.5 * torch.cos(1.5 * t)], 1)  # [L + Hz, O]
        series = series + 0.02 * torch.randn(series.shape, generator=g)
        x[b, :L] = series[:L]
        y[b] = series[L:]
    return x, lengths, y.reshape(B, Hz * O)


# --------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------

CASES = [
    {
        "name": "classifier_bilstm",
        "make": Classifier,
        "spec": {"task": "classify", "cell": "lstm", "vocabSize": 16, "embeddingDim": 6,
                 "paddingIdx": 0, "hiddenSize": 10, "numLayers": 2, "bidirectional": True,
                 "dropout": 0.2, "numClasses": 3, "seed": 0},
        "names": None,
        "batch": classify_batch,
        "loss": lambda out, y: F.cross_entropy(out, y),
        "eval_lengths": [4, 9, 1, 6, 3],
        "outputs": ("logits",),
        "seed": 101,
    },
    {
        "name": "tagger_bigru",
        "make": Tagger,
        "spec": {"task": "tag", "cell": "gru", "inputSize": 3, "hiddenSize": 8, "numLayers": 1,
                 "bidirectional": True, "dropout": 0.1, "numClasses": 4, "seed": 0},
        "names": None,
        "batch": tag_batch,
        "loss": lambda out, y: F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1),
                                               ignore_index=-100),
        "eval_lengths": [5, 2, 8, 8, 1, 6],
        "outputs": ("logits",),
        "seed": 202,
    },
    {
        "name": "charlm_lstm",
        "make": CharLM,
        "spec": {"task": "language-model", "cell": "lstm", "vocabSize": len(lm_vocab()),
                 "embeddingDim": 8, "paddingIdx": None, "hiddenSize": 16, "numLayers": 2,
                 "bidirectional": False, "dropout": 0.1, "seed": 0},
        "names": {"embedding": "encoder", "head": "decoder"},
        "batch": lm_batch,
        "loss": lambda out, y: F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1),
                                               ignore_index=-100),
        "eval_lengths": [7, 12, 3, 10],
        "outputs": ("logits",),
        "seed": 303,
    },
    {
        "name": "forecaster_rnn",
        "make": Forecaster,
        "spec": {"task": "forecast", "cell": "rnn", "inputSize": 2, "hiddenSize": 12,
                 "numLayers": 1, "bidirectional": False, "dropout": 0.0, "outputSize": 2,
                 "horizon": 3, "seed": 0},
        "names": None,
        "batch": forecast_batch,
        "loss": lambda out, y: F.mse_loss(out, y),
        "eval_lengths": [6, 10, 4, 9, 7],
        "outputs": ("forecast",),
        "seed": 404,
    },
]


def train(case, model, g):
    """TRAIN_STEPS Adam steps (lr 0.01) on fresh batches of 16; returns [first loss, last loss]."""
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    losses = []
    for _ in range(TRAIN_STEPS):
        x, lengths, y = case["batch"](g, case["spec"], ragged_lengths(g, 16, 3, 12), 12)
        out, _ = model(x, lengths)
        loss = case["loss"](out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def reference(model, x, lengths):
    """Eval-mode outputs of a float64 copy of `model` (same float32 weights, exact in float64)."""
    m = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        inp = x.double() if x.is_floating_point() else x
        out, states = m(inp, lengths)
    return out, states


def gen_case(case):
    name, spec = case["name"], case["spec"]
    torch.manual_seed(case["seed"])
    g = torch.Generator().manual_seed(case["seed"])
    model = case["make"](spec)
    losses = train(case, model, g)

    # The evaluation batch: fixed ragged, unsorted lengths; zeros past each length.
    lengths = case["eval_lengths"]
    B, T = len(lengths), max(lengths)
    x, _, _ = case["batch"](g, spec, lengths, T)
    if spec.get("paddingIdx") is not None:
        x[0, 1] = spec["paddingIdx"]  # the padding id inside a sequence: its row is zero, as in PyTorch
    out, states = reference(model, x, lengths)

    state_dict = model.state_dict()
    meta = {"spec": jstr(spec), "torch": torch.__version__, "module": type(model).__name__}
    if case["names"]:
        meta["names"] = jstr(case["names"])
    gf.write_safetensors(os.path.join(OUT, f"{name}.safetensors"), dict(state_dict), meta)

    io = {"lengths": torch.tensor(lengths, dtype=torch.float32),
          "hN": states[0]}
    io["ids" if not x.is_floating_point() else "input"] = x
    io[case["outputs"][0]] = out
    if len(states) == 2:
        io["cN"] = states[1]
    io_meta = {"lengths": jstr(lengths), "trainSteps": str(TRAIN_STEPS),
               "trainLoss": jstr([round(losses[0], 4), round(losses[-1], 4)])}
    gf.write_safetensors(os.path.join(OUT, f"{name}.io.safetensors"), io, io_meta)
    return losses, {k: list(v.shape) for k, v in state_dict.items()}, {k: list(v.shape) for k, v in io.items()}


def verify(case):
    """Re-read both files, load the stored state_dict strictly into a fresh module, re-run."""
    name = case["name"]
    params, meta = gf.read_safetensors(os.path.join(OUT, f"{name}.safetensors"))
    io, _ = gf.read_safetensors(os.path.join(OUT, f"{name}.io.safetensors"))
    spec = json.loads(meta["spec"])
    assert spec == case["spec"], f"{name}: spec round trip"
    model = case["make"](spec)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in params.items()}, strict=True)
    lengths = [int(v) for v in io["lengths"]]
    x = torch.from_numpy(io["ids"].copy()).long() if "ids" in io else torch.from_numpy(io["input"].copy())
    out, states = reference(model, x, lengths)
    key = case["outputs"][0]
    err = (out - torch.from_numpy(io[key].copy()).double()).abs().max().item()
    err = max(err, (states[0] - torch.from_numpy(io["hN"].copy()).double()).abs().max().item())
    assert err < 1e-6, f"{name}: re-run differs by {err}"
    if out.dim() == 3:  # per-step outputs are zero past each length
        for b, L in enumerate(lengths):
            assert float(out[b, L:].abs().sum()) == 0.0, f"{name}: nonzero output past length"


README = """# Whole-model PyTorch fixtures

Generated by `scripts/gen_model_fixtures.py` with torch {torch} (Debian `python3-torch`).
Do not edit by hand; regenerate from the repository root with

    /usr/bin/python3 scripts/gen_model_fixtures.py

Each model is a PyTorch `nn.Module` whose forward is the recur preset's forward, trained for
{steps} Adam steps (lr 0.01, batches of 16) on a synthetic task, then saved:

- `<name>.safetensors`: `model.state_dict()` under PyTorch's own keys; metadata `spec` (the recur
  spec, JSON), `module` (the PyTorch class), `torch`, and `names` (JSON) where the PyTorch
  attribute names differ from recur's `embedding` / `rnn` / `head`.
- `<name>.io.safetensors`: the evaluation batch and the float64 eval-mode outputs (stored F32):
  `ids` [B, T] (token models) or `input` [B, T, D], `lengths` [B] (ragged, unsorted), the output
  (`logits` [B, C] | [B, T, C] | [B, T, V], or `forecast` [B, horizon·O]; per-step outputs are 0
  past each length), `hN` (and `cN`) [layers·dirs, B, H]. Metadata `lengths`, `trainSteps`,
  `trainLoss` ([first, last] training loss).

| name | PyTorch module | spec | train loss first → last | state_dict |
|---|---|---|---|---|
{rows}
Loaded and compared (within 1e-5) by `test/pytorch_models.test.ts`; the mapping is documented in
`docs/interop.md` ("Whole models").
"""


def main():
    torch.set_num_threads(1)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    rows = []
    for case in CASES:
        losses, sd_shapes, io_shapes = gen_case(case)
        verify(case)
        keys = ", ".join(f"`{k}` {v}" for k, v in sd_shapes.items())
        rows.append(f"| `{case['name']}` | `{case['make'].__name__}` | `{jstr(case['spec'])}` | "
                    f"{losses[0]:.3f} → {losses[-1]:.3f} | {keys} |")
        print(f"{case['name']}: loss {losses[0]:.4f} -> {losses[-1]:.4f}; io {io_shapes}")
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write(README.format(torch=torch.__version__, steps=TRAIN_STEPS, rows="\n".join(rows) + "\n"))
    total = sum(os.path.getsize(os.path.join(OUT, p)) for p in os.listdir(OUT))
    print(f"torch {torch.__version__}; wrote {len(os.listdir(OUT))} files under fixtures/models, "
          f"{total} bytes; round trip OK")


if __name__ == "__main__":
    sys.exit(main())
