import type { PartBytes } from '@lrs/attachments';
import type { Actor, Agent, StoredStatement, XapiVersion } from '@lrs/xapi';

/**
 * The write path every connector uses: services/lrs's StatementStore (validation, equivalence,
 * idempotency). Declared here structurally so this package does not depend on the LRS service
 * (the LRS service starts the connectors, not the other way round).
 */
export interface StatementWriter {
  store(input: {
    statements: unknown[];
    version: XapiVersion;
    authority: Actor;
    writer: string;
    source?: string;
    preserveAuthority?: boolean;
    beforeAppend?: (statements: StoredStatement[]) => Promise<void>;
  }): Promise<{ ids: string[] }>;
}

/**
 * Seals and opens the text of a quarantine record under the people it names (@lrs/privacy's
 * sealQuarantineText/openQuarantineText, decision 079), passed in by the composition root.
 * `seal` gets the full text received and cuts it to the record's limit itself.
 */
export interface QuarantineSeal {
  seal<T extends { statement: string }>(record: T): Promise<T>;
  open<T extends { statement: string }>(record: T): T;
}

/** Stores attachment bytes pulled with a statement (services/lrs's AttachmentStore). */
export interface AttachmentWriter {
  put(sha2: string, contentType: string, bytes: PartBytes): Promise<unknown>;
}

/**
 * Who an attendee is: an official id (or an xAPI identifier such as `mailto:` or
 * `account:homePage|name`) → the official's xAPI agent, or null when nobody is known by it.
 * The officials registry of @lrs/training implements it; tests use a map.
 */
export interface OfficialDirectory {
  resolve(officialIdOrIdentifier: string): Agent | null | Promise<Agent | null>;
  /** Waits (bounded) until officials and courses recorded before now are known (read-your-writes). */
  catchUp?(): Promise<void>;
}

/** Whether an activity id is a known training activity (the catalog of @lrs/training). */
export interface Catalog {
  has(activityId: string): boolean | Promise<boolean>;
}
