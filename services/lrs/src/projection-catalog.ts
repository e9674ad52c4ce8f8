// Every projection `start` runs, for the projector thread to find by name (ProjectorThread's
// catalog): the thread imports this module itself, since functions cannot cross threads.

import type { ProjectionDefinition } from '@lrs/projections';
import { completionProjection } from '@lrs/service-completion';
import { activitiesIndexProjection } from './activities/activities-index';
import { agentsIndexProjection } from './agents/agents-index';
import { documentsIndexProjection } from './documents/documents-index';
import { statementsIndexProjection } from './statements/statements-index-service';

export const projections: readonly ProjectionDefinition[] = [
  statementsIndexProjection,
  documentsIndexProjection,
  agentsIndexProjection,
  activitiesIndexProjection,
  completionProjection,
];
