// Access and portability (decision 070): everything the product holds about one person, each
// record with its source (which stream, event and log position; which credential, roster import or
// remote LRS wrote it; which read model answered). Every part is asked of the reader that owns it:
// the statements and documents indexes through `PrivacySources` (the composition root adapts
// services/lrs), the ledger and completion model through CompletionReader, the registry, roster
// imports and report snapshots through their streams in the log.
import type { EventLog, JsonValue, RecordedEvent } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import { payloadOf, statementStream } from '@lrs/events';
import { type CsvValue, csvWriter } from '@lrs/http';
import {
  buildTranscript,
  type CompletionReader,
  EXEMPTION_RECORDED,
  exemptionStream,
  OFFICIAL_RECORDED,
  type Official,
  officialCompletions,
  officialStream,
} from '@lrs/training';
import { type Agent, agentIfiKey } from '@lrs/xapi';
import { readAllOfType } from './events-of-type';

/** A statement the statements index holds in which the person is an agent. */
export interface StatementHolding {
  /** The statement as served (stored included). */
  statement: Record<string, unknown>;
  voided: boolean;
  /** The index's row number (stored order). */
  seq: number;
}

/** A State or Agent Profile document keyed by one of the person's identifiers. */
export interface AgentDocument {
  resource: string;
  activityId: string | null;
  registration: string | null;
  id: string;
  stream: string;
  updated: string;
  contentType: string;
  /** UTF-8 text for JSON and text content, else base64. */
  content: string;
  encoding: 'utf8' | 'base64';
}

/** What the privacy service reads from the xAPI read models (adapted by the composition root). */
export interface PrivacySources {
  /** Statements in which any of the IFI keys is an agent, voided ones included (related_agents). */
  statementsAbout(ifiKeys: readonly string[]): Promise<StatementHolding[]>;
  /** Agent-scoped documents (State, Agent Profile) of any of the IFI keys. */
  documentsOf(ifiKeys: readonly string[]): Promise<AgentDocument[]>;
}

/** The kinds of records an export holds; one CSV file per kind. */
export const EXPORT_KINDS = [
  'registry',
  'org-unit-history',
  'exemptions',
  'statements',
  'documents',
  'rosters',
  'transcript',
  'completion',
  'certificates',
  'snapshots',
] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** Where a record came from. */
export interface RecordSource {
  /** Read model that answered, when one did. */
  readModel?: string;
  /** Stream and event of the log, when the record is an event. */
  stream?: string;
  revision?: number;
  position?: string;
  event?: string;
  recorded?: string;
  /** Credential (or token subject) that wrote a statement. */
  credential?: string | null;
  /** How a statement arrived: `xapi` (posted), `roster:<session>`, or a remote LRS source. */
  via?: string;
}

export type ExportRecord = { source: RecordSource } & Record<string, JsonValue | RecordSource | undefined>;

export interface SubjectExport {
  subject: {
    kind: 'official' | 'identifier';
    officialId: string | null;
    name: string | null;
    /** IFI keys (xAPI Data 2.4.2.1) the person is known by. */
    identifiers: string[];
  };
  exportedAt: string;
  /** The log's head when the export was read. */
  logHead: string | null;
  records: Record<ExportKind, ExportRecord[]>;
}

export interface ExportDeps {
  log: EventLog;
  sources: PrivacySources;
  /** The completion read model (which holds the ledger) after catching up with the log. */
  completion: () => Promise<CompletionReader>;
}

/** The IFI keys of an official's registry identifiers. */
export function officialIfiKeys(official: Official): string[] {
  return official.identifiers.map((i) => agentIfiKey(i as Agent)).filter((k): k is string => !!k);
}

const sourceOf = (event: RecordedEvent): RecordSource => ({
  stream: event.stream,
  revision: event.revision,
  position: Position.toString(event.position),
  event: event.type,
  recorded: event.recorded.toISOString(),
});

