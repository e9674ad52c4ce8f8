import type { CredentialRegistry, JwtVerifier } from '@lrs/auth';
import { authenticate } from '@lrs/auth';
import type { EventLog } from '@lrs/event-log';
import { type RunningProjection, startProjection } from '@lrs/projections';
import { LedgerReader } from '@lrs/training';
import type express from 'express';
import { completionProjection } from './projection';
import { completionRoutes } from './routes';

/** The running completion projector with its query side. */
export class CompletionService {
  private cached: LedgerReader | null = null;
  private constructor(
    readonly running: RunningProjection,
    private readonly log: EventLog,
  ) {}

  static async start(
    log: EventLog,
    options: { dataDir: string; maxBatchSize?: number },
  ): Promise<CompletionService> {
    const running = await startProjection(log, completionProjection, {
      dataDir: options.dataDir,
      ...(options.maxBatchSize ? { maxBatchSize: options.maxBatchSize } : {}),
    });
    return new CompletionService(running, log);
  }

  reader(): LedgerReader {
    this.cached ??= new LedgerReader(this.running.readDb());
    return this.cached;
  }

  /** Read-your-writes: waits, bounded, for the read model to reach the log's current head. */
  async catchUp(timeoutMs = 2000): Promise<void> {
    const head = await this.log.headPosition();
    if (head) await this.running.waitFor(head, timeoutMs);
  }

  async stop(): Promise<void> {
    await this.running.stop();
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
