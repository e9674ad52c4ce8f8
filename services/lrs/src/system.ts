import { mkdirSync } from 'node:fs';
import { AttachmentStore } from '@lrs/attachments';
import { CredentialRegistry, ensureBootstrapCredential, JwtVerifier } from '@lrs/auth';
import type { Config } from '@lrs/config';
import type { EventLog } from '@lrs/event-log';
import { openEventLog } from '@lrs/event-log';
import { type Connectors, startConnectors } from '@lrs/service-connectors';
import { type DocumentResources, startDocumentResources } from './documents/document-resources';
import { StatementsIndex } from './statements/statements-index-service';
import { StatementStore } from './statements/store-statements';

/** Everything the LRS service runs on: the log, the projections and the domain services. */
export interface LrsSystem {
  config: Config;
  log: EventLog;
  credentials: CredentialRegistry;
  jwt: JwtVerifier | null;
  index: StatementsIndex;
  statements: StatementStore;
  attachments: AttachmentStore;
  /** State, Agent/Activity Profile documents, Agents and Activities (issue 4). */
  documents: DocumentResources;
  /** Face-to-face rosters and remote LRS pulls (services/connectors), writing through `statements`. */
  connectors: Connectors;
  stop(): Promise<void>;
}

export async function startLrsSystem(config: Config): Promise<LrsSystem> {
  mkdirSync(config.dataDir, { recursive: true });
  const log = await openEventLog({
    dataDir: config.dataDir,
    ...(config.esdbUrl ? { esdbUrl: config.esdbUrl } : {}),
  });
  const credentials = await CredentialRegistry.start(log, { baseUrl: config.baseUrl });
  if (config.bootstrap) await ensureBootstrapCredential(credentials, config.bootstrap);
  const jwt = JwtVerifier.fromConfig(config);
  const index = await StatementsIndex.start(log, config.dataDir);
  const statements = new StatementStore(log);
  const attachments = new AttachmentStore(log);
  const connectors = await startConnectors({ log, statements, attachments });
  const documents = await startDocumentResources(log, attachments, config.dataDir);
  return {
    config,
    log,
    credentials,
    jwt,
    index,
    statements,
    attachments,
    documents,
    connectors,
    async stop() {
      await connectors.stop();
      await documents.stop();
      await index.stop();
      await credentials.stop();
      await log.close();
    },
  };
}
