/**
 * Builds recur for browsers with esbuild:
 *
 *   buildLibrary()      src/browser.ts → dist/browser/recur.js (one ESM file, source map beside it)
 *   buildPlayground()   the playground page → playground/dist/: index.html, style.css, recur.js
 *                       (the same bundle), main.js and worker.js (which import ./recur.js rather
 *                       than bundling a second copy of the library), and the shipped datasets.
 *
 * Usage: node --import tsx playground/build.ts [--library | --playground [outDir]]
 *
 * Node built-ins reached from the browser entry (modules that import node:fs for their file
 * paths) are replaced by stubs that throw when called; each build reports which module imports
 * which built-in, so that a new leak shows up at once (test/browser.test.ts keeps the list).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { SHIPPED, textPrefix } from './src/datasets.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HERE = join(ROOT, 'playground');
const BROWSER_ENTRY = join(ROOT, 'src', 'browser.ts');
/** The public entries that the playground's code imports; both become `./recur.js` there. */
const LIBRARY_ENTRIES = new Set([BROWSER_ENTRY, join(ROOT, 'src', 'index.ts')]);

/** A Node built-in imported by a module in a browser bundle (repository-relative importer). */
export interface NodeImport {
  builtin: string;
  importer: string;
  names: string[];
}

export interface BuildReport {
  /** Files written, repository-relative, with their sizes in bytes. */
  files: { path: string; bytes: number }[];
  nodeImports: NodeImport[];
}

const BUILTIN = new RegExp(`^(node:.*|${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`);

/** Names imported from `builtin` by the source text of a module (`import { a, b as c } from '...'`). */
function importedNames(source: string, builtin: string): string[] {
  const names: string[] = [];
  const quoted = builtin.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const re = new RegExp(`import\\s+(?:type\\s+)?\\{([^}]*)\\}\\s*from\\s*['"]${quoted}['"]`, 'g');
  for (const m of source.matchAll(re)) {
    for (const part of m[1].split(',')) {
      const name = part.trim().split(/\s+as\s+/)[0].replace(/^type\s+/, '').trim();
      if (name !== '') names.push(name);
    }
  }
  return names;
}

/**
 * Replaces each import of a Node built-in with a module whose exports throw, naming the function,
 * the module that called it and what to use in a browser instead.
 */
function nodeStubs(found: NodeImport[]): esbuild.Plugin {
  return {
    name: 'recur-node-stubs',
    setup(b) {
      b.onResolve({ filter: BUILTIN }, (args) => {
        const importer = relative(ROOT, args.importer);
        const names = importedNames(readFileSync(args.importer, 'utf8'), args.path);
        found.push({ builtin: args.path, importer, names });
        // One stub per importer, exporting exactly the names it imports.
        return { path: `${args.path} from ${importer}`, namespace: 'node-stub', pluginData: { builtin: args.path, importer, names } };
      });
      b.onLoad({ filter: /.*/, namespace: 'node-stub' }, (args) => {
        const { builtin, importer, names } = args.pluginData as { builtin: string; importer: string; names: string[] };
        const lines = [
          'function unavailable(name) {',
          `  return () => { throw new Error(\`recur (browser build): \${name} from ${builtin} is not available in browsers (called by ${importer}); ` +
            'in a page use decodeCheckpoint/encodeCheckpoint on bytes and readCsv on text\`); };',
          '}',
          ...names.map((n) => `export const ${n} = unavailable(${JSON.stringify(n)});`),
          `export default new Proxy({}, { get: (_, k) => unavailable(String(k)) });`,
        ];
        return { contents: lines.join('\n'), loader: 'js' };
      });
    },
  };
}

/** Imports of the library's public entries become imports of the bundle `./recur.js`. */
const libraryAsBundle: esbuild.Plugin = {
  name: 'recur-library-as-bundle',
  setup(b) {
    b.onResolve({ filter: /(^|\/)(browser|index)\.ts$/ }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      return LIBRARY_ENTRIES.has(path) ? { path: './recur.js', external: true } : undefined;
    });
  },
};

const COMMON: esbuild.BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  // csv-parse's Node build uses Node's global Buffer; its browser build carries its own.
  alias: { 'csv-parse/sync': 'csv-parse/browser/esm/sync' },
  logLevel: 'warning',
  legalComments: 'none',
};

function sizes(metafile: esbuild.Metafile): BuildReport['files'] {
  return Object.entries(metafile.outputs)
    .filter(([p]) => !p.endsWith('.map'))
    .map(([p, o]) => ({ path: relative(ROOT, resolve(ROOT, p)), bytes: o.bytes }));
}

/**
 * The ESM bundle of src/browser.ts.
 * @example const { files } = await buildLibrary(); // dist/browser/recur.js
 */
export async function buildLibrary(outfile = join(ROOT, 'dist', 'browser', 'recur.js')): Promise<BuildReport> {
  const nodeImports: NodeImport[] = [];
  const r = await esbuild.build({
    ...COMMON,
    absWorkingDir: ROOT,
    entryPoints: [BROWSER_ENTRY],
    outfile,
    inject: [join(HERE, 'shims.ts')],
    plugins: [nodeStubs(nodeImports)],
    metafile: true,
  });
  return { files: sizes(r.metafile), nodeImports };
}

/**
 * The playground page in `outDir`, ready to serve as static files.
 * @example await buildPlayground('/tmp/pg'); // then serve /tmp/pg
 */
export async function buildPlayground(outDir = join(HERE, 'dist')): Promise<BuildReport> {
  mkdirSync(join(outDir, 'data'), { recursive: true });
  const lib = await buildLibrary(join(outDir, 'recur.js'));
  const nodeImports: NodeImport[] = [...lib.nodeImports];
  const r = await esbuild.build({
    ...COMMON,
    absWorkingDir: ROOT,
    entryPoints: [join(HERE, 'src', 'main.ts'), join(HERE, 'src', 'worker.ts')],
    outdir: outDir,
    plugins: [libraryAsBundle, nodeStubs(nodeImports)],
    metafile: true,
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(HERE, f), join(outDir, f));
  for (const d of SHIPPED) {
    const target = join(outDir, 'data', d.file);
    if (d.kind === 'text') writeFileSync(target, textPrefix(readFileSync(join(ROOT, d.path), 'utf8'), d.maxChars));
    else copyFileSync(join(ROOT, d.path), target);
  }
  return { files: [...lib.files, ...sizes(r.metafile)], nodeImports };
}

/** One line per stubbed import, for the build's output. */
export function describeNodeImports(imports: readonly NodeImport[]): string[] {
  const seen = new Set<string>();
  return imports.flatMap((i) => {
    const line = `  ${i.importer} imports ${i.names.join(', ') || '(everything)'} from ${i.builtin}`;
    if (seen.has(line)) return [];
    seen.add(line);
    return [line];
  });
}

function report(r: BuildReport): void {
  for (const f of r.files) console.log(`  ${f.path}  ${(f.bytes / 1024).toFixed(1)} KiB`);
  if (r.nodeImports.length > 0) {
    console.log('Node built-ins replaced by stubs that throw when called (browser code must not reach them):');
    for (const line of describeNodeImports(r.nodeImports)) console.log(line);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [mode = '--library', out] = process.argv.slice(2);
  if (mode === '--library') report(await buildLibrary());
  else if (mode === '--playground') report(await buildPlayground(out === undefined ? undefined : resolve(out)));
  else {
    console.error(`playground/build.ts: unknown option ${mode}; use --library or --playground [outDir]`);
    process.exitCode = 2;
  }
}
