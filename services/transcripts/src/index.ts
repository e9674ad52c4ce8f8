export { transcriptsProjection } from './projection';
export { transcriptRoutes } from './routes';
export { type MountOptions, mountTranscripts, TranscriptsService } from './service';
export { buildTranscript, type Transcript, type TranscriptEntry } from './transcript';
