#!/usr/bin/env node
// The `recur` command. Runs the compiled CLI (dist/cli/main.js, built by `npm run build`, which
// `npm ci` runs as `prepare`) when it is there, else the TypeScript source through tsx, so that
// `npx recur` works from a fresh clone either way. In a source checkout whose src/ changed after
// the last build, the source runs, so an edit never meets a stale dist/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist', 'cli', 'main.js');
const src = join(root, 'src');

/** Newest modification time of the files under `dir` (ms). */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** tsx's loader, or null where it is not installed (an install without dev dependencies). */
async function tsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return null;
  }
}

const hasDist = existsSync(dist);
const stale = hasDist && existsSync(src) && newest(src) > statSync(dist).mtimeMs;
const loader = !hasDist || stale ? await tsx() : null;
let cli;
if (loader !== null) {
  loader.register();
  cli = await import(new URL('../src/cli/main.ts', import.meta.url).href);
} else if (hasDist) {
  cli = await import(new URL('../dist/cli/main.js', import.meta.url).href);
} else {
  process.stderr.write("recur: neither dist/cli/main.js nor tsx is installed; run 'npm ci' (or 'npm run build') first\n");
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
