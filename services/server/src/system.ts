import { mkdirSync } from 'node:fs';
import { AttachmentStore } from '@lrs/attachments';
import { CredentialRegistry, ensureBootstrapCredential, JwtVerifier, SecretBox } from '@lrs/auth';
import type { Config } from '@lrs/config';
import type { EventLog } from '@lrs/event-log';
import { openEventLog } from '@lrs/event-log';
import { createLogger, type Logger } from '@lrs/http';
import {
  CryptoShredder,
  type KeyStore,
  keyStoreFile,
  openKeyStore,
  openQuarantineText,
  releaseKeyStore,
  sealQuarantineText,
  sealStatements,
  truncateReadModelWal,
} from '@lrs/privacy';
import { inlineProjectors, type Projector, ProjectorThread, type StartProjector } from '@lrs/projections';
import { AuditService } from '@lrs/service-audit';
import { CompletionService } from '@lrs/service-completion';
import { type Connectors, completionStatusSource, startConnectors } from '@lrs/service-connectors';
import {
  type DocumentResources,
  StatementStore,
  StatementsIndex,
  startDocumentResources,
} from '@lrs/service-lrs';
import { portalSecret, SessionStore } from '@lrs/service-portal';
import { type AgentDocument, PrivacyService, type SubjectEraser } from '@lrs/service-privacy';
import { TranscriptsService } from '@lrs/service-transcripts';
import { jurisdictionOfPolicy, officialSubjectKey, officialSubjectsOf } from '@lrs/training';
import { compileXapiSchemas } from '@lrs/xapi';

/** Everything the LRS service runs on: the log, the projections and the domain services. */
export interface LrsSystem {
  config: Config;
  log: EventLog;
  /** The key store of the data directory (decision 065): the admin API seals registry records with it (decision 077). */
  keys: KeyStore;
  credentials: CredentialRegistry;
  jwt: JwtVerifier | null;
  index: StatementsIndex;
  statements: StatementStore;
  attachments: AttachmentStore;
  /** State, Agent/Activity Profile documents, Agents and Activities. */
  documents: DocumentResources;
  /** Face-to-face rosters and remote LRS pulls (services/connectors), writing through `statements`. */
  connectors: Connectors;
  /** Transcripts and completion read models with their query APIs. */
  transcripts: TranscriptsService;
  completion: CompletionService;
  /** Audit replays, report snapshots and reporting duties. */
  audit: AuditService;
  /** Personal-data exports and retention (services/privacy). */
  privacy: PrivacyService;
  /** Erasure of one person by crypto-shredding (@lrs/privacy, decision 065). */
  eraser: CryptoShredder;
  /** Resolves once the read models applied the erasures found at start-up and their -wal is emptied. */
  erasuresSettled: Promise<void>;
  /** The portal's sessions and profiles (decision 061), closed with the system. */
  sessionStore: SessionStore;
  stop(): Promise<void>;
}

export interface SystemOptions {
  /**
   * Erases one person for the retention job (decision 071): the system's own CryptoShredder when
   * absent; null runs dry runs only, and /health and the log say so.
   */
  eraser?: SubjectEraser | null;
  logger?: Logger;
  /**
   * Benchmarks only (`pnpm bench statements --unsealed`, decision 081): store statements as
   * sent, without sealing their personal values, so a paired measurement differs only by
   * sealing. No configuration or environment variable sets it; main.ts never does.
   */
  unsealedStatementsForBenchmark?: true;
}