async function readStreamOrEmpty(log: EventLog, stream: string): Promise<RecordedEvent[]> {
  try {
    return await log.readStream(stream);
  } catch (error) {
    if ((error as Error).name === 'StreamNotFoundError') return [];
    throw error;
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/** Which places of a statement name the person (xAPI Data 2.4: actor, object, context, authority). */
export function rolesIn(statement: Obj, keys: ReadonlySet<string>): string[] {
  const roles: string[] = [];
  const names = (agent: unknown): boolean => {
    if (!isObj(agent)) return false;
    const own = agentIfiKey(agent as Agent);
    if (own && keys.has(own)) return true;
    return asArray(agent.member).some((m) => isObj(m) && keys.has(agentIfiKey(m as Agent) ?? ''));
  };
  const body = (s: Obj, prefix: string) => {
    if (names(s.actor)) roles.push(`${prefix}actor`);
    const object = s.object;
    if (isObj(object)) {
      if ((object.objectType === 'Agent' || object.objectType === 'Group') && names(object))
        roles.push(`${prefix}object`);
      if (object.objectType === 'SubStatement') body(object, 'sub-statement ');
    }
    const context = s.context;
    if (isObj(context)) {
      if (names(context.instructor)) roles.push(`${prefix}instructor`);
      if (names(context.team)) roles.push(`${prefix}team`);
      for (const ca of asArray(context.contextAgents))
        if (isObj(ca) && names(ca.agent)) roles.push(`${prefix}context agent`);
      for (const cg of asArray(context.contextGroups))
        if (isObj(cg) && names(cg.group)) roles.push(`${prefix}context group`);
    }
  };
  body(statement, '');
  if (names(statement.authority)) roles.push('authority');
  // Communication 2.1.3: a statement referring to one about the person is found by their filter too.
  if (roles.length === 0) roles.push('refers to a statement about them');
  return [...new Set(roles)];
}

/**
 * Everything held about one person: an official of the registry (with every identifier it links)
 * or an xAPI identifier the registry does not know.
 */
export async function exportSubject(
  deps: ExportDeps,
  subject: { official: Official } | { ifiKey: string },
): Promise<SubjectExport> {
  const reader = await deps.completion();
  const head = await deps.log.headPosition();
  const official = 'official' in subject ? subject.official : null;
  const keys = 'official' in subject ? officialIfiKeys(subject.official) : [subject.ifiKey];
  const keySet = new Set(keys);
  const records = Object.fromEntries(EXPORT_KINDS.map((k) => [k, [] as ExportRecord[]])) as Record<
    ExportKind,
    ExportRecord[]
  >;

  if (official) {
    // The registry record and its history: every version recorded on the official's stream.
    // A sealed record lives under the official's pseudonym (decision 077), an older one under their
    // id; each is read opened (payloadOf), as every reader reads it.
    const streams = [officialStream(official.officialId)];
    if (official.subject) streams.push(officialStream(official.subject));
    for (const stream of streams)
      for (const event of await readStreamOrEmpty(deps.log, stream))
        records.registry.push({
          source: sourceOf(event),
          record: payloadOf(event, OFFICIAL_RECORDED) as unknown as JsonValue,
        });
    const units = new Map(reader.orgUnits().map((u) => [u.orgUnitId, u.name]));
    for (const spell of reader.orgUnitHistory(official.officialId))
      records['org-unit-history'].push({
        source: { readModel: 'completion (ledger org_history)' },
        from: spell.from,
        orgUnit: spell.orgUnit,
        orgUnitName: units.get(spell.orgUnit) ?? null,
      });
    // Exemptions (leave, secondment) as recorded: every version on each exemption's stream.
    for (const exemption of reader.exemptions(official.officialId))
      for (const event of await readStreamOrEmpty(deps.log, exemptionStream(exemption.exemptionId)))
        records.exemptions.push({
          source: sourceOf(event),
          record: payloadOf(event, EXEMPTION_RECORDED) as unknown as JsonValue,
        });
  }

  // Statements: the index answers which; each statement's own event says who wrote it and how.
  const rosterSessions = new Map<string, string[]>();
  for (const held of await deps.sources.statementsAbout(keys)) {
    const id = String(held.statement.id);
    const [event] = await readStreamOrEmpty(deps.log, statementStream(id));
    const data = (event?.data ?? {}) as { credential?: string; source?: string };
    const via = data.source ?? 'xapi';
    if (via.startsWith('roster:')) {
      const session = via.slice('roster:'.length);
      rosterSessions.set(session, [...(rosterSessions.get(session) ?? []), id]);
    }
    records.statements.push({
      source: {
        readModel: 'statements-index',
        ...(event ? sourceOf(event) : {}),
        credential: data.credential ?? null,
        via,
      },
      seq: held.seq,
      roles: rolesIn(held.statement, keySet),
      voided: held.voided,
      statement: held.statement as JsonValue,
    });
  }

  for (const doc of await deps.sources.documentsOf(keys))
    records.documents.push({
      source: { readModel: 'documents-index', stream: doc.stream },
      resource: doc.resource,
      activityId: doc.activityId,
      registration: doc.registration,
      documentId: doc.id,
      updated: doc.updated,
      contentType: doc.contentType,
      encoding: doc.encoding,
      content: doc.content,
    });

  // Roster imports that wrote statements about the person: the session's latest import.
  for (const [session, statementIds] of rosterSessions) {
    const events = await readStreamOrEmpty(deps.log, `connectors-roster-${session}`);
    const last = events[events.length - 1];
    const data = (last?.data ?? {}) as Obj;
    records.rosters.push({
      source: last ? sourceOf(last) : { stream: `connectors-roster-${session}` },
      session,
      activityId: (data.activityId as string | undefined) ?? null,
      offeringId: (data.offeringId as string | undefined) ?? null,
      importedBy: (data.importedBy as string | undefined) ?? null,
      statementIds,
    });
  }

  if (official) {
    const transcript = buildTranscript(reader, official, {});
    for (const entry of transcript.entries)
      records.transcript.push({
        source: { readModel: 'completion (ledger)' },
        ...(entry as unknown as Record<string, JsonValue>),
      });
    for (const row of reader.officialRows(official.officialId))
      records.completion.push({
        source: { readModel: 'completion' },
        ...(row as unknown as Record<string, JsonValue>),
      });
    // A certificate is not stored: the portal shows one for each completed period (portal.ts).
    for (const c of officialCompletions(reader, official, { atMs: Date.now() }).completions)
      if (c.status === 'completed')
        records.certificates.push({
          source: { readModel: 'completion (officialCompletions)' },
          policyId: c.policy.policyId,
          period: c.period,
          certificate: `/officials/${encodeURIComponent(official.officialId)}/certificate?policy=${encodeURIComponent(c.policy.policyId)}&period=${encodeURIComponent(c.period)}`,
        });
    for (const event of await readAllOfType(deps.log, 'audit.report-snapshot.recorded')) {
      const s = event.data as Obj;
      const rows = Array.isArray(s.rows) ? (s.rows as Obj[]) : [];
      // Rows name officials by pseudonym (decision 077), older snapshots by id.
      const row = rows.find((r) => r.officialId === official.officialId || r.officialId === official.subject);
      if (!row) continue;
      records.snapshots.push({
        source: sourceOf(event),
        snapshotId: String(s.snapshotId),
        kind: (s.kind as string | undefined) ?? 'completion-status',
        policyId: (s.policyId as string | undefined) ?? null,
        period: (s.period as string | undefined) ?? null,
        cutOff: s.cutOff as JsonValue,
        takenAt: (s.takenAt as string | undefined) ?? null,
        // The row names the official as recorded: by pseudonym since decision 078 (`recordedAs`).
        row: { ...row, officialId: official.officialId } as JsonValue,
        recordedAs: String(row.officialId),
      });
    }
  }
  return {
    subject: {
      kind: official ? 'official' : 'identifier',
      officialId: official?.officialId ?? null,
      name: official?.name ?? null,
      identifiers: keys,
    },
    exportedAt: new Date().toISOString(),
    logHead: head ? Position.toString(head) : null,
    records,
  };
}

const cell = (v: unknown): CsvValue =>
  v === undefined || v === null
    ? null
    : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
      ? v
      : JSON.stringify(v);

/** One kind of records as a CSV file: the source's columns first, then the record's fields. */
export function exportCsv(exported: SubjectExport, kind: ExportKind): string {
  const rows = exported.records[kind];
  const sourceColumns = new Set<string>();
  const columns = new Set<string>();
  for (const r of rows) {
    for (const k of Object.keys(r.source)) sourceColumns.add(k);
    for (const k of Object.keys(r)) if (k !== 'source') columns.add(k);
  }
  const header = [...[...sourceColumns].map((k) => `source_${k}`), ...columns];
  const who = exported.subject.officialId ?? exported.subject.identifiers.join(' ');
  return csvWriter({
    preamble: [
      `${kind} held about ${who}; exported ${exported.exportedAt} at log position ${exported.logHead ?? '-'}`,
    ],
    header,
    rows: rows.map((r) => [
      ...[...sourceColumns].map((k) => cell((r.source as unknown as Obj)[k])),
      ...[...columns].map((k) => cell(r[k])),
    ]),
  });
}
