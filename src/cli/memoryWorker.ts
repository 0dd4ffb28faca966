/**
 * The worker thread (bundled as dist/memoryWorker.js) that computes training
 * memory for `cnn summary` and `cnn check --batch` while the command line's
 * thread runs the plain analysis (trainingMemory.ts). It sends each
 * network's figures as soon as its graph is recorded, a few dozen
 * milliseconds' worth at a time, so that a summary of many networks is
 * printed while the rest are analysed. The last reply always comes, a failure
 * included, so that the waiting thread is never left blocked.
 */
import { workerData } from 'node:worker_threads';
import type { MemoryJob, MemoryReply, NetworkFigures } from './memoryProtocol';
import { eachNetworkFigures } from './trainingMemory';

const job = workerData as MemoryJob | undefined;
if (!job?.port) throw new Error('memoryWorker.js runs as a worker thread of the cnn command line.');
const { port, signal } = job;

// The worker keeps the usual priority: at the lowest (nice 19) a summary waited 17-33 s instead of 3 s for it on a
// machine whose cores were busy with other work, and a thread cannot raise its priority again once it is needed.

function send(reply: MemoryReply): void {
  port.postMessage(reply);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

/** Figures are sent once this many milliseconds' worth have gathered (and at the end). */
const sendEveryMs = 25;
let pending: NetworkFigures[] = [];
let lastSent = Date.now();
try {
  eachNetworkFigures(job, (figures) => {
    pending.push(figures);
    if (Date.now() - lastSent >= sendEveryMs) {
      send({ kind: 'networks', figures: pending });
      pending = [];
      lastSent = Date.now();
    }
  });
  if (pending.length > 0) send({ kind: 'networks', figures: pending });
  send({ kind: 'done' });
} catch (error) {
  send({ kind: 'failed', message: (error as Error).message });
}
port.close();
