export { AttachmentError } from '@lrs/attachments';
export { ActivitiesIndex, activitiesIndexProjection } from './activities/activities-index';
export { AgentsIndex, agentsIndexProjection } from './agents/agents-index';
export { DOCUMENT_DELETED, DOCUMENT_MERGED, DOCUMENT_WRITTEN } from './documents/document-events';
export { type DocumentKey, documentStream } from './documents/document-key';
export {
  type DocumentResources,
  documentResourceRoutes,
  startDocumentResources,
} from './documents/document-resources';
export { documentEventOpener, documentEventSealer } from './documents/document-seal';
export { DocumentStore, etagOf } from './documents/document-store';
export { documentsIndexProjection } from './documents/documents-index';
export { statementRoutes } from './statements/routes';
export { StatementsIndex, statementsIndexProjection } from './statements/statements-index-service';
export { StatementStore } from './statements/store-statements';
export { xapiRouter } from './xapi-router';
