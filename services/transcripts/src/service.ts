import type { CredentialRegistry, JwtVerifier } from '@lrs/auth';
import { authenticate } from '@lrs/auth';
import type { EventLog } from '@lrs/event-log';
import { type Projector, startProjection } from '@lrs/projections';
import { LedgerReader, trainingAdminRouter } from '@lrs/training';
import type express from 'express';
import { transcriptsProjection } from './projection';
import { transcriptRoutes } from './routes';

/** The running transcripts projector with its query side. */
export class TranscriptsService {
  private cached: LedgerReader | null = null;
  private constructor(
    readonly running: Projector,
    private readonly log: EventLog,
    /** False when the projection belongs to another service (sharing): stop leaves it running. */
    private readonly owned = true,
  ) {}

  /**
   * The query side over a running projection that embeds this one's read model (the completion
   * model does, ProjectionSpec.embeds): in one process the ledger is then built and stored once.
   */
  static sharing(running: Projector, log: EventLog): TranscriptsService {
    if (!running.projection.embeds.includes(transcriptsProjection)) {
      throw new Error(`projection ${running.projection.name} does not embed the transcripts read model`);
    }
    return new TranscriptsService(running, log, false);
  }

  static async start(
    log: EventLog,
    options: { dataDir: string; maxBatchSize?: number },
  ): Promise<TranscriptsService> {
    const running = await startProjection(log, transcriptsProjection, {
      dataDir: options.dataDir,
      ...(options.maxBatchSize ? { maxBatchSize: options.maxBatchSize } : {}),
    });
    return new TranscriptsService(running, log);
  }

  reader(): LedgerReader {
    this.cached ??= new LedgerReader(this.running.readDb());
    return this.cached;
  }

  /**
   * Read-your-writes (ARCHITECTURE-BRIEF, Consistency): waits, bounded, until the read model has
   * applied the log as it is now, so a statement acknowledged before the request is in the answer.
   */
  async catchUp(timeoutMs = 2000): Promise<void> {
    const head = await this.log.headPosition();
    if (head) await this.running.waitFor(head, timeoutMs);
  }

  async stop(): Promise<void> {
    if (this.owned) await this.running.stop();
  }
}

export interface MountOptions {
  credentials: CredentialRegistry;
  jwt: JwtVerifier | null;
  log: EventLog;
  /** Also mount the reference-data admin API (once per process). */
  admin?: boolean;
}

/** Mounts GET /api/officials/:officialId/transcript (and the admin API when asked) on an app. */
export function mountTranscripts(
  app: express.Express,
  service: TranscriptsService,
  options: MountOptions,
): void {
  const auth = authenticate(options.credentials, options.jwt);
  app.use('/api', auth, transcriptRoutes(service));
  if (options.admin) app.use('/api/admin/training', auth, trainingAdminRouter(options.log));
}
