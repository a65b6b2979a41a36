/** The UI's handle on the engine worker: typed calls, progress callbacks and cancel by job id. */
import * as Comlink from 'comlink';
import type { Engine } from './engine.ts';
import type { ProgressFn } from './protocol.ts';

export type EngineRemote = Comlink.Remote<Engine>;

let nextJobId = 1;

/** A running job: its id (for cancel) and its result. */
export interface Job<T> {
  id: number;
  result: Promise<T>;
  cancel: () => void;
}

/** Starts the engine worker. */
export function startEngine(): EngineRemote {
  const worker = new Worker(new URL('./engine.worker.ts', import.meta.url), { type: 'module', name: 'glasswing-engine' });
  return Comlink.wrap<Engine>(worker);
}

/** Runs a cancellable engine call; `call` receives the job id and a transferable progress callback. */
export function runJob<T>(engine: EngineRemote, call: (jobId: number, progress: ProgressFn) => Promise<T>, onProgress: ProgressFn): Job<T> {
  const id = nextJobId++;
  return {
    id,
    result: call(id, Comlink.proxy(onProgress)),
    cancel: () => void engine.cancel(id),
  };
}
