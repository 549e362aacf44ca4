/**
 * `npm run bench`: recur against every peer present on this machine, in one run, on the same input
 * files; prints markdown tables and writes bench/results.json.
 *
 *   npm run bench                        all configs (a few minutes; slow peers skip what would take > 20 s a step)
 *   npm run bench -- --quick             the small config only
 *   npm run bench -- --config small,large --peers recur,torch --cells lstm --modes training
 *   npm run bench -- --help
 *
 * Each row runs in its own child process, one at a time (never two at once: the machine has few
 * cores): JS peers through bench/peers/*.ts, PyTorch through `/usr/bin/python3 bench/torch_bench.py`.
 * A peer that cannot load is reported as "not available: reason" in the table, never a crash.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../src/index.ts';
import {
  GATES, realSteps, spreadLengths, flops,
  type BenchCase, type CellKind, type InputFiles, type Job, type Layout, type Mode, type ResultLine, type Size, type Timing,
} from './common.ts';
import type { MemoryReport } from './peers/recur-memory.ts';
import { recurRuntime } from './recur-api.ts';
import { evaluateTargets, renderMarkdown, withGflops, type CaseEntry, type PeerGroup, type Results, type Row } from './report.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = '/usr/bin/python3';

const SIZES: Size[] = [
  { name: 'small', B: 32, T: 50, D: 32, H: 128 },
  { name: 'medium', B: 64, T: 100, D: 128, H: 256 },
  { name: 'large', B: 64, T: 100, D: 512, H: 512 },
];
const GROUPS: PeerGroup[] = ['recur', 'torch', 'tfjs-wasm', 'tfjs-cpu', 'brain'];

const HELP = `npm run bench -- [options]
  --quick               small config only (same as --config small)
  --config LIST         comma list of small, medium, large or BxTxDxH (default: all three)
  --peers LIST          comma list of ${GROUPS.join(', ')} (default: all)
  --cells LIST          lstm, gru (default: both)
  --modes LIST          inference, training (default: both)
  --layouts LIST        padded, varlen (default: both)
  --budget S            seconds of timed repetitions per case after warm-up (default 1)
  --max-reps N          most timed repetitions per case (default 30)
  --max-step S          skip a peer's case when one step would take longer (default 20)
  --no-memory           do not measure recur's peak training memory
  --seed N              seed of the shared inputs and weights (default 42)
  --out FILE            where to write the JSON (default bench/results.json; with --quick, bench/results-quick.json)`;

function parseList<T extends string>(v: string | undefined, all: readonly T[], what: string): T[] {
  if (v === undefined) return [...all];
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!all.includes(i as T)) throw new Error(`--${what}: unknown '${i}', expected one of ${all.join(', ')}`);
  return items as T[];
}

function parseSizes(v: string | undefined): Size[] {
  if (v === undefined) return SIZES;
  return v.split(',').map((s) => {
    const named = SIZES.find((z) => z.name === s.trim());
    if (named) return named;
    const dims = s.trim().split('x').map(Number);
    if (dims.length !== 4 || dims.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new Error(`--config: '${s}' is neither small, medium, large nor BxTxDxH (e.g. 32x50x32x128)`);
    }
    const [B, T, D, H] = dims;
    return { name: s.trim(), B, T, D, H };
  });
}

function positive(v: string | undefined, dflt: number, what: string): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(n > 0)) throw new Error(`--${what}: expected a positive number, got '${v}'`);
  return n;
}

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    config: { type: 'string' },
    peers: { type: 'string' },
    cells: { type: 'string' },
    modes: { type: 'string' },
    layouts: { type: 'string' },
    budget: { type: 'string' },
    'max-reps': { type: 'string' },
    'max-step': { type: 'string' },
    'no-memory': { type: 'boolean', default: false },
    seed: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const sizes = args.quick ? SIZES.slice(0, 1) : parseSizes(args.config);
const groups = parseList(args.peers, GROUPS, 'peers');
const cells = parseList<CellKind>(args.cells, ['lstm', 'gru'], 'cells');
const modes = parseList<Mode>(args.modes, ['inference', 'training'], 'modes');
const layouts = parseList<Layout>(args.layouts, ['padded', 'varlen'], 'layouts');
const timing: Timing = {
  budgetS: positive(args.budget, 1, 'budget'),
  maxReps: Math.round(positive(args['max-reps'], 30, 'max-reps')),
  maxStepS: positive(args['max-step'], 20, 'max-step'),
};
const seed = Math.round(positive(args.seed, 42, 'seed'));
// A quick run keeps its own file, so it never overwrites the full run's results.
const outPath = resolve(ROOT, args.out ?? (args.quick ? 'bench/results-quick.json' : 'bench/results.json'));
const log = (s: string): void => void process.stderr.write(s + '\n');

// ---- Shared inputs: written once, read by every worker ----
const dir = mkdtempSync(join(tmpdir(), 'recur-bench-'));
const filesFor = new Map<string, InputFiles>();
const cases: CaseEntry[] = [];
for (const size of sizes) {
  const { B, T, D, H } = size;
  const rng = new Rng(seed);
  const x = Float32Array.from({ length: B * T * D }, () => rng.uniform() * 2 - 1);
  const lengths = spreadLengths(B, T, (items) => rng.shuffle(items));
  const base = join(dir, size.name.replace(/[^\w]/g, '_'));
  writeFileSync(`${base}.x.f32`, x);
  writeFileSync(`${base}.lengths.i32`, lengths);
  for (const cell of cells) {
    // PyTorch's initialisation range U(-1/sqrt(H), 1/sqrt(H)), same layout as its parameters.
    const GH = GATES[cell] * H;
    const bound = 1 / Math.sqrt(H);
    const w = Float32Array.from({ length: GH * (D + H + 2) }, () => (rng.uniform() * 2 - 1) * bound);
    writeFileSync(`${base}.${cell}.weights.f32`, w);
    for (const mode of modes) {
      for (const layout of layouts) {
        const c: BenchCase = { id: `${cell}-${size.name}-${mode}-${layout}`, cell, size, mode, layout };
        const steps = realSteps(c, lengths);
        cases.push({ ...c, realSteps: steps, gflop: flops(c, steps) / 1e9 });
        filesFor.set(c.id, { x: `${base}.x.f32`, lengths: `${base}.lengths.i32`, weights: `${base}.${cell}.weights.f32` });
      }
    }
  }
}

// ---- Rows: what runs here ----
interface Plan extends Row {
  run?: (job: Job, jobPath: string, resultPath: string) => { cmd: string; argv: string[]; env?: Record<string, string> };
  job?: Partial<Job>;
}
const nodeWorker = (file: string, extra: string[] = []) => (_: Job, jobPath: string, resultPath: string) => ({
  cmd: process.execPath,
  argv: [...extra, '--import', 'tsx', join(ROOT, 'bench/peers', file), jobPath, resultPath],
});

const rt = await recurRuntime();
const subjectBackend = rt.backends.includes('wasm') ? 'wasm' : rt.active;
const plans: Plan[] = [];
if (groups.includes('recur')) {
  const recurRow = (id: string, label: string, backend: string, threads: number | null, subject: boolean): Plan => ({
    id, label, group: 'recur', subject, detail: `backend '${backend}'${threads === null ? '' : `, setThreads(${threads})`}`,
    run: nodeWorker('recur.ts'), job: { backend, threads },
  });
  if (rt.hasThreads) {
    plans.push(recurRow('recur-1t', `recur [${subjectBackend}] 1t`, subjectBackend, 1, true));
    plans.push(recurRow('recur-2t', `recur [${subjectBackend}] 2t`, subjectBackend, 2, true));
  } else {
    plans.push(recurRow('recur-1t', `recur [${subjectBackend}]`, subjectBackend, null, true));
    plans.push({ id: 'recur-2t', label: 'recur 2t', group: 'recur', subject: true, unavailable: 'n/a (no setThreads)' });
  }
  if (subjectBackend !== 'js' && rt.backends.includes('js')) plans.push(recurRow('recur-js', 'recur-js (reference)', 'js', null, false));
}

let torchVersion: string | null = null;
if (groups.includes('torch')) {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
  const why = probe.error ? probe.error.message : probe.status !== 0 ? (probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status}`) : null;
  if (why === null) torchVersion = probe.stdout.trim();
  for (const n of [1, 2]) {
    // ATen's OpenMP pool and OpenBLAS's own pthread pool both get n threads. OpenMP waits passively:
    // with both pools spinning, two threads on two cores run 20-50x slower than one.
    const threadEnv = { OMP_NUM_THREADS: String(n), OPENBLAS_NUM_THREADS: String(n), MKL_NUM_THREADS: String(n), OMP_WAIT_POLICY: 'PASSIVE' };
    plans.push({
      id: `torch-${n}t`,
      label: `PyTorch ${n}t`,
      group: 'torch',
      subject: false,
      detail: `torch.set_num_threads(${n}); ${Object.entries(threadEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`,
      ...(why !== null
        ? { unavailable: `not available: ${why}` }
        : { run: (_: Job, j: string, o: string) => ({ cmd: PYTHON, argv: [join(ROOT, 'bench/torch_bench.py'), j, o], env: threadEnv }), job: { threads: n } }),
    });
  }
}
if (groups.includes('tfjs-wasm')) plans.push({ id: 'tfjs-wasm', label: 'TF.js wasm', group: 'tfjs-wasm', subject: false, detail: 'SIMD, 1 thread (no multithread support in Node)', run: nodeWorker('tfjs.ts'), job: { tfBackend: 'wasm' } });
if (groups.includes('tfjs-cpu')) plans.push({ id: 'tfjs-cpu', label: 'TF.js cpu', group: 'tfjs-cpu', subject: false, run: nodeWorker('tfjs.ts'), job: { tfBackend: 'cpu' } });
if (groups.includes('brain')) plans.push({ id: 'brain', label: 'brain.js', group: 'brain', subject: false, run: nodeWorker('brain.ts') });

// ---- Run each row's worker, one at a time ----
const results: Results['results'] = Object.fromEntries(cases.map((c) => [c.id, {}]));
const caseById = new Map(cases.map((c) => [c.id, c]));

async function runPlan(p: Plan): Promise<void> {
  if (p.unavailable !== undefined || !p.run) {
    for (const c of cases) results[c.id][p.id] = { status: 'n/a', reason: p.unavailable ?? 'n/a' };
    return;
  }
  const job: Job = {
    row: p.id, backend: null, threads: null, subject: p.subject, timing,
    cases: cases.map((c) => ({ case: { id: c.id, cell: c.cell, size: c.size, mode: c.mode, layout: c.layout }, files: filesFor.get(c.id)! })),
    ...p.job,
  };
  const jobPath = join(dir, `${p.id}.job.json`);
  const resultPath = join(dir, `${p.id}.results.jsonl`);
  writeFileSync(jobPath, JSON.stringify(job));
  writeFileSync(resultPath, '');
  const { cmd, argv, env } = p.run(job, jobPath, resultPath);
  // A safety net only: generous enough for every case to hit the per-step limit a few times.
  const limitMs = cases.length * (3 * timing.maxStepS + 4 * timing.budgetS + 30) * 1000;
  const t0 = performance.now();
  let seen = 0;
  const readLines = (): ResultLine[] => readFileSync(resultPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ResultLine);
  const report = (): void => {
    const lines = readLines();
    for (const l of lines.slice(seen)) {
      const cs = caseById.get(l.id);
      if (!cs) continue;
      const { id: _id, row: _row, ...outcome } = l;
      results[l.id][p.id] = withGflops(cs, outcome);
      const what = l.status === 'ok' ? `${l.ms.toFixed(2)} ms (${l.reps} reps)` : l.reason;
      log(`  ${p.label.padEnd(22)} ${l.id.padEnd(32)} ${what}`);
    }
    seen = lines.length;
  };
  const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (b: Buffer): void => void (tail = (tail + b.toString()).slice(-2000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setInterval(report, 500);
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const code = await new Promise<number | null>((done) => child.on('close', done));
  clearInterval(timer);
  clearTimeout(killer);
  report();
  const why = `failed: worker exited with ${code ?? 'a signal'}${tail.trim() ? ': ' + tail.trim().split('\n').pop() : ''}`;
  for (const c of cases) results[c.id][p.id] ??= { status: 'failed', reason: why.slice(0, 200) };
  log(`${p.label}: done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

const loadStart = loadavg()[0];
log(`recur-bench: ${cases.length} cases × ${plans.length} rows; inputs in ${dir}; load average ${loadStart.toFixed(2)}`);
for (const p of plans) {
  log(`${p.label}…`);
  await runPlan(p);
}

// ---- Peak memory of a training step, in a fresh process per cell ----
const memory: Results['memory'] = [];
const largest = sizes.reduce((a, b) => (b.B * b.T * (b.D + b.H) * b.H > a.B * a.T * (a.D + a.H) * a.H ? b : a));
if (!args['no-memory'] && groups.includes('recur') && modes.includes('training')) {
  for (const cell of cells) {
    const c = cases.find((k) => k.cell === cell && k.size === largest && k.mode === 'training' && k.layout === 'padded');
    if (!c) continue;
    log(`memory: ${c.id}…`);
    const jobPath = join(dir, `memory-${c.id}.job.json`);
    const resultPath = join(dir, `memory-${c.id}.json`);
    const job: Job = { row: 'recur-memory', backend: subjectBackend, threads: null, subject: true, timing, cases: [{ case: c, files: filesFor.get(c.id)! }] };
    writeFileSync(jobPath, JSON.stringify(job));
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench/peers/recur-memory.ts'), jobPath, resultPath], {
      cwd: ROOT, encoding: 'utf8', timeout: 30 * 60_000,
    });
    if (r.status === 0 && existsSync(resultPath)) memory.push(JSON.parse(readFileSync(resultPath, 'utf8')) as MemoryReport);
    else memory.push({ case: c.id, status: 'failed', reason: `failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop() ?? ''}` });
  }
}

// ---- recur and PyTorch computed the same thing: compare sum(h_T) on inference cases ----
const checks: Results['checks'] = [];
for (const c of cases) {
  const a = results[c.id]['recur-1t'];
  const b = results[c.id]['torch-1t'];
  if (a?.status === 'ok' && b?.status === 'ok' && a.check !== null && b.check !== null) {
    checks.push({ case: c.id, recur: a.check, torch: b.check, relDiff: Math.abs(a.check - b.check) / Math.max(1e-6, Math.abs(b.check)) });
  }
}

// ---- Report ----
function git(...a: string[]): string | null {
  try {
    return execFileSync('git', a, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}
function pkgVersion(name: string): string | null {
  const p = join(ROOT, 'node_modules', name, 'package.json');
  return existsSync(p) ? String((JSON.parse(readFileSync(p, 'utf8')) as { version?: string }).version) : null;
}
const commit = git('rev-parse', '--short', 'HEAD');
const dirty = git('status', '--porcelain', '--untracked-files=no');
const out: Results = {
  schema: 1,
  machine: {
    date: new Date().toISOString(),
    commit: commit === null ? null : commit + (dirty ? '+dirty' : ''),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    recurBackends: rt.backends.join(', ') + (rt.hasThreads ? ' (setThreads)' : ' (no setThreads)'),
    torch: torchVersion ?? 'not available',
    tfjs: pkgVersion('@tensorflow/tfjs'),
    tfjsWasm: pkgVersion('@tensorflow/tfjs-backend-wasm'),
    brainjs: pkgVersion('brain.js'),
    openblasCoretype: process.env['OPENBLAS_CORETYPE'] ?? null,
    // 1-minute load average before and after: other processes on a 2-core machine skew every number.
    loadStart: Number(loadStart.toFixed(2)),
    loadEnd: Number(loadavg()[0].toFixed(2)),
  },
  options: {
    sizes: sizes.map((s) => `${s.name}=${s.B}x${s.T}x${s.D}x${s.H}`),
    peers: groups, cells, modes, layouts,
    budgetS: timing.budgetS, maxReps: timing.maxReps, maxStepS: timing.maxStepS, seed,
  },
  rows: plans.map(({ id, label, group, subject, detail, unavailable }) => ({
    id, label, group, subject, ...(detail ? { detail } : {}), ...(unavailable ? { unavailable } : {}),
  })),
  cases,
  results,
  memory,
  targets: [],
  checks,
};
out.targets = evaluateTargets(out);
writeFileSync(outPath, JSON.stringify(out, null, 2) + '\n');
rmSync(dir, { recursive: true, force: true });
console.log(renderMarkdown(out));
console.log(`(written to ${outPath})`);
