/**
 * Turns the workers' results into bench/results.json (stable keys, so runs can be compared between
 * commits) and the markdown tables printed to stdout: time and GFLOP/s per row, recur's ratio to
 * each peer, packed against padded, 2 threads against 1, peak memory, and the targets of issue 3.
 */
import { flops, type BenchCase, type Outcome } from './common.ts';
import type { MemoryReport } from './peers/recur-memory.ts';

export type PeerGroup = 'recur' | 'torch' | 'tfjs-wasm' | 'tfjs-cpu' | 'brain';

/** One measured variant: a column of the tables. */
export interface Row {
  id: string;
  label: string;
  group: PeerGroup;
  /** recur's rows under test (not the 'js' reference): the best of them is "recur" in the ratios. */
  subject: boolean;
  /** How the row was configured (backend, thread settings). */
  detail?: string;
  /** Set for rows that cannot run at all here: every case gets this reason. */
  unavailable?: string;
}

export type Cell = Outcome & { gflops?: number };

export interface CaseEntry extends BenchCase {
  realSteps: number;
  gflop: number;
}

export interface Results {
  schema: 1;
  machine: Record<string, string | number | null>;
  options: Record<string, string | number | boolean | string[]>;
  rows: Row[];
  cases: CaseEntry[];
  /** results[caseId][rowId] */
  results: Record<string, Record<string, Cell>>;
  memory: (MemoryReport | { case: string; status: 'failed' | 'n/a'; reason: string })[];
  targets: Target[];
  checks: { case: string; recur: number; torch: number; relDiff: number }[];
}

export interface Target {
  name: string;
  goal: string;
  value: string;
  status: 'met' | 'not met' | 'n/a';
}

const ok = (c: Cell | undefined): c is Extract<Cell, { status: 'ok' }> => c?.status === 'ok';

export function withGflops(cs: CaseEntry, o: Outcome): Cell {
  return o.status === 'ok' ? { ...o, gflops: flops(cs, cs.realSteps) / (o.ms * 1e6) } : o;
}

/** The fastest of recur's subject rows on a case, if any ran. */
function recurBest(r: Results, caseId: string): { row: Row; ms: number } | null {
  let best: { row: Row; ms: number } | null = null;
  for (const row of r.rows) {
    const c = r.results[caseId]?.[row.id];
    if (row.subject && ok(c) && (best === null || c.ms < best.ms)) best = { row, ms: c.ms };
  }
  return best;
}

function torchBest(r: Results, caseId: string): number | null {
  const ms = r.rows.filter((w) => w.group === 'torch').map((w) => r.results[caseId]?.[w.id]).filter(ok).map((c) => c.ms);
  return ms.length ? Math.min(...ms) : null;
}

const fmtMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const fmtX = (x: number): string => (x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2)) + '×';
const mb = (b: number): string => (b / 2 ** 20).toFixed(1) + ' MiB';

function caseLabel(c: BenchCase): string {
  const s = c.size;
  return `${c.cell.toUpperCase()} ${c.mode} (${s.B},${s.T},${s.D},${s.H}) ${c.layout}`;
}

function cellText(c: Cell | undefined): string {
  if (!c) return '–';
  if (c.status !== 'ok') return c.reason.length > 60 ? c.reason.slice(0, 57) + '…' : c.reason;
  return `${fmtMs(c.ms)} ms · ${(c.gflops ?? 0).toFixed(2)} GF/s`;
}

