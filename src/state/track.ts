/**
 * Runs an engine call as a visible task (progress bar + Cancel in the scatter's task list), like
 * AppState's own long operations. Returns the job too, so a caller can cancel a stale request.
 */
import type { AppState } from './app.svelte.ts';
import { runJob, type EngineRemote, type Job } from '../workers/client.ts';
import type { ProgressFn } from '../workers/protocol.ts';

/** Starts `call` as a task labelled `label`; the task leaves the list when the call settles. */
export function startTask<T>(
  app: AppState,
  engine: EngineRemote,
  label: string,
  call: (jobId: number, progress: ProgressFn) => Promise<T>,
): Job<T> {
  const job: Job<T> = runJob(engine, call, (fraction) => {
    const t = app.tasks.find((x) => x.id === job.id);
    if (t) t.fraction = fraction;
  });
  app.tasks.push({ id: job.id, label, fraction: 0, cancel: job.cancel });
  const remove = () => (app.tasks = app.tasks.filter((x) => x.id !== job.id));
  job.result.then(remove, remove);
  return job;
}

/** True for the rejection of a cancelled or superseded job. */
export function isCancellation(err: unknown): boolean {
  return (err as Error)?.name === 'AbortError' || /cancelled|superseded/i.test(String(err));
}
