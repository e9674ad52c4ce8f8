export { completionRoutes } from './routes';
export { CompletionService, mountCompletion } from './service';
