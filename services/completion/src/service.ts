import type { CredentialRegistry, JwtVerifier } from '@lrs/auth';
import { authenticate } from '@lrs/auth';
import type { EventLog } from '@lrs/event-log';
import { inlineProjectors, type Projector, type StartProjector } from '@lrs/projections';
import { LedgerReader } from '@lrs/training';
import type express from 'express';
import { completionProjection } from './projection';
import { completionRoutes } from './routes';

/**
 * Events per completion batch. Since the recount moved to the end of a catch-up (decision 017)
 * the per-batch work no longer favours large batches: the 1M-statement rebuild (`pnpm bench
 * training`, 2 runs each) ran at 28.8k statements/s in batches of 5,000 and 30.5k in batches of
 * 1,000, and the smaller batch keeps the projector thread's heap ~75 MB lower while it catches up
 * behind a fast ingest (statements bench at 400k: peak RSS 654 -> 581 MB).
 */
export const COMPLETION_BATCH = 1000;

/** The running completion projector with its query side. */
export class CompletionService {
  private cached: LedgerReader | null = null;
  private constructor(
    readonly running: Projector,
    private readonly log: EventLog,
  ) {}

  static async start(
    log: EventLog,
    options: { dataDir: string; maxBatchSize?: number; startProjector?: StartProjector },
  ): Promise<CompletionService> {
    const startProjector = options.startProjector ?? inlineProjectors(log);
    const running = await startProjector(completionProjection, {
      dataDir: options.dataDir,
      maxBatchSize: options.maxBatchSize ?? COMPLETION_BATCH,
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
