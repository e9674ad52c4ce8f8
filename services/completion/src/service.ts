import type { CredentialRegistry, JwtVerifier } from '@lrs/auth';
import { authenticate } from '@lrs/auth';
import type { EventLog } from '@lrs/event-log';
import { RunningReadModel, type StartReadModelOptions } from '@lrs/projections';
import { COMPLETION_BATCH, CompletionReader, completionProjection } from '@lrs/training';
import type express from 'express';
import { completionRoutes } from './routes';

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

/** Mounts GET /api/officials/:officialId/completion and GET /api/reports/completion on an app. */
export function mountCompletion(
  app: express.Express,
  service: CompletionService,
  options: { credentials: CredentialRegistry; jwt: JwtVerifier | null },
): void {
  app.use('/api', authenticate(options.credentials, options.jwt), completionRoutes(service));
}
