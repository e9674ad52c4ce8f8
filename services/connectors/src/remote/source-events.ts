import { isSealed, type Sealed, type SecretBox } from '@lrs/auth';
import type { JsonObject } from '@lrs/event-log';
import type { RemoteSource } from './source-config';

/** Events of a remote source, all in sourceStream(id). */
export const SOURCE_EVENT_PREFIX = 'connectors.source.';
export const SOURCE_CONFIGURED = 'connectors.source.configured';
/** Progress: everything stored at or before `since` on the remote has been imported or quarantined. */
export const SOURCE_CHECKPOINT = 'connectors.source.checkpoint';
export const SOURCE_STOPPED = 'connectors.source.stopped';
export const SOURCE_RESUMED = 'connectors.source.resumed';
/** A statement the remote sent that this LRS would not store, kept with the reason. */
export const STATEMENT_QUARANTINED = 'connectors.quarantine.statement';

export const sourceStream = (id: string) => `connectors-source-${id}`;
export const quarantineStream = (id: string) => `connectors-quarantine-${id}`;

/** The source as the log keeps it: its credentials sealed (a plaintext `auth` is an older event). */
export type StoredSource = Omit<RemoteSource, 'auth'> & { auth: Sealed | RemoteSource['auth'] };

export interface SourceConfigured {
  source: StoredSource;
  by: string;
}

/** No secret in the log's events (decision 016). The remote LRS's credentials are sealed (SecretBox). */
export function sealSource(box: SecretBox, source: RemoteSource): StoredSource {
  return { ...source, auth: box.seal(JSON.stringify(source.auth)) };
}

export function openSource(box: SecretBox, stored: StoredSource): RemoteSource {
  const { auth } = stored;
  return { ...stored, auth: isSealed(auth) ? (JSON.parse(box.open(auth)) as RemoteSource['auth']) : auth };
}
export interface SourceCheckpoint {
  since: string;
  /** Statements stored (new) and seen again (already held) in the pass that wrote this checkpoint. */
  stored: number;
  repeated: number;
  quarantined: number;
  filtered: number;
}
export interface SourceStopped {
  reason: string;
  status?: number;
}
export interface SourceResumed {
  by: string;
}
export interface StatementQuarantined {
  source: string;
  statementId: string | null;
  rule: string;
  pointer?: string;
  reason: string;
  /**
   * The statement as received (JSON text, cut at 64 KiB so the event stays small); with
   * `sealed: "agents"` its agents sealed, with `sealed: "body"` empty and the text in
   * `sealedStatement` (decision 079). Read through the puller, they are opened again.
   */
  statement: string;
  sealed?: 'agents' | 'body';
  sealedStatement?: { s: string; v: string };
  /** As read: the person the body was sealed under was erased. */
  erased?: true;
}

export const json = (value: object) => value as unknown as JsonObject;

declare module '@lrs/events' {
  interface EventPayloads {
    [SOURCE_CONFIGURED]: SourceConfigured;
    [SOURCE_CHECKPOINT]: SourceCheckpoint;
    [SOURCE_STOPPED]: SourceStopped;
    [SOURCE_RESUMED]: SourceResumed;
    [STATEMENT_QUARANTINED]: StatementQuarantined;
  }
}
