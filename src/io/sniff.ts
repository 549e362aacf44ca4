/**
 * Name what a file that is not a safetensors file probably is, from its first bytes, so that
 * loading the wrong file says "this is a PNG image" instead of "bad header length".
 * Pure (no Node APIs).
 */

/** [magic bytes, description]; checked in order against the start of the file. */
const MAGIC: readonly [readonly number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [
    [0x50, 0x4b, 0x03, 0x04],
    'a zip archive (PyTorch .pt/.pth files written by torch.save are zip archives: save the weights with ' +
      "safetensors.torch.save_file(model.state_dict(), 'model.safetensors') and load them with loadSafetensors)",
  ],
  [[0x1f, 0x8b], 'a gzip-compressed file (decompress it first)'],
  [[0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 'an HDF5 file (a Keras .h5 model?)'],
  [[0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], 'a NumPy .npy array'],
  [[0x00, 0x61, 0x73, 0x6d], 'a WebAssembly module'],
];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

/** Up to `max` leading characters of a text, with control characters escaped, for messages. */
function preview(text: string, max = 40): string {
  const s = JSON.stringify(text.length > max ? text.slice(0, max) : text);
  return text.length > max ? `${s.slice(0, -1)}..."` : s;
}

/**
 * A description of a non-safetensors file ("a PNG image", "a JSON file (an object with keys ...)").
 * @example describeForeign(new TextEncoder().encode('{"a":1}')); // 'a JSON file (an object with keys "a")'
 */
export function describeForeign(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'an empty file (0 bytes)';
  for (const [magic, what] of MAGIC) if (startsWith(bytes, magic)) return what;
  // Python pickles start with PROTO (0x80) and a protocol number 2..5: legacy torch.save, joblib.
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) {
    return 'a Python pickle (a legacy torch.save file or a joblib/pickle dump; recur cannot read pickles)';
  }
  const head = bytes.subarray(0, 4096);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head);
  } catch {
    // A multi-byte character cut at the 4096-byte boundary is still text; anything else is binary.
    const ok = head.length === 4096 && tryDecode(head.subarray(0, 4093));
    if (!ok) return `an unrecognised binary file (first bytes ${hex(bytes.subarray(0, 8))})`;
    text = ok;
  }
  if (/[\0-\x08\x0e-\x1f]/.test(text)) return `an unrecognised binary file (first bytes ${hex(bytes.subarray(0, 8))})`;
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return `a JSON file${jsonDetail(bytes)}`;
  return `a text file (starts with ${preview(trimmed)})`;
}

function tryDecode(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** " (an object with keys ...)" when the whole file parses as JSON; "" otherwise. */
function jsonDetail(bytes: Uint8Array): string {
  if (bytes.length > 10_000_000) return '';
  const text = tryDecode(bytes);
  if (text === null) return '';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return '';
  }
  if (Array.isArray(value)) return ` (an array of ${value.length} items)`;
  if (typeof value !== 'object' || value === null) return '';
  const keys = Object.keys(value);
  if (keys.includes('modelTopology') || keys.includes('weightsManifest')) return ' (a TensorFlow.js model.json)';
  const shown = keys.slice(0, 5).map((k) => JSON.stringify(k)).join(', ');
  return keys.length === 0 ? ' (an empty object)' : ` (an object with keys ${shown}${keys.length > 5 ? ', ...' : ''})`;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
