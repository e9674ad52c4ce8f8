import type { SecretBox } from '@lrs/auth';
import type { EventLog } from '@lrs/event-log';
import { OutboundGuard } from '@lrs/http';
import type { XapiVersion } from '@lrs/xapi';
import type { AttachmentWriter, Catalog, OfficialDirectory, QuarantineSeal, StatementWriter } from './ports';
import { ReferenceDirectory } from './reference-directory';
import { type PullerOptions, RemotePuller } from './remote/remote-puller';
import { RosterService } from './rosters/import-roster';
import { connectorRoutes } from './routes';
import type { CompletionStatusSource } from './webhooks/completion-source';
import { CompletionWebhooks, type WebhookOptions } from './webhooks/completion-webhooks';

export interface ConnectorsDeps {
  log: EventLog;
  /** services/lrs's StatementStore: the connectors write only through it. */
  statements: StatementWriter;
  attachments?: AttachmentWriter;
  /** Default: the officials registry and catalog of @lrs/training, read from the log. */
  directory?: OfficialDirectory;
  catalog?: Catalog;
  version?: XapiVersion;
  puller?: PullerOptions;
  /** Seals the remote LRS credentials and webhook secrets kept in the log. */
  secrets: SecretBox;
  /** LRS_OUTBOUND_ALLOW: internal destinations remote sources and webhooks may reach. */
  outboundAllow?: readonly string[];
  /** Seals quarantine records under the people they name (decision 079). */
  quarantine?: QuarantineSeal;
}

export interface Connectors {
  rosters: RosterService;
  puller: RemotePuller;
  /** Completion notifications, once started (they follow a completion service started later). */
  webhooks: CompletionWebhooks | null;
  startWebhooks(
    source: CompletionStatusSource,
    options: Omit<WebhookOptions, 'secrets'>,
  ): Promise<CompletionWebhooks>;
  router(): ReturnType<typeof connectorRoutes>;
  stop(): Promise<void>;
}

/** Starts the face-to-face roster import and the remote LRS puller on one log. */
export async function startConnectors(deps: ConnectorsDeps): Promise<Connectors> {
  const reference = deps.directory && deps.catalog ? null : await ReferenceDirectory.start(deps.log);
  const rosters = new RosterService({
    log: deps.log,
    writer: deps.statements,
    directory: deps.directory ?? reference!,
    catalog: deps.catalog ?? reference!,
    ...(deps.version ? { version: deps.version } : {}),
  });
  const outbound = deps.puller?.outbound ?? new OutboundGuard({ allow: deps.outboundAllow ?? [] });
  const puller = await RemotePuller.start(
    {
      log: deps.log,
      writer: deps.statements,
      ...(deps.attachments ? { attachments: deps.attachments } : {}),
      secrets: deps.secrets,
    },
    { schedule: true, ...deps.puller, outbound, ...(deps.quarantine ? { quarantine: deps.quarantine } : {}) },
  );
  const connectors: Connectors = {
    rosters,
    puller,
    webhooks: null,
    async startWebhooks(source, options) {
      connectors.webhooks ??= await CompletionWebhooks.start(deps.log, source, {
        outbound,
        ...options,
        secrets: deps.secrets,
      });
      return connectors.webhooks;
    },
    router: () => connectorRoutes({ rosters, puller, webhooks: () => connectors.webhooks }),
    async stop() {
      await connectors.webhooks?.stop();
      await puller.stop();
      await reference?.stop();
    },
  };
  return connectors;
}
