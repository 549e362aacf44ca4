// The published shape of the package: `import ... from 'recur'` resolves through package.json's
// exports map to the compiled dist/ (built by `npm run build`, which `npm ci` runs as prepare),
// with type declarations next to it, and the README's public contract runs against it.
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';

test('the built package resolves as "recur" and runs the public contract', async () => {
  assert.ok(existsSync(new URL('../dist/index.d.ts', import.meta.url)), 'dist/index.d.ts missing: run npm run build');
  const recur = await import('recur');
  const { tensor, PackedSequence, LSTM, saveSafetensors, loadSafetensors } = recur;
  const B = 3;
  const T = 4;
  const D = 2;
  const lengths = [4, 1, 2];
  const padded = Array.from({ length: B * T * D }, (_, i) => Math.sin(i));
  const xt = tensor(padded, [B, T, D], { requiresGrad: true });
  const x = PackedSequence.fromPadded(xt, lengths);
  const lstm = new LSTM({ inputSize: D, hiddenSize: 5, numLayers: 2, bidirectional: true, seed: 3 });
  lstm.loadStateDict(loadSafetensors(saveSafetensors(lstm.stateDict())));
  const { output, h, c } = lstm.forward(x);
  assert.deepEqual(h.shape, [4, B, 5]);
  assert.deepEqual(c.shape, [4, B, 5]);
  const { data } = output.toPadded();
  assert.deepEqual(data.shape, [B, T, 10]);
  data.sum().backward();
  const g = xt.grad!.data;
  // Sample 1 has length 1: its steps 1..3 are pads and get exactly zero gradient.
  for (let t = 1; t < T; t++) for (let d = 0; d < D; d++) assert.equal(g[(1 * T + t) * D + d], 0);
  assert.ok(Math.abs(g[(1 * T + 0) * D]) > 0);
  assert.equal(lstm.namedParameters()[0][0], 'weight_ih_l0');
});
