import type { EventLog } from '@lrs/event-log';
import type { XapiVersion } from '@lrs/xapi';
import type { AttachmentWriter, Catalog, OfficialDirectory, StatementWriter } from './ports';
import { ReferenceDirectory } from './reference-directory';
import { type PullerOptions, RemotePuller } from './remote/remote-puller';
import { RosterService } from './rosters/import-roster';
import { connectorRoutes } from './routes';

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
}

export interface Connectors {
  rosters: RosterService;
  puller: RemotePuller;
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
  const puller = await RemotePuller.start(
    {
      log: deps.log,
      writer: deps.statements,
      ...(deps.attachments ? { attachments: deps.attachments } : {}),
    },
    { schedule: true, ...deps.puller },
  );
  return {
    rosters,
    puller,
    router: () => connectorRoutes({ rosters, puller }),
    async stop() {
      await puller.stop();
      await reference?.stop();
    },
  };
}
