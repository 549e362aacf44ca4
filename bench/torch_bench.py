"""PyTorch side of `npm run bench`: the same cases on the same input files as the JS workers.

Usage (the orchestrator runs it; by hand for debugging):
    OMP_NUM_THREADS=N OPENBLAS_NUM_THREADS=N /usr/bin/python3 bench/torch_bench.py job.json results.jsonl

job.json is bench/common.ts's `Job`; one JSON line per case is appended to results.jsonl:
    {"id", "row", "status": "ok", "ms", "minMs", "maxMs", "reps", "check"} or {"id", "row", "status", "reason"}

Legend: B batch, T time, D input, H hidden, G gates (LSTM 4, GRU 3).
  inference: torch.no_grad(); layer(x)
  training:  zero_grad; out.mean().backward(); Adam.step()   (out.data of the packed output for varlen)
'varlen' packs x [B, T, D] with pack_padded_sequence(enforce_sorted=False) once, before timing.
The thread count is set both for ATen (torch.set_num_threads) and, through the environment the
orchestrator passes, for OpenBLAS, which keeps its own pool.
"""
import json
import sys
import time

import numpy as np
import torch

GATES = {"lstm": 4, "gru": 3}


def load_case(case, files):
    s = case["size"]
    B, T, D, H = s["B"], s["T"], s["D"], s["H"]
    G = GATES[case["cell"]] * H
    x = torch.from_numpy(np.fromfile(files["x"], dtype="<f4").reshape(B, T, D).copy())
    lengths = torch.from_numpy(np.fromfile(files["lengths"], dtype="<i4").astype(np.int64))
    w = torch.from_numpy(np.fromfile(files["weights"], dtype="<f4").copy())
    cls = torch.nn.LSTM if case["cell"] == "lstm" else torch.nn.GRU
    layer = cls(D, H, batch_first=True)
    blocks = [("weight_ih_l0", G * D, (G, D)), ("weight_hh_l0", G * H, (G, H)), ("bias_ih_l0", G, (G,)), ("bias_hh_l0", G, (G,))]
    if w.numel() != sum(n for _, n, _ in blocks):
        raise ValueError(f"weights: {w.numel()} floats, expected {sum(n for _, n, _ in blocks)}")
    o = 0
    with torch.no_grad():
        for name, n, shape in blocks:
            getattr(layer, name).copy_(w[o:o + n].view(shape))
            o += n
    if case["layout"] == "varlen":
        inp = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    else:
        inp = x
    return layer, inp


def out_rows(out):
    return out.data if isinstance(out, torch.nn.utils.rnn.PackedSequence) else out


def prepare(case, files):
    layer, inp = load_case(case, files)
    if case["mode"] == "inference":
        def step():
            with torch.no_grad():
                layer(inp)

        def check():
            with torch.no_grad():
                _, h = layer(inp)
                h = h[0] if isinstance(h, tuple) else h
                return float(h.double().sum())
        return step, check
    opt = torch.optim.Adam(layer.parameters(), lr=1e-3)

    def train_step():
        opt.zero_grad(set_to_none=True)
        out, _ = layer(inp)
        out_rows(out).mean().backward()
        opt.step()
    return train_step, None


WARMUP_MAX = 20  # as bench/common.ts


def time_step(step, timing):
    """Same rule as bench/common.ts timeStep: warm-up, then the median under the time budget."""
    budget = timing["budgetS"]

    def once():
        t0 = time.perf_counter()
        step()
        return time.perf_counter() - t0

    first = once()
    warm, n = first, 1
    while n < WARMUP_MAX and warm < budget / 4:
        warm += once()
        n += 1
    samples, spent = [], 0.0
    min_reps = 1 if first > budget else 3
    while len(samples) < timing["maxReps"] and (len(samples) < min_reps or spent < budget):
        s = once()
        samples.append(s)
        spent += s
    samples.sort()
    m = len(samples) // 2
    med = samples[m] if len(samples) % 2 else (samples[m - 1] + samples[m]) / 2
    return {"ms": med * 1e3, "minMs": samples[0] * 1e3, "maxMs": samples[-1] * 1e3, "reps": len(samples)}, first


def main():
    job_path, out_path = sys.argv[1], sys.argv[2]
    with open(job_path) as f:
        job = json.load(f)
    if job.get("threads"):
        torch.set_num_threads(job["threads"])
    torch.manual_seed(0)

    def emit(case_id, outcome):
        with open(out_path, "a") as f:
            f.write(json.dumps({"id": case_id, "row": job["row"], **outcome}) + "\n")

    for item in job["cases"]:
        case, files = item["case"], item["files"]
        try:
            step, check = prepare(case, files)
            # A PyTorch step is timed, not estimated: it is never the slow peer here.
            t0 = time.perf_counter()
            step()
            if time.perf_counter() - t0 > job["timing"]["maxStepS"] and not job["subject"]:
                emit(case["id"], {"status": "skipped", "reason": f"skipped (>{job['timing']['maxStepS']} s/step)"})
                continue
            c = check() if check else None
            result, _ = time_step(step, job["timing"])
            emit(case["id"], {"status": "ok", **result, "check": c})
        except Exception as e:  # noqa: BLE001 - reported in the table, never fatal
            emit(case["id"], {"status": "failed", "reason": f"failed: {type(e).__name__}: {str(e).splitlines()[0][:140]}"})


if __name__ == "__main__":
    main()
