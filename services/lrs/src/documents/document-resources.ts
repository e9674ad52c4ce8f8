import type { AttachmentStore } from '@lrs/attachments';
import type { Config } from '@lrs/config';
import type { EventLog } from '@lrs/event-log';
import type { KeyStore } from '@lrs/privacy';
import { inlineProjectors, type StartProjector } from '@lrs/projections';
import { Router } from 'express';
import { ActivitiesIndex } from '../activities/activities-index';
import { activityRoutes } from '../activities/routes';
import { AgentsIndex } from '../agents/agents-index';
import { agentRoutes } from '../agents/routes';
import { DocumentStore } from './document-store';
import { DocumentsIndex } from './documents-index';
import { documentRoutes } from './routes';

/**
 * The document resources as one unit for the composition root: State, Agent Profile and Activity
 * Profile documents, the Agents resource and the Activities resource, with their read models.
 */
export interface DocumentResources {
  store: DocumentStore;
  index: DocumentsIndex;
  agents: AgentsIndex;
  activities: ActivitiesIndex;
  stop(): Promise<void>;
}

export async function startDocumentResources(
  log: EventLog,
  attachments: AttachmentStore,
  dataDir: string,
  startProjector: StartProjector = inlineProjectors(log),
  /** Agents' documents are sealed under their subjects (decision 079). */
  keys?: KeyStore,
): Promise<DocumentResources> {
  const index = await DocumentsIndex.start(log, dataDir, startProjector);
  const agents = await AgentsIndex.start(log, dataDir, startProjector);
  const activities = await ActivitiesIndex.start(log, dataDir, startProjector);
  return {
    store: new DocumentStore(log, attachments, keys ? { keys } : {}),
    index,
    agents,
    activities,
    async stop() {
      await Promise.all([index.stop(), agents.stop(), activities.stop()]);
    },
  };
}

/** The routes of these resources, mounted after authentication on the xAPI router. */
export function documentResourceRoutes(resources: DocumentResources, config: Config): Router {
  const readYourWritesTimeoutMs = 5000;
  const router = Router();
  router.use(
    documentRoutes({
      store: resources.store,
      index: resources.index,
      maxDocumentBytes: config.maxDocumentBytes,
      readYourWritesTimeoutMs,
    }),
  );
  router.use(agentRoutes({ index: resources.agents, readYourWritesTimeoutMs }));
  router.use(activityRoutes({ index: resources.activities, readYourWritesTimeoutMs }));
  return router;
}
