export { completionRoutes, mountCompletion } from './routes';
export { CompletionService } from './service';
