export { type MountOptions, mountTranscripts, transcriptRoutes } from './routes';
export { TranscriptsService } from './service';
