export { byPolicy, completionsOf } from './evaluate';
export { completionProjection } from './projection';
export { type CompletionReport, completionReport, type ReportRow, reportCsv } from './report';
export { completionRoutes } from './routes';
export { COMPLETION_BATCH, CompletionService, mountCompletion } from './service';
