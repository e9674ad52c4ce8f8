export { type ActiveModel, type ActiveModels, ActiveModelsFile } from './active-models';
export { defineProjection } from './define-projection';
export {
  InvalidProjectionError,
  ProjectionError,
  ProjectionFailedError,
  ProjectionSubscriptionError,
  ReadModelMismatchError,
} from './errors';
export { fingerprint, fingerprints } from './fingerprint';
export { InsertOnce } from './insert-once';
export { type HostedProjectionStatus, ProjectionHost, type ProjectionHostOptions } from './projection-host';
export type { Projector, ProjectorOptions, StartProjector } from './projector';
export { openReadOnly, readCheckpoint } from './read-model';
export {
  type ReplayOptions,
  type ReplayProgress,
  type ReplayResult,
  removeDatabase,
  replayProjection,
} from './replay-projection';
export { RunningReadModel, type StartReadModelOptions } from './running-read-model';
export {
  inlineProjectors,
  RunningProjection,
  readModelFile,
  type StartProjectionOptions,
  startProjection,
} from './start-projection';
export {
  moduleWorker,
  ProjectorThread,
  type ProjectorThreadOptions,
  ThreadedProjector,
} from './thread/projector-thread';
export type {
  ApplyBatch,
  ApplyContext,
  Db,
  DeferringHandler,
  ProjectionDefinition,
  ProjectionLag,
  ProjectionSpec,
  ProjectionState,
  ProjectionStatus,
  ProjectionSubscription,
  ProjectionTable,
  Statement,
} from './types';
