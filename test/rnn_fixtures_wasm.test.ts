// The PyTorch fixture cases of rnn_fixtures.test.ts, run with the 'wasm' backend selected.
// (rnn_fixtures.test.ts itself runs under the default backend: 'wasm' wherever SIMD is available.)
// The backend is set before the fixture module loads, so every one of its tests runs on it.
import { setBackend } from '../src/kernels/backend.ts';

setBackend('wasm');
await import('./rnn_fixtures.test.ts');
