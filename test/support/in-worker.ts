import { Worker } from 'node:worker_threads';
import { onTestFinished } from 'vitest';

// Runs a function of one of our modules in a worker thread, for tests of work that must stay
// bounded (a masker on adversarial input): if it does not, the test fails at its timeout and the
// worker is terminated, where the same call on the test's own thread would block the whole run
// until it returned. The module is loaded through tsx, as the benches load it.

/** `exportName(...args)` of the module at `moduleUrl`, called in a worker thread. */
export function callInWorker<T>(moduleUrl: URL, exportName: string, args: unknown[]): Promise<T> {
  const url = JSON.stringify(moduleUrl.href);
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import('tsx/esm/api')
       .then(({ tsImport }) => tsImport(${url}, ${url}))
       .then((m) => parentPort.postMessage(m[${JSON.stringify(exportName)}](...workerData)));`,
    { eval: true, workerData: args },
  );
  onTestFinished(() => worker.terminate().then(() => undefined));
  return new Promise<T>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the worker exited (${code}) before answering`)));
  });
}
