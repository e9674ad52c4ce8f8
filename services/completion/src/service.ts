import type { EventLog } from '@lrs/event-log';
import { RunningReadModel, type StartReadModelOptions } from '@lrs/projections';
import { COMPLETION_BATCH, CompletionReader, completionProjection } from '@lrs/training';

/** The running completion read model (it embeds the transcripts ledger) with its query side. */
export class CompletionService extends RunningReadModel<CompletionReader> {
  static async start(log: EventLog, options: StartReadModelOptions): Promise<CompletionService> {
    const running = await RunningReadModel.project(log, completionProjection, {
      maxBatchSize: COMPLETION_BATCH,
      ...options,
    });
    return new CompletionService(running, log, (db) => new CompletionReader(db));
  }
}
