export { transcriptRoutes } from './routes';
export { type MountOptions, mountTranscripts, TranscriptsService } from './service';
