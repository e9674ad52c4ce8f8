// Every projection `start` runs, for the projector thread to find by name (ProjectorThread's
// catalog): the thread imports this module itself, since functions cannot cross threads.

import type { ProjectionDefinition } from '@lrs/projections';
import {
  activitiesIndexProjection,
  agentsIndexProjection,
  documentsIndexProjection,
  statementsIndexProjection,
} from '@lrs/service-lrs';
import { completionProjection } from '@lrs/training';

export const projections: readonly ProjectionDefinition[] = [
  statementsIndexProjection,
  documentsIndexProjection,
  agentsIndexProjection,
  activitiesIndexProjection,
  completionProjection,
];
