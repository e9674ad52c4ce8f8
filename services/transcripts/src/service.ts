import type { EventLog } from '@lrs/event-log';
import { type Projector, RunningReadModel, type StartReadModelOptions } from '@lrs/projections';
import { LedgerReader, transcriptsProjection } from '@lrs/training';

/** The running transcripts read model (the learning ledger) with its query side. */
export class TranscriptsService extends RunningReadModel<LedgerReader> {
  /**
   * The query side over a running projection that embeds this one's read model (the completion
   * model does, ProjectionSpec.embeds): in one process the ledger is then built and stored once.
   */
  static sharing(running: Projector, log: EventLog): TranscriptsService {
    if (!running.projection.embeds.includes(transcriptsProjection)) {
      throw new Error(`projection ${running.projection.name} does not embed the transcripts read model`);
    }
    return new TranscriptsService(running, log, (db) => new LedgerReader(db), false);
  }

  static async start(log: EventLog, options: StartReadModelOptions): Promise<TranscriptsService> {
    const running = await RunningReadModel.project(log, transcriptsProjection, options);
    return new TranscriptsService(running, log, (db) => new LedgerReader(db));
  }
}
