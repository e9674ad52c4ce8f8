import type { EventLog, RecordedEvent } from '@lrs/event-log';
import { PRIVACY_EVENT_PREFIX, SUBJECT_ERASED, subjectErasedData } from '@lrs/events';
import { defineProjection, inlineProjectors, RunningReadModel, type StartProjector } from '@lrs/projections';
import type Database from 'better-sqlite3';
import { DOCUMENT_DELETED, DOCUMENT_EVENT_PREFIX, documentKeyOf } from './document-events';
import { type DocumentKey, type DocumentScope, scopeIndexKey } from './document-key';
import { supersededStream } from './document-seal';

/**
 * The documents index: one row per existing document, for what one stream cannot answer —
 * the ids of a scope (with `since`) and the documents a multi-document DELETE removes.
 * Single documents are read from their stream (the source of truth).
 */
export const documentsIndexProjection = defineProjection({
  name: 'documents-index',
  // 2: agents' documents by pseudonym, forgotten on erasure (decision 079).
  version: 2,
  migrations: [
    `CREATE TABLE documents (
       stream TEXT PRIMARY KEY,
       scope TEXT NOT NULL,
       registration TEXT,
       doc_id TEXT NOT NULL,
       updated_ms INTEGER NOT NULL
     ) WITHOUT ROWID`,
    'CREATE INDEX documents_scope ON documents (scope, updated_ms)',
    "CREATE INDEX documents_agent ON documents (json_extract(scope, '$[2]'))",
  ],
  tables: [{ name: 'documents', key: ['stream'] }],
  filter: { typePrefixes: [DOCUMENT_EVENT_PREFIX, PRIVACY_EVENT_PREFIX] },
  init: (db) => {
    const upsert = db.prepare(
      `INSERT INTO documents (stream, scope, registration, doc_id, updated_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (stream) DO UPDATE SET updated_ms = excluded.updated_ms`,
    );
    const remove = db.prepare('DELETE FROM documents WHERE stream = ?');
    const forget = db.prepare("DELETE FROM documents WHERE json_extract(scope, '$[2]') = ?");
    return (events: RecordedEvent[]) => {
      for (const event of events) {
        if (event.type === SUBJECT_ERASED) {
          // Decision 079: a sealed document's scope names the agent's pseudonym.
          for (const p of subjectErasedData(event).pseudonyms) forget.run(p);
          continue;
        }
        if (!event.type.startsWith(DOCUMENT_EVENT_PREFIX)) continue;
        // A sealed stream took the place of a document's older, unsealed one.
        const superseded = supersededStream(event.metadata);
        if (superseded !== undefined) remove.run(superseded);
        if (event.type === DOCUMENT_DELETED) {
          remove.run(event.stream);
          continue;
        }
        const key = documentKeyOf(event);
        upsert.run(
          event.stream,
          scopeIndexKey(key),
          key.registration ?? null,
          key.id,
          event.recorded.getTime(),
        );
      }
    };
  },
});

export interface DocumentIds {
  ids: string[];
  /** Most recent update among the listed documents (Communication 2.2 "Last Modified"). */
  lastModifiedMs: number | null;
}

/** Queries of the documents index. */
export class DocumentsIndexReader {
  private readonly list: Database.Statement;
  private readonly listRegistration: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.list = db.prepare(
      'SELECT doc_id, registration, updated_ms FROM documents WHERE scope = ? AND updated_ms > ? ORDER BY updated_ms, doc_id',
    );
    this.listRegistration = db.prepare(
      'SELECT doc_id, registration, updated_ms FROM documents WHERE scope = ? AND updated_ms > ? AND registration = ? ORDER BY updated_ms, doc_id',
    );
  }

  /**
   * The documents of a scope. Without a registration, State lists every registration's
   * documents for the Activity and Agent (Communication 2.3: registration narrows, when given).
   */
  documents(
    scopes: DocumentScope | readonly DocumentScope[],
    sinceMs?: number,
  ): { key: DocumentKey; updatedMs: number }[] {
    if (Array.isArray(scopes))
      return scopes
        .flatMap((scope) => this.documents(scope, sinceMs))
        .sort(
          (a, b) => a.updatedMs - b.updatedMs || (a.key.id < b.key.id ? -1 : a.key.id > b.key.id ? 1 : 0),
        );
    const scope = scopes as DocumentScope;
    const args = [scopeIndexKey(scope), sinceMs ?? -1];
    const rows = (
      scope.registration === undefined
        ? this.list.all(...args)
        : this.listRegistration.all(...args, scope.registration)
    ) as { doc_id: string; registration: string | null; updated_ms: number }[];
    return rows.map((r) => ({
      key: {
        ...scope,
        ...(r.registration === null ? {} : { registration: r.registration }),
        id: r.doc_id,
      },
      updatedMs: r.updated_ms,
    }));
  }

  /**
   * Every State and Agent Profile document keyed by one agent (its IFI key, agentIfiKey, or for
   * sealed documents its pseudonym: decision 079), with the stream that holds it: what the LRS holds about a person (services/privacy, decision 070).
   */
  documentsOfAgent(agent: string): { key: DocumentKey; stream: string; updatedMs: number }[] {
    const rows = this.db
      .prepare<
        [string],
        { stream: string; scope: string; registration: string | null; doc_id: string; updated_ms: number }
      >(
        "SELECT stream, scope, registration, doc_id, updated_ms FROM documents WHERE json_extract(scope, '$[2]') = ? ORDER BY stream",
      )
      .all(agent);
    return rows.map((r) => {
      const [resource, activityId] = JSON.parse(r.scope) as [DocumentKey['resource'], string | null];
      return {
        key: {
          resource,
          ...(activityId === null ? {} : { activityId }),
          agent,
          ...(r.registration === null ? {} : { registration: r.registration }),
          id: r.doc_id,
        },
        stream: r.stream,
        updatedMs: r.updated_ms,
      };
    });
  }

  ids(scopes: DocumentScope | readonly DocumentScope[], sinceMs?: number): DocumentIds {
    const docs = this.documents(scopes, sinceMs);
    // Several registrations may share a stateId; the list names each id once.
    const ids = [...new Set(docs.map((d) => d.key.id))];
    const lastModifiedMs = docs.reduce<number | null>(
      (max, d) => (max === null || d.updatedMs > max ? d.updatedMs : max),
      null,
    );
    return { ids, lastModifiedMs };
  }
}

/** The running documents index, with read-your-writes for list queries. */
/**
 * The running documents index. Its routes ask for `current()`: an id list or a multi-document
 * DELETE then sees every write acknowledged before the request.
 */
export class DocumentsIndex extends RunningReadModel<DocumentsIndexReader> {
  static async start(
    log: EventLog,
    dataDir: string,
    startProjector: StartProjector = inlineProjectors(log),
  ): Promise<DocumentsIndex> {
    const running = await startProjector(documentsIndexProjection, { dataDir });
    return new DocumentsIndex(running, log, (db) => new DocumentsIndexReader(db));
  }
}
