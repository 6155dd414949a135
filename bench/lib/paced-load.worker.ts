/** The paced load's thread (see runPacedLoad in paced-load.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { pacedLoop, type PacedLoopParams } from './paced-load.js';

const params = workerData as PacedLoopParams;
// Buffers arrive as Uint8Arrays after the structured clone.
params.requests = params.requests.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
const result = await pacedLoop(params, (done) => parentPort?.postMessage({ done }));
parentPort?.postMessage({ result });
