import type { OpenEventLogOptions } from '@lrs/event-log';
import { moduleWorker, type ReplayProgress } from '@lrs/projections';
import type { CutOff } from './cut-off';
import type { ReplayManifest, ReplayRunOptions } from './replay-manifest';

const ENTRY = new URL('./replay-worker.ts', import.meta.url).href;

/** What the replay worker starts with (its workerData). */
export interface ReplayWorkerData {
  logOptions: OpenEventLogOptions;
  cutOff: CutOff;
  dir: string;
  /** Names of the projections to replay (definitions are functions: they cannot cross threads). */
  projections: string[] | null;
  batchSize: number | null;
}

export type FromReplayWorker =
  | { t: 'progress'; projection: string; progress: ReplayProgress }
  | { t: 'done'; manifest: ReplayManifest }
  | { t: 'failed'; name: string; message: string };

export type ToReplayWorker = { t: 'abort' };

/**
 * Runs replayToCutOff on a new worker thread that opens the log itself, relaying progress and
 * the abort signal; resolves with its manifest once the thread has exited (its log closed).
 */
export function replayInWorker(
  logOptions: OpenEventLogOptions,
  cutOff: CutOff,
  dir: string,
  options: ReplayRunOptions,
): Promise<ReplayManifest> {
  const data: ReplayWorkerData = {
    logOptions,
    cutOff,
    dir,
    projections: options.projections ? options.projections.map((p) => p.name) : null,
    batchSize: options.batchSize ?? null,
  };
  const worker = moduleWorker(ENTRY, data, 'audit-replay');
  const abort = () => worker.postMessage({ t: 'abort' } satisfies ToReplayWorker);
  if (options.signal?.aborted) abort();
  else options.signal?.addEventListener('abort', abort, { once: true });
  return new Promise((resolve, reject) => {
    let outcome: { manifest: ReplayManifest } | { error: Error } | null = null;
    worker.on('message', (m: FromReplayWorker) => {
      if (m.t === 'progress') options.onProgress?.(m.projection, m.progress);
      else if (m.t === 'done') outcome = { manifest: m.manifest };
      else outcome = { error: Object.assign(new Error(m.message), { name: m.name }) };
    });
    worker.once('error', (error) => {
      outcome ??= { error };
    });
    worker.once('exit', (code) => {
      options.signal?.removeEventListener('abort', abort);
      if (outcome && 'manifest' in outcome) resolve(outcome.manifest);
      else
        reject(outcome?.error ?? new Error(`the replay thread exited with code ${code} before it finished`));
    });
  });
}
