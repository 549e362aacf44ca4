/**
 * The one switch point between kernel implementations. Every caller reaches kernels through
 * `backend()`; `setBackend` swaps the implementation for the whole process.
 * 'js' is the readable reference (always available).
 */
import { directionBackward, directionForward } from './direction.ts';

export interface Backend {
  readonly name: string;
  readonly directionForward: typeof directionForward;
  readonly directionBackward: typeof directionBackward;
}

export const jsBackend: Backend = { name: 'js', directionForward, directionBackward };

let current: Backend = jsBackend;

export function backend(): Backend {
  return current;
}

export function setBackend(b: Backend): void {
  current = b;
}
