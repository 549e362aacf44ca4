/**
 * Child process of the atomic-write test. Loads, prints "ready", waits for a line on stdin, then
 * saves versions 1, 2, 3, ... of a large checkpoint to the path in argv[2] forever, printing
 * "saved k" after each save returns, until it is killed. (Waiting for the go-ahead lets the test
 * start the next writer while it checks the previous one: starting node with tsx takes ~0.5 s.)
 *
 *   node --import tsx test/helpers/checkpoint-writer.ts <path>
 */
import { saveCheckpoint } from '../../src/io/checkpoint.ts';
import { makeVersion } from './checkpoint-versions.ts';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: checkpoint-writer.ts <path>');
makeVersion(0); // allocate and fill the big buffer before the go-ahead
process.stdin.on('end', () => process.exit(0)); // the test went away without a go-ahead
process.stdin.once('data', () => {
  for (let k = 1; ; k++) {
    saveCheckpoint(path, makeVersion(k));
    process.stdout.write(`saved ${k}\n`);
  }
});
process.stdout.write('ready\n');
