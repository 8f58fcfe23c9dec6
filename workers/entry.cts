// The file piscina loads in every worker thread (see src/worker-file.ts).
// Piscina loads a worker's file with require() first, and for an ES module
// Node 20 then takes its synchronous require(esm) path. That path aborted a
// test process twice (a FATAL ERROR from V8 inside ModuleWrap, reached from
// piscina's require), so piscina loads this CommonJS file instead, and it
// imports the real entry (workerData.entry) the asynchronous way, once, as
// soon as the thread starts.

import { workerData } from 'node:worker_threads';

type Handler = (req: unknown) => unknown;

const handler: Promise<Handler> = import((workerData as { entry: string }).entry).then((m: { default: Handler }) => m.default);
// A failed import fails each call (below), never the thread as an unhandled rejection.
handler.catch(() => undefined);

export = async (req: unknown): Promise<unknown> => (await handler)(req);