export async function startLrsSystem(config: Config, options: SystemOptions = {}): Promise<LrsSystem> {
  mkdirSync(config.dataDir, { recursive: true });
  // Before the service answers: the first write after a restart would otherwise wait for this.
  compileXapiSchemas();
  const log = await openEventLog({
    dataDir: config.dataDir,
    ...(config.esdbUrl ? { esdbUrl: config.esdbUrl } : {}),
  });
  const credentials = await CredentialRegistry.start(log, {
    baseUrl: config.baseUrl,
    ...(config.authFailuresPerMinute ? { failuresPerMinute: config.authFailuresPerMinute } : {}),
  });
  if (config.bootstrap) await ensureBootstrapCredential(credentials, config.bootstrap);
  const jwt = JwtVerifier.fromConfig(config);
  // Personal values are sealed under per-person keys (decision 065). An erasure the log records
  // whose keys are still here (a crash mid-erasure, an older key store) is finished first.
  const keysFile = keyStoreFile(config.dataDir);
  const keys = openKeyStore(keysFile);
  // Portal rows of a sealed official are tagged by their pseudonym, which the erasure event names
  // (decision 085): start-up reconciliation forgets them after a crash mid-erasure.
  const sessionStore = SessionStore.open(config.dataDir, portalSecret(config), {
    subjectOf: (officialId) => keys.find(officialSubjectKey(officialId))?.pseudonym,
  });
  // Only this process erases (its CryptoShredder below): its threads learn of a destroyed key
  // through shared memory (decision 083). Before the projector thread starts.
  keys.destroyedOnlyInThisProcess();
  let readModels: Projector[] = [];
  // Audit replays hold copies of the ledger: an erasure cancels or deletes every replay requested
  // before it (a replay is cheap to run again; decision 065).
  let dropReplaysBefore = async (_at: string) => {};
  let officialIdentifier = async (_ifi: string) => false;
  let registryOfficial = async (_officialId: string) => false;
  const eraser = new CryptoShredder(log, keys, {
    isOfficialIdentifier: (ifi) => officialIdentifier(ifi),
    officialSubjects: (officialId) => officialSubjectsOf(log, keys, officialId),
    isRegistryOfficial: (officialId) => registryOfficial(officialId),
    forgetOfficial: (officialId) => sessionStore.forgetOfficial(officialId),
    forgetSubjects: (pseudonyms) => sessionStore.forgetSubjects(pseudonyms),
    afterErasure: async (position, phase) => {
      let t = performance.now();
      await dropReplaysBefore(new Date().toISOString());
      phase('auditReplaysDropped', performance.now() - t);
      // Each read model purges on its own projector: its -wal is emptied as soon as it has.
      t = performance.now();
      await Promise.all(
        readModels.map(async (running) => {
          await running.waitFor(position, 5000);
          const applied = performance.now();
          phase(`applied.${running.projection.name}`, applied - t);
          truncateReadModelWal(running.readDb().name);
          phase(`walEmptied.${running.projection.name}`, performance.now() - applied);
        }),
      );
    },
  });
  await eraser.assertKeyStoreBelongsToLog();
  const reconciled = await eraser.reconcile();
  // The projectors apply the log on a second core unless configured inline (LRS_PROJECTORS).
  const logOptions = { dataDir: config.dataDir, ...(config.esdbUrl ? { esdbUrl: config.esdbUrl } : {}) };
  const projectorThread =
    config.projectors === 'thread'
      ? await ProjectorThread.open({
          log,
          logOptions,
          catalog: new URL('./projection-catalog.ts', import.meta.url).href,
          keyStore: keysFile,
        })
      : null;
  const startProjector: StartProjector = projectorThread
    ? (projection, options) => projectorThread.start(projection, options)
    : inlineProjectors(log);
  const index = await StatementsIndex.start(log, config.dataDir, startProjector);
  const statements = options.unsealedStatementsForBenchmark
    ? new StatementStore(log)
    : new StatementStore(log, (batch, options) => sealStatements(batch, keys, options));
  const attachments = new AttachmentStore(log);
  const connectors = await startConnectors({
    log,
    statements,
    attachments,
    secrets: SecretBox.fromConfig(config),
    outboundAllow: config.outboundAllow ?? [],
    // Quarantined statements from remote LRSs are sealed under the people they name (decision 079).
    quarantine: {
      seal: (record) => sealQuarantineText(record, keys),
      open: (record) => openQuarantineText(record, keys),
    },
  });
  const documents = await startDocumentResources(log, attachments, config.dataDir, startProjector, keys);
  const completion = await CompletionService.start(log, { dataDir: config.dataDir, startProjector });
  // The completion model embeds the transcripts ledger: one projector builds both in this process
  // (the standalone transcripts service still builds its own).
  const transcripts = TranscriptsService.sharing(completion.running, log);
  // Communication 2.4: the Person combines every identifier known for someone, including the
  // accounts and addresses the officials registry links to one official.
  documents.agents.linkPersons({
    samePerson: (ifi) => {
      const linked = completion.reader().samePerson(ifi);
      return linked.length > 0 ? linked : [ifi];
    },
  });
  // Completion webhooks follow the completion read model, so they start after it.
  await connectors.startWebhooks(completionStatusSource(completion), { dataDir: config.dataDir });
  // Large audit replays run on threads of their own, as the projectors do (LRS_PROJECTORS).
  const audit = AuditService.start(log, {
    dataDir: config.dataDir,
    publishedPolicies: async () => new Set((await completion.current()).policies().map((p) => p.policyId)),
    policyJurisdiction: async (policyId) => jurisdictionOfPolicy(await completion.current(), policyId),
    officialOfSnapshotKey: async (key) => (await completion.current()).officialOfSnapshotKey(key),
    // On SQLite, `pnpm privacy migrate` seals a registry written before decision 077; until it has,
    // snapshots are refused (decision 078). EventStoreDB has no migration (decision 080): nothing changes.
    ...(config.esdbUrl
      ? {}
      : {
          registryAwaitsMigration: async () =>
            (await completion.current()).hasOfficialsRecordedBeforeSealing(),
        }),
    ...(config.audit ? { replayLimits: config.audit } : {}),
    ...(config.projectors === 'thread' ? { replayThread: logOptions } : {}),
  });
  // Access and retention read the xAPI read models through these two queries (decision 070).
  const privacy = PrivacyService.start({
    log,
    completion,
    // The retention job erases through this system's CryptoShredder (decisions 071, 077) unless
    // the caller passes its own, or null for dry runs only.
    eraser: options.eraser === undefined ? eraser : options.eraser,
    logger: options.logger ?? createLogger(config),
    sources: {
      statementsAbout: async (ifiKeys) =>
        (await index.current()).aboutAgents(ifiKeys).map((row) => ({
          statement: JSON.parse(row.json) as Record<string, unknown>,
          voided: row.voided,
          seq: row.seq,
        })),
      documentsOf: async (ifiKeys) => {
        const reader = await documents.index.current();
        const out: AgentDocument[] = [];
        // An agent's documents are held under their pseudonym (decision 079), older ones under the identifier.
        const agents = ifiKeys.flatMap((ifi) => [
          ifi,
          ...(keys.find(ifi) ? [keys.find(ifi)!.pseudonym] : []),
        ]);
        for (const agent of agents)
          for (const held of reader.documentsOfAgent(agent)) {
            const state = await documents.store.readStored(held.key);
            if (!state.exists) continue;
            const bytes = await documents.store.content(state);
            const type = state.description.contentType;
            const text = /json|^text\//i.test(type);
            out.push({
              resource: held.key.resource,
              activityId: held.key.activityId ?? null,
              registration: held.key.registration ?? null,
              id: held.key.id,
              stream: held.stream,
              updated: state.updated.toISOString(),
              contentType: type,
              content: bytes.toString(text ? 'utf8' : 'base64'),
              encoding: text ? 'utf8' : 'base64',
            });
          }
        return out;
      },
    },
  });
  // Every projector of the process recovers from a full disk by itself, not only the index.
  const watchdogs = [
    index.running,
    documents.index.running,
    documents.agents.running,
    documents.activities.running,
    completion.running,
  ].map((running) => restartAfterStorageFailure(running));
  readModels = [index.running, documents.agents.running, documents.index.running, completion.running];
  dropReplaysBefore = async (at) => {
    for (const job of audit.jobs.list()) if (job.requestedAt <= at) await audit.jobs.delete(job.id);
  };
  if (reconciled.lastAt) await dropReplaysBefore(reconciled.lastAt);
  officialIdentifier = async (ifi) => (await completion.current()).samePerson(ifi).length > 0;
  registryOfficial = async (officialId) => (await completion.current()).official(officialId) !== undefined;
  // After a crash mid-erasure the read models purge on catch-up: their -wal is emptied once they
  // have applied the last erasure (in the background: a rebuild may take a while).
  const erasuresSettled = reconciled.last
    ? Promise.all(
        readModels.map(async (running) => {
          if (await running.waitFor(reconciled.last!, 10 * 60_000))
            truncateReadModelWal(running.readDb().name);
        }),
      ).then(
        () => undefined,
        () => undefined,
      )
    : Promise.resolve();
  return {
    config,
    log,
    keys,
    credentials,
    jwt,
    index,
    statements,
    attachments,
    documents,
    connectors,
    transcripts,
    completion,
    audit,
    privacy,
    eraser,
    erasuresSettled,
    sessionStore,
    async stop() {
      await erasuresSettled;
      await privacy.stop();
      await audit.stop();
      await connectors.webhooks?.stop();
      await completion.stop();
      await transcripts.stop();
      await connectors.stop();
      await documents.stop();
      for (const watchdog of watchdogs) clearInterval(watchdog);
      await index.stop();
      await projectorThread?.close();
      await credentials.stop();
      await log.close();
      releaseKeyStore(keysFile);
      sessionStore.close();
    },
  };
}

/**
 * A full disk (or a transient I/O error) fails a projection's batch; the batch is rolled back,
 * so retrying once space returns is safe and the projection catches up by itself
 * (test/reliability/disk-full.int.spec.ts). So is the end of the projector thread (its projectors
 * resume from their checkpoints on a new one). Handler bugs are not retried: they need a fix.
 */
function restartAfterStorageFailure(running: Projector, everyMs = 2_000): NodeJS.Timeout {
  const storage = /SQLITE_(FULL|IOERR|BUSY)|disk is full|no space left|projector thread exited/i;
  const timer = setInterval(() => {
    const status = running.status();
    if (status.state !== 'failed') return;
    type Failure = { message?: string; cause?: { message?: string; code?: string } };
    const error = status.error as Failure | undefined;
    const text = `${error?.message ?? ''} ${error?.cause?.message ?? ''} ${error?.cause?.code ?? ''}`;
    if (storage.test(text)) running.restart();
  }, everyMs);
  timer.unref();
  return timer;
}
