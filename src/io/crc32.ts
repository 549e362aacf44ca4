/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF):
 * the checksum of zlib, gzip, zip and PNG. Pure TypeScript so it runs in browsers too.
 *
 * Slicing-by-8 (Intel's "slicing-by-8" table method): eight 256-entry tables let the main loop
 * consume 8 bytes per iteration; the byte-at-a-time loop handles the unaligned head and the tail.
 *
 * Streaming: pass the previous result as `crc` to continue over the next chunk, as zlib's
 * `crc32(crc, buf)` does: crc32(b, crc32(a)) === crc32(concat(a, b)).
 */

/** TABLES[k * 256 + b]: CRC of byte b followed by k zero bytes. */
const TABLES = makeTables();

function makeTables(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[b] = c >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + b];
      t[k * 256 + b] = (t[prev & 0xff] ^ (prev >>> 8)) >>> 0;
    }
  }
  return t;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * CRC-32 of `bytes`, continuing from `crc` (the CRC of everything before; 0 to start).
 *
 * @example
 * crc32(new TextEncoder().encode('123456789')).toString(16); // 'cbf43926'
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  let i = 0;
  const n = bytes.length;
  // Byte at a time until the input is 4-byte aligned, so the word loop can use a Uint32Array view.
  while (i < n && (bytes.byteOffset + i) % 4 !== 0) c = TABLES[(c ^ bytes[i++]) & 0xff] ^ (c >>> 8);
  const words = Math.floor((n - i) / 8) * 2;
  if (LITTLE_ENDIAN_HOST && words > 0) {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let k = 0; k < words; k += 2) {
      const a = w[k] ^ c;
      const b = w[k + 1];
      c =
        TABLES[7 * 256 + (a & 0xff)] ^
        TABLES[6 * 256 + ((a >>> 8) & 0xff)] ^
        TABLES[5 * 256 + ((a >>> 16) & 0xff)] ^
        TABLES[4 * 256 + (a >>> 24)] ^
        TABLES[3 * 256 + (b & 0xff)] ^
        TABLES[2 * 256 + ((b >>> 8) & 0xff)] ^
        TABLES[256 + ((b >>> 16) & 0xff)] ^
        TABLES[b >>> 24];
    }
    i += 4 * words;
  }
  while (i < n) c = TABLES[(c ^ bytes[i++]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