function table(head: string[], body: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

/** The targets issue 3 judges, evaluated on whatever this run measured. */
export function evaluateTargets(r: Results): Target[] {
  const trainingPadded = r.cases.filter((c) => c.mode === 'training' && c.layout === 'padded');
  const minRatio = (cases: CaseEntry[], peer: (caseId: string) => number | null): { v: number; at: string } | null => {
    let m: { v: number; at: string } | null = null;
    for (const c of cases) {
      const best = recurBest(r, c.id);
      const p = peer(c.id);
      if (best && p !== null && (m === null || p / best.ms < m.v)) m = { v: p / best.ms, at: caseLabel(c) };
    }
    return m;
  };
  const rowMs = (rowId: string) => (caseId: string): number | null => {
    const c = r.results[caseId]?.[rowId];
    return ok(c) ? c.ms : null;
  };
  const judge = (name: string, goal: string, m: { v: number; at: string } | null, pass: (v: number) => boolean, fmt = fmtX): Target =>
    m === null
      ? { name, goal, value: 'not measured', status: 'n/a' }
      : { name, goal, value: `${fmt(m.v)} (worst: ${m.at})`, status: pass(m.v) ? 'met' : 'not met' };

  const targets: Target[] = [
    judge('training vs TF.js-wasm', '≥ 10×', minRatio(trainingPadded, rowMs('tfjs-wasm')), (v) => v >= 10),
    judge('training vs brain.js', '≥ 30×', minRatio(trainingPadded, rowMs('brain')), (v) => v >= 30),
    judge(
      'vs PyTorch (best thread count), small config',
      '≥ 1.0×',
      minRatio(r.cases.filter((c) => c.size.name === 'small'), (id) => torchBest(r, id)),
      (v) => v >= 1,
    ),
  ];
  // 2 threads over 1 thread at the large config.
  let worst: { v: number; at: string } | null = null;
  for (const c of r.cases.filter((k) => k.size.name === 'large' && k.layout === 'padded')) {
    const one = r.results[c.id]?.['recur-1t'];
    const two = r.results[c.id]?.['recur-2t'];
    if (ok(one) && ok(two) && (worst === null || one.ms / two.ms < worst.v)) worst = { v: one.ms / two.ms, at: caseLabel(c) };
  }
  targets.push(judge('recur 2 threads vs 1 thread, large config', '≥ 1.5×', worst, (v) => v >= 1.5));
  // Packed variable length against the same batch padded to T.
  let varlen: { v: number; at: string } | null = null;
  for (const c of r.cases.filter((k) => k.layout === 'varlen')) {
    const padded = r.cases.find((k) => k.cell === c.cell && k.size.name === c.size.name && k.mode === c.mode && k.layout === 'padded');
    const v = recurBest(r, c.id);
    const p = padded ? recurBest(r, padded.id) : null;
    if (v && p && (varlen === null || v.ms / p.ms > varlen.v)) varlen = { v: v.ms / p.ms, at: caseLabel(c) };
  }
  targets.push(judge('variable length vs padded (recur)', '≤ 0.6× the time', varlen, (v) => v <= 0.6));
  // Judged at the large config only: at small sizes the runtime's fixed overhead dominates.
  let mem: { v: number; at: string } | null = null;
  for (const m of r.memory) if ('ratioRss' in m && m.case.includes('-large-') && (mem === null || m.ratioRss > mem.v)) mem = { v: m.ratioRss, at: m.case };
  targets.push(judge('peak memory of a training step / theoretical, large config', '≤ 2×', mem, (v) => v <= 2));
  return targets;
}

export function renderMarkdown(r: Results): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`# recur benchmark — ${m.date}`);
  out.push('');
  out.push(`${m.cpu} (${m.cores} cores), Node ${m.node}, commit ${m.commit}; recur backend: ${m.recurBackends}; PyTorch: ${m.torch}; OPENBLAS_CORETYPE=${m.openblasCoretype}.`);
  const busy = Math.max(Number(m.loadStart), Number(m.loadEnd));
  if (busy > 0.5 * Number(m.cores)) {
    out.push(`**Warning: the machine was busy (1-minute load average ${m.loadStart} before, ${m.loadEnd} after, on ${m.cores} cores): timings are skewed, 2-thread rows most.**`);
  }
  out.push('GFLOP/s counts 2·(D+H)·G·H per real step forward, ×3 for a training step (forward + backward + Adam). Median of the timed repetitions after warm-up.');
  out.push('');

  out.push('## Time per call and throughput');
  out.push('');
  out.push(table(['case', ...r.rows.map((w) => w.label)], r.cases.map((c) => [caseLabel(c), ...r.rows.map((w) => cellText(r.results[c.id]?.[w.id]))])));
  out.push('');

  const peers = r.rows.filter((w) => !w.subject);
  out.push("## recur's throughput ratio to each peer (peer time ÷ recur time; > 1 means recur is faster)");
  out.push('');
  out.push('recur = the fastest of its rows under test on that case.');
  out.push('');
  const hasTorch = peers.some((w) => w.group === 'torch');
  const ratioHead = ['case', 'recur', ...(hasTorch ? ['PyTorch (best threads)'] : []), ...peers.map((w) => w.label)];
  const ratioBody = r.cases.map((c) => {
    const best = recurBest(r, c.id);
    const vs = (ms: number | null): string => (best && ms !== null ? fmtX(ms / best.ms) : '–');
    const tb = torchBest(r, c.id);
    return [
      caseLabel(c),
      best ? `${best.row.label} ${fmtMs(best.ms)} ms` : '–',
      ...(hasTorch ? [vs(tb)] : []),
      ...peers.map((w) => {
        const cell = r.results[c.id]?.[w.id];
        return ok(cell) ? vs(cell.ms) : (cell?.status ?? '–');
      }),
    ];
  });
  out.push(table(ratioHead, ratioBody));
  out.push('');

  const varlenCases = r.cases.filter((c) => c.layout === 'varlen');
  if (varlenCases.length) {
    out.push('## Variable length: packed (lengths spread over 1..T) ÷ the same batch padded to T');
    out.push('');
    const cols = r.rows.filter((w) => w.group === 'recur' || w.group === 'torch');
    const body = varlenCases.map((c) => {
      const padded = r.cases.find((k) => k.cell === c.cell && k.size.name === c.size.name && k.mode === c.mode && k.layout === 'padded');
      const real = c.realSteps / (c.size.B * c.size.T);
      return [
        caseLabel(c).replace(/ varlen$/, ''),
        real.toFixed(2),
        ...cols.map((w) => {
          const v = r.results[c.id]?.[w.id];
          const p = padded ? r.results[padded.id]?.[w.id] : undefined;
          return ok(v) && ok(p) ? `${(v.ms / p.ms).toFixed(2)} (${fmtMs(v.ms)} / ${fmtMs(p.ms)} ms)` : '–';
        }),
      ];
    });
    out.push(table(['case', 'real steps ÷ B·T', ...cols.map((w) => w.label)], body));
    out.push('');
  }

  if (r.memory.length) {
    out.push('## Peak memory of a training step (recur)');
    out.push('');
    out.push('Theoretical = params + grads + Adam m, v + what BPTT must keep (LSTM 6H, GRU 5H floats per real step). Peak RSS from VmHWM during the step, relative to the process before the layer existed.');
    out.push('');
    const body = r.memory.map((x) =>
      'ratioRss' in x
        ? [
            x.case,
            x.backend,
            `${mb(x.theoretical.totalB)} (P ${mb(x.theoretical.paramsB)} ×4 + acts ${mb(x.theoretical.activationsB)})`,
            `${mb(x.peakRssB)}${x.peakRssScope === 'process' ? ' (process peak)' : ''}`,
            fmtX(x.ratioRss),
            mb(x.peakArrayBuffersB),
            fmtX(x.ratioArrayBuffers),
            mb(x.allocatedPerStepB),
          ]
        : [x.case, x.reason, '', '', '', '', '', ''],
    );
    out.push(table(['case', 'backend', 'theoretical', 'peak RSS Δ', 'RSS ÷ theory', 'arrayBuffers Δ (max sampled)', 'AB ÷ theory', 'recur alloc / step'], body));
    out.push('');
  }

  if (r.checks.length) {
    const worst = r.checks.reduce((a, b) => (b.relDiff > a.relDiff ? b : a));
    out.push(`Same inputs and weights: recur and PyTorch agree on sum(h_T) in ${r.checks.length} inference cases (worst relative difference ${worst.relDiff.toExponential(1)}, ${worst.case}).`);
    out.push('');
  }

  out.push('## Targets (issue 3)');
  out.push('');
  out.push(table(['target', 'goal', 'measured', 'status'], r.targets.map((t) => [t.name, t.goal, t.value, t.status])));
  out.push('');
  return out.join('\n');
}
