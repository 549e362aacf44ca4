/**
 * Node globals that library code reaches in a browser, injected by the bundler (esbuild `inject`)
 * into dist/browser/recur.js only: no global is changed, each free reference in the bundle is
 * bound to these exports instead.
 *
 *   setImmediate     fit() yields with it every ~25 ms so that an abort message can arrive. A
 *                    MessageChannel task comes right after the messages already queued (a stop
 *                    from the page), with no 4 ms clamp as nested setTimeout(0) calls get.
 *   process          fit()'s default progress output is process.stdout: here a sink (callbacks
 *                    are the browser's way to follow training).
 */

const queue: (() => void)[] = [];
let channel: MessageChannel | null = null;

export function setImmediate(fn: () => void): void {
  if (channel === null) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => queue.shift()?.();
  }
  queue.push(fn);
  channel.port2.postMessage(null);
}

export const process = {
  stdout: { write: (_text: string): boolean => true, isTTY: false },
  env: {} as Record<string, string | undefined>,
};
