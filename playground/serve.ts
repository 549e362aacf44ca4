/**
 * `npm run playground`: build the page into playground/dist/ and serve it on localhost.
 * A static file server with node:http, nothing else: GET and HEAD of files under one folder.
 *
 * Usage: node --import tsx playground/serve.ts [--port 8080]   (default 8080, or a free port when
 * that one is taken)
 */
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlayground } from './build.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface Served {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serve the files under `dir` on 127.0.0.1 (port 0: any free port).
 * @example const { url, close } = await serveStatic('playground/dist'); // http://127.0.0.1:40123/
 */
export async function serveStatic(dir: string, port = 0): Promise<Served> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      const file = normalize(join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname));
      if (file !== root && !file.startsWith(root + sep)) {
        res.writeHead(403).end();
        return;
      }
      try {
        if (!(await stat(file)).isFile()) throw new Error('not a file');
        const body = await readFile(file);
        res.writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'content-length': body.length,
          'cache-control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${pathname}\n`);
      }
    })();
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    server,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const k = args.indexOf('--port');
  const port = k >= 0 ? Number(args[k + 1]) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`playground: --port ${args[k + 1]} is not a port number (0–65535)`);
    process.exit(2);
  }
  const out = resolve(fileURLToPath(new URL('./dist', import.meta.url)));
  await buildPlayground(out);
  let served: Served;
  try {
    served = await serveStatic(out, port);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || k >= 0) throw e;
    served = await serveStatic(out, 0); // 8080 is taken: any free port
  }
  console.log(`recur playground: ${served.url}  (built in ${out}; Ctrl-C to stop)`);
}
