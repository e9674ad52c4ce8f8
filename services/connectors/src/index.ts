export { type Connectors, type ConnectorsDeps, startConnectors } from './connectors';
export { CONNECTORS_NAMESPACE, uuidV5 } from './ids';
export type { AttachmentWriter, Catalog, OfficialDirectory, StatementWriter } from './ports';
export { ReferenceDirectory } from './reference-directory';
export { fetchStatementsPage, firstPageUrl, PullError } from './remote/fetch-page';
export {
  type PassOutcome,
  type PullerOptions,
  RemotePuller,
  type SourceState,
  type SourceStatus,
} from './remote/remote-puller';
export { parseSourceConfig, publicSource, type RemoteAuth, type RemoteSource } from './remote/source-config';
export * from './remote/source-events';
export {
  ATTENDED_VERB,
  attendanceStatementId,
  MEETING_TYPE,
  SESSION_EXTENSION,
} from './rosters/attendance-statement';
export {
  type ImportProgress,
  type RosterImporter,
  type RosterImportResult,
  RosterService,
  type RosterSubmission,
  rosterRejected,
} from './rosters/import-roster';
export { parseRosterCsv, parseRosterJson } from './rosters/parse-roster';
export { ROSTER_IMPORTED, rosterStream } from './rosters/roster-events';
export type { RosterProblem, SessionInput } from './rosters/roster-types';
export { type ConnectorRoutesDeps, connectorRoutes, ROSTER_IMPORT_SCOPE } from './routes';
export {
  type CompletionReadSide,
  type CompletionStatusRow,
  type CompletionStatusSource,
  completionStatusSource,
} from './webhooks/completion-source';
export { CompletionWebhooks, type WebhookOptions, type WebhooksStatus } from './webhooks/completion-webhooks';
export { type Delivery, type DeliveryState, WebhookOutbox } from './webhooks/outbox';
export { webhookRoutes } from './webhooks/routes';
export {
  ATTEMPT_HEADER,
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  signatureHeader,
  verifySignature,
} from './webhooks/signature';
export {
  COMPLETION_STATUSES,
  matches,
  parseSubscription,
  publicSubscription,
  type SubscriptionFilter,
  type WebhookSubscription,
} from './webhooks/subscription';
export * from './webhooks/webhook-events';
