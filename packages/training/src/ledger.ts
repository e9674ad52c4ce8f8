// The learning ledger: the part of the log both projector services need, kept in their own
// read model (registry, org tree, exemptions, catalog, policies, and one fact per statement
// about an activity). Each service owns its copy so each can run and scale alone.
import type { JsonObject, RecordedEvent } from '@lrs/event-log';
import {
  payloadOf,
  STATEMENT_EVENT,
  type StatementSubject,
  SUBJECT_ERASED,
  statementEventData,
  storedStatementOf,
  subjectErasedData,
  VOIDED_VERB,
} from '@lrs/events';
import { ERASED_HOME_PAGE, erasedIfi } from '@lrs/privacy';
import { InsertOnce } from '@lrs/projections';
import { type Agent, agentIfiKey, parseIsoDuration, type Statement, timestampMillis } from '@lrs/xapi';
import type Database from 'better-sqlite3';
import { type LearningFact, VERB } from './learning';
import type { Policy } from './policy-types';
import {
  CATALOG_ENTRY_RECORDED,
  type CatalogEntry,
  EXEMPTION_RECORDED,
  type Exemption,
  identifierKey,
  OFFICIAL_RECORDED,
  type Official,
  ORG_UNIT_RECORDED,
  POLICY_PUBLISHED,
} from './reference-data';

type Db = Database.Database;

/** The statements that are attendances of a programme (decision 050). */
export const ATTENDANCE_VERBS: readonly string[] = [VERB.attended, VERB.completed, VERB.passed];
/**
 * A fact's `attendance` column (decision 056): 1 for an attended statement, 2 for a completed or
 * passed one, NULL for every other verb. A small integer, so the statistics' index stays narrow and
 * its grouping compares no verb IRI.
 */
const ATTENDED = 1;
const attendanceKind = (verb: string): number | null =>
  verb === VERB.attended ? ATTENDED : ATTENDANCE_VERBS.includes(verb) ? 2 : null;
/**
 * The facts programme statistics count, as the fact_attendance index's condition: the queries repeat
 * it word for word, which is how SQLite knows the partial index holds them all.
 */
const ATTENDANCE_WHERE = 'voided IS NULL AND official_id IS NOT NULL AND attendance IS NOT NULL';

/**
 * The fact table's indexes, in the order loading creates them. One serves an official's facts, one
 * registration's and one entry's (completion tallies); one finds a fact by statement (voids); one
 * finds unmatched facts by identifier (matched ones are found through their official).
 */
const FACT_INDEXES = [
  { name: 'fact_statement', sql: 'CREATE UNIQUE INDEX fact_statement ON fact (statement_id)' },
  {
    name: 'fact_official',
    sql: 'CREATE INDEX fact_official ON fact (official_id, registration, activity_id)',
  },
  { name: 'fact_unmatched', sql: 'CREATE INDEX fact_unmatched ON fact (ifi) WHERE official_id IS NULL' },
  // Programme statistics (decision 056): the live attendances of known officials in the order the
  // report groups them (official, programme, registration), with what it counts, so a report is
  // one pass over this narrow index (no table row read, no JSON parsed, no sort). The programme is
  // its activity number and the verb its attendance kind: integers, not IRIs.
  {
    name: 'fact_attendance',
    sql: `CREATE INDEX fact_attendance ON fact (official_id, activity_no, registration, t_ms, attendance, voided) WHERE ${ATTENDANCE_WHERE}`,
  },
];

export const LEDGER_MIGRATIONS: readonly string[] = [
  'CREATE TABLE official (official_id TEXT PRIMARY KEY, org_unit TEXT NOT NULL, staff_group TEXT NOT NULL, jurisdiction TEXT NOT NULL, record TEXT NOT NULL)',
  'CREATE INDEX official_org_unit ON official (org_unit)',
  'CREATE TABLE identifier (ifi TEXT PRIMARY KEY, official_id TEXT NOT NULL)',
  'CREATE INDEX identifier_official ON identifier (official_id)',
  'CREATE TABLE org_unit (org_unit_id TEXT PRIMARY KEY, name TEXT NOT NULL, parent TEXT)',
  'CREATE TABLE exemption (exemption_id TEXT PRIMARY KEY, official_id TEXT NOT NULL, record TEXT NOT NULL)',
  'CREATE INDEX exemption_official ON exemption (official_id)',
  'CREATE TABLE catalog (activity_id TEXT PRIMARY KEY, revision INTEGER NOT NULL, record TEXT NOT NULL)',
  'CREATE TABLE policy (policy_id TEXT NOT NULL, version INTEGER NOT NULL, record TEXT NOT NULL, PRIMARY KEY (policy_id, version))',
  // Stored in log order (seq), so inserts append and a fingerprint reads the table in one pass; every
  // index on it is a random-key insert per statement, the cost of a rebuild (decision 005), so a
  // rebuild loads it without them (FACT_INDEXES, decision 019).
  // For the programme statistics' index (decision 056): activity_no (the activity table's number of
  // activity_id), attendance (the verb's attendance kind, attendanceKind) and t_ms (the record's
  // timestampMs, learning time in epoch ms).
  'CREATE TABLE fact (seq INTEGER NOT NULL, statement_id TEXT NOT NULL, ifi TEXT NOT NULL, subject TEXT, official_id TEXT, activity_id TEXT NOT NULL, activity_no INTEGER NOT NULL, registration TEXT NOT NULL, attendance INTEGER, t_ms INTEGER NOT NULL, record TEXT NOT NULL, voided TEXT, PRIMARY KEY (seq, statement_id)) WITHOUT ROWID',
  // Every activity a fact is about, numbered in the order the log first names it (the same in a
  // rebuild and live; decision 056).
  'CREATE TABLE activity (activity_no INTEGER PRIMARY KEY, activity_id TEXT NOT NULL UNIQUE)',
  ...FACT_INDEXES.map((index) => index.sql),
  // Dated org-unit history: a transcript entry shows the unit in effect at its learning time.
  'CREATE TABLE org_history (official_id TEXT NOT NULL, effective_from TEXT NOT NULL, org_unit TEXT NOT NULL, PRIMARY KEY (official_id, effective_from)) WITHOUT ROWID',
  // Dated staff-group history, the same shape (decision 057): statistics count an attendance in
  // the group the official was in on its date.
  'CREATE TABLE staff_group_history (official_id TEXT NOT NULL, effective_from TEXT NOT NULL, staff_group TEXT NOT NULL, PRIMARY KEY (official_id, effective_from)) WITHOUT ROWID',
  // xAPI Data 2.3.2: a voiding statement can arrive before its target; the void waits here.
  'CREATE TABLE pending_void (target_id TEXT PRIMARY KEY, voided TEXT NOT NULL)',
  // Identifiers linked or unlinked while the fact table was loading: their facts are re-attributed
  // once, when loading ends (decision 019).
  'CREATE TABLE relinked_identifier (ifi TEXT PRIMARY KEY) WITHOUT ROWID',
  // Whose identifiers the facts hold, by pseudonym: what an erasure purges (decision 065).
  'CREATE TABLE subject_ifi (pseudonym TEXT NOT NULL, ifi TEXT NOT NULL, PRIMARY KEY (pseudonym, ifi)) WITHOUT ROWID',
  // Each official's pseudonym, from their sealed registry record (decision 077): what an erasure
  // renames them to, what a fingerprint hashes for their id, and how a snapshot row (keyed by the
  // pseudonym) finds them. An erased official's row is (pseudonym, pseudonym), as a rebuild reads it.
  'CREATE TABLE official_subject (official_id TEXT PRIMARY KEY, subject TEXT NOT NULL) WITHOUT ROWID',
  'CREATE INDEX official_subject_subject ON official_subject (subject)',
];

/**
 * An official id column hashed as the official's pseudonym (decision 077), so a fingerprint taken
 * before an official's erasure equals the one after it; an official recorded before sealing (no
 * pseudonym) hashes as their id.
 */
const bySubject = (column: string) =>
  `coalesce((SELECT s.subject FROM official_subject s WHERE s.official_id = t.${column}), t.${column})`;
export const LEDGER_OFFICIAL_ID_HASHED = { official_id: bySubject('official_id') };

/**
 * The ledger's fingerprint as if every official were read by id, as it was before the registry was
 * sealed: the migration of a plaintext log compares the completion model before and after with it
 * (decision 080). The pseudonyms themselves (a record's `subject`, `identifierSubjects`) are left
 * out of the hashed records, so this is the only difference.
 */
export function hashOfficialsById(db: Database.Database): void {
  db.exec('DELETE FROM official_subject');
}
const OFFICIAL_ID_HASHED = LEDGER_OFFICIAL_ID_HASHED;

/**
 * Page cache of a ledger's write connection, in KiB. It counts in the process's RSS, which the
 * audit replay must keep ≤ 512 MB whatever the log size: at 200k statements a 256 MiB cache
 * peaked at 594 MB and 64 MiB at 435 MB, replaying 8.6k vs 8.0k events/s. Pages beyond it are
 * re-read from the OS file cache (a copy, not disk I/O).
 */
export const LEDGER_CACHE_KIB = 64 * 1024;

export const LEDGER_TABLES = [
  // Personal values of the registry are left out of the fingerprint, and official ids hashed as
  // pseudonyms (decision 077): what an erasure changes must not change a fingerprint.
  {
    name: 'official',
    key: ['official_id'],
    hashedAs: {
      ...OFFICIAL_ID_HASHED,
      record:
        "json_remove(t.record, '$.officialId', '$.name', '$.identifiers', '$.subject', '$.identifierSubjects')",
    },
  },
  // The identifier itself is personal (an erasure replaces it by the erased agent's): hashed as a
  // constant, so only whose identifiers they are counts.
  { name: 'identifier', key: ['ifi'], hashedAs: { ifi: "''", ...OFFICIAL_ID_HASHED } },
  { name: 'org_unit', key: ['org_unit_id'] },
  {
    name: 'exemption',
    key: ['exemption_id'],
    hashedAs: {
      ...OFFICIAL_ID_HASHED,
      record: "json_remove(t.record, '$.officialId', '$.reason', '$.subject')",
    },
  },
  { name: 'catalog', key: ['activity_id'] },
  { name: 'policy', key: ['policy_id', 'version'] },
  // seq is the statement event's log position: it orders facts, but is not hashed (positions of
  // the same events differ between the SQLite and EventStoreDB logs).
  // The actor's identifier is not hashed either, its pseudonym (`subject`) is: a fact reads with the
  // erased agent once its person is erased, and a snapshot taken before must still verify
  // (decision 065).
  { name: 'fact', key: ['seq', 'statement_id'], positional: ['seq', 'ifi'], hashedAs: OFFICIAL_ID_HASHED },
  { name: 'pending_void', key: ['target_id'] },
  // subject_ifi is bookkeeping for erasures, not part of the fingerprint: a snapshot's
  // fingerprint must not depend on who is in it (decision 065).
  { name: 'org_history', key: ['official_id', 'effective_from'], hashedAs: OFFICIAL_ID_HASHED },
  { name: 'staff_group_history', key: ['official_id', 'effective_from'], hashedAs: OFFICIAL_ID_HASHED },
  { name: 'activity', key: ['activity_no'] },
];

/** Which officials' derived views a batch may have changed; `everyone` after catalog/policy/tree changes. */
export interface LedgerChanges {
  officials: Set<string>;
  everyone: boolean;
  /** Of `officials`, those whose registry record, identifiers or exemptions changed. */
  registry: Set<string>;
  /** Per official, the entries (entryKey) a statement or a void changed. */
  entries: Map<string, Set<string>>;
  /** The fact records this batch inserted, by statement id, so readers need not parse them back. */
  records: Map<string, FactRecord>;
  /** Statements this batch voided that were live before it. */
  voided: Set<string>;
}

/** Changes of nothing: what a batch starts from, and what a recount of pending officials passes. */
export const noLedgerChanges = (): LedgerChanges => ({
  officials: new Set(),
  everyone: false,
  registry: new Set(),
  entries: new Map(),
  records: new Map(),
  voided: new Set(),
});

/** The key of a transcript entry: activity × registration. */
export const entryKey = (activityId: string, registration: string): string =>
  `${activityId}\u0000${registration}`;

export type FactRecord = Omit<LearningFact, 'officialId' | 'voided' | 'seq'>;

/** The ledger's writer on one read-model connection (a projection's handler uses it). */
export interface Ledger {
  /**
   * Applies a batch. `catchingUp` batches of a ledger whose fact table was empty when catching up
   * began are loaded without the fact indexes (decision 019): facts are appended in log order,
   * voids and identifier links are kept aside, and `settle` finishes the load.
   */
  apply(events: RecordedEvent[], catchingUp: boolean): LedgerChanges;
  /** Ends a load (indexes built, voids and links applied); true when there was one to end. */
  settle(): boolean;
}

/** The ledger of one read-model connection. */
export function openLedger(db: Db): Ledger {
  // Written per statement, new only with a new person: skipped once seen committed (decision 083).
  const subjectRows = new InsertOnce(db, 'subject_ifi', ['pseudonym', 'ifi']);
  // The fact table's random-key indexes outgrow SQLite's default 2 MiB page cache after ~100k
  // statements; past that every insert reads index pages back from disk (decision 005).
  db.pragma(`cache_size = -${LEDGER_CACHE_KIB}`);
  const q = {
    officialOfIfi: db.prepare<[string], { official_id: string }>(
      'SELECT official_id FROM identifier WHERE ifi = ?',
    ),
    insertFact: db.prepare(
      'INSERT OR IGNORE INTO fact (statement_id, ifi, subject, official_id, seq, activity_id, activity_no, registration, attendance, t_ms, record, voided) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    // The activity's number, given on first sight (the no-op update makes RETURNING answer both ways).
    activityNo: db.prepare<[string], { activity_no: number }>(
      'INSERT INTO activity (activity_id) VALUES (?) ON CONFLICT (activity_id) DO UPDATE SET activity_id = excluded.activity_id RETURNING activity_no',
    ),
    factOfficial: db.prepare<
      [string],
      { official_id: string | null; voided: string | null; activity_id: string; registration: string }
    >('SELECT official_id, voided, activity_id, registration FROM fact WHERE statement_id = ?'),
    voidFact: db.prepare('UPDATE fact SET voided = ? WHERE statement_id = ? AND voided IS NULL'),
    takePending: db.prepare<[string], { voided: string }>(
      'DELETE FROM pending_void WHERE target_id = ? RETURNING voided',
    ),
    anyPending: db.prepare<[], { n: number }>('SELECT EXISTS (SELECT 1 FROM pending_void) AS n'),
    addPending: db.prepare('INSERT OR IGNORE INTO pending_void (target_id, voided) VALUES (?, ?)'),
    upsertOfficial: db.prepare(
      'INSERT INTO official (official_id, org_unit, staff_group, jurisdiction, record) VALUES (?, ?, ?, ?, ?) ON CONFLICT (official_id) DO UPDATE SET org_unit = excluded.org_unit, staff_group = excluded.staff_group, jurisdiction = excluded.jurisdiction, record = excluded.record',
    ),
    identifiersOf: db.prepare<[string], { ifi: string }>('SELECT ifi FROM identifier WHERE official_id = ?'),
    dropIdentifier: db.prepare('DELETE FROM identifier WHERE ifi = ?'),
    linkIdentifier: db.prepare<[string, string], { official_id: string } | undefined>(
      'INSERT INTO identifier (ifi, official_id) VALUES (?, ?) ON CONFLICT (ifi) DO UPDATE SET official_id = excluded.official_id',
    ),
    attributeUnmatched: db.prepare('UPDATE fact SET official_id = ? WHERE official_id IS NULL AND ifi = ?'),
    reattribute: db.prepare('UPDATE fact SET official_id = ? WHERE official_id = ? AND ifi = ?'),
    upsertOrgUnit: db.prepare(
      'INSERT INTO org_unit (org_unit_id, name, parent) VALUES (?, ?, ?) ON CONFLICT (org_unit_id) DO UPDATE SET name = excluded.name, parent = excluded.parent',
    ),
    exemptionOfficial: db.prepare<[string], { official_id: string }>(
      'SELECT official_id FROM exemption WHERE exemption_id = ?',
    ),
    upsertExemption: db.prepare(
      'INSERT INTO exemption (exemption_id, official_id, record) VALUES (?, ?, ?) ON CONFLICT (exemption_id) DO UPDATE SET official_id = excluded.official_id, record = excluded.record',
    ),
    upsertCatalog: db.prepare(
      'INSERT INTO catalog (activity_id, revision, record) VALUES (?, ?, ?) ON CONFLICT (activity_id) DO UPDATE SET revision = excluded.revision, record = excluded.record',
    ),
    recordOrgUnit: db.prepare(
      'INSERT INTO org_history (official_id, effective_from, org_unit) VALUES (?, ?, ?) ON CONFLICT (official_id, effective_from) DO UPDATE SET org_unit = excluded.org_unit',
    ),
    recordStaffGroup: db.prepare(
      'INSERT INTO staff_group_history (official_id, effective_from, staff_group) VALUES (?, ?, ?) ON CONFLICT (official_id, effective_from) DO UPDATE SET staff_group = excluded.staff_group',
    ),
    insertPolicy: db.prepare('INSERT OR IGNORE INTO policy (policy_id, version, record) VALUES (?, ?, ?)'),
    subjectIfis: db.prepare('SELECT ifi FROM subject_ifi WHERE pseudonym = ?').pluck(),
    dropSubject: db.prepare('DELETE FROM subject_ifi WHERE pseudonym = ?'),
    dropUnmatchedFacts: db.prepare('DELETE FROM fact WHERE ifi = ? AND official_id IS NULL'),
    // Through the official's index: an unindexed `WHERE ifi = ?` would scan every fact.
    pseudonymiseFacts: db.prepare(
      'UPDATE fact SET ifi = @erased WHERE official_id = (SELECT official_id FROM identifier WHERE ifi = @ifi) AND ifi = @ifi',
    ),
    // An erased official (decision 077): every row keyed by their id moves to their pseudonym.
    officialRecord: db.prepare('SELECT record FROM official WHERE official_id = ?').pluck(),
    recordSubject: db.prepare(
      'INSERT INTO official_subject (official_id, subject) VALUES (?, ?) ON CONFLICT (official_id) DO UPDATE SET subject = excluded.subject',
    ),
    officialOfSubject: db
      .prepare('SELECT official_id FROM official_subject WHERE subject = ? AND official_id <> subject')
      .pluck(),
    dropOfficialSubject: db.prepare('DELETE FROM official_subject WHERE official_id = ?'),
    renameOfficial: db.prepare('UPDATE official SET official_id = ?, record = ? WHERE official_id = ?'),
    dropIdentifiersOf: db.prepare('DELETE FROM identifier WHERE official_id = ?'),
    renameFacts: db.prepare('UPDATE fact SET official_id = ? WHERE official_id = ?'),
    // A waived statement's reason is the actor's sealed free text: erased, it reads as absent.
    dropFactReasons: db.prepare(
      "UPDATE fact SET record = json_set(record, '$.reason', NULL) WHERE official_id = ? AND json_extract(record, '$.reason') IS NOT NULL",
    ),
    exemptionsOf: db.prepare<[string], { exemption_id: string; record: string }>(
      'SELECT exemption_id, record FROM exemption WHERE official_id = ?',
    ),
    renameExemption: db.prepare('UPDATE exemption SET official_id = ?, record = ? WHERE exemption_id = ?'),
    renameOrgHistory: db.prepare('UPDATE org_history SET official_id = ? WHERE official_id = ?'),
    renameStaffGroupHistory: db.prepare(
      'UPDATE staff_group_history SET official_id = ? WHERE official_id = ?',
    ),
    anyFact: db.prepare('SELECT 1 FROM fact LIMIT 1').pluck(),
    relinked: db.prepare('INSERT OR IGNORE INTO relinked_identifier (ifi) VALUES (?)'),
  };
  const hasIndex = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?").pluck();
  // Loading: the fact indexes are absent. Kept in the model itself (schema), so a rebuild
  // interrupted by a crash resumes loading, and nothing reads a half-loaded ledger as complete.
  let loading = FACT_INDEXES.some((index) => !hasIndex.get(index.name));

  /** The fact table is empty: drop its indexes and append facts without them until settle. */
  const startLoading = () => {
    for (const index of FACT_INDEXES) db.exec(`DROP INDEX IF EXISTS ${index.name}`);
    loading = true;
  };

  /**
   * Ends a load: facts of identifiers linked or unlinked meanwhile take their identifier's
   * official (the invariant a live link keeps: a fact's official is its identifier's), the
   * indexes are built (sorting the table once instead of a random insert per fact), and the voids
   * kept aside reach their targets (the first void of a target in log order, as live).
   */
  const finishLoading = () => {
    db.exec(`UPDATE fact SET official_id = (SELECT i.official_id FROM identifier i WHERE i.ifi = fact.ifi)
             WHERE ifi IN (SELECT ifi FROM relinked_identifier)`);
    db.exec('DELETE FROM relinked_identifier');
    // SQLite's sorter may use a helper thread to build an index: ~25% faster on 1M facts.
    db.pragma('threads = 2');
    const [byStatement, ...others] = FACT_INDEXES;
    try {
      db.exec(byStatement!.sql);
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
      // A statement id twice in the log (the log's stream per statement makes this impossible):
      // keep its first fact, as a live INSERT OR IGNORE would have.
      db.exec(
        'DELETE FROM fact WHERE (seq, statement_id) NOT IN (SELECT min(seq), statement_id FROM fact GROUP BY statement_id)',
      );
      db.exec(byStatement!.sql);
    }
    db.exec(`UPDATE fact SET voided = (SELECT p.voided FROM pending_void p WHERE p.target_id = fact.statement_id)
             WHERE statement_id IN (SELECT target_id FROM pending_void)`);
    db.exec('DELETE FROM pending_void WHERE target_id IN (SELECT statement_id FROM fact)');
    for (const index of others) db.exec(index.sql);
    loading = false;
  };

  const apply = (events: RecordedEvent[], catchingUp: boolean): LedgerChanges => {
    if (catchingUp && !loading && !q.anyFact.get()) startLoading();
    // A live batch never meets a load: the runtime settles before it turns live.
    if (!catchingUp && loading) finishLoading();
    const changes = noLedgerChanges();
    subjectRows.batch();
    // Per batch: a void waiting for its target is rare, and most statements come from known
    // identifiers; both lookups are skipped or cached for the batch (the registry events below
    // clear the cache, so it never outlives a change).
    let pendingVoids = q.anyPending.get()!.n === 1;
    const ifiCache = new Map<string, string | null>();
    const officialOfIfi = (ifi: string): string | null => {
      let official = ifiCache.get(ifi);
      if (official === undefined) {
        official = q.officialOfIfi.get(ifi)?.official_id ?? null;
        ifiCache.set(ifi, official);
      }
      return official;
    };
    // Per batch too: a rolled-back batch takes its new activity numbers with it.
    const activityNos = new Map<string, number>();
    const activityNo = (activityId: string): number => {
      let no = activityNos.get(activityId);
      if (no === undefined) {
        no = q.activityNo.get(activityId)!.activity_no;
        activityNos.set(activityId, no);
      }
      return no;
    };
    const touchEntry = (officialId: string, activityId: string, registration: string) => {
      changes.officials.add(officialId);
      const set = changes.entries.get(officialId);
      if (set) set.add(entryKey(activityId, registration));
      else changes.entries.set(officialId, new Set([entryKey(activityId, registration)]));
    };
    for (const event of events) {
      switch (event.type) {
        case STATEMENT_EVENT:
          applyStatement(event);
          break;
        case SUBJECT_ERASED: {
          // Decision 065: facts of an identifier outside the registry go; an official's facts
          // stay (their hours count in totals) under the erased agent's identifier, as a rebuild
          // reads them. Then (decision 077) an erased official's rows move to their pseudonym.
          const pseudonyms = subjectErasedData(event).pseudonyms;
          for (const p of pseudonyms)
            for (const ifi of q.subjectIfis.all(p) as string[]) {
              q.dropUnmatchedFacts.run(ifi);
              q.pseudonymiseFacts.run({ erased: erasedIfi(p), ifi });
            }
          for (const p of pseudonyms) {
            const officialId = q.officialOfSubject.get(p) as string | undefined;
            if (officialId !== undefined) eraseOfficial(officialId, p, changes);
          }
          for (const p of pseudonyms) q.dropSubject.run(p);
          subjectRows.forget();
          ifiCache.clear();
          break;
        }
        case OFFICIAL_RECORDED: {
          const official = payloadOf(event, OFFICIAL_RECORDED);
          ifiCache.clear();
          applyOfficial(official, changes);
          break;
        }
        case ORG_UNIT_RECORDED: {
          const unit = payloadOf(event, ORG_UNIT_RECORDED);
          q.upsertOrgUnit.run(unit.orgUnitId, unit.name, unit.parent);
          changes.everyone = true;
          break;
        }
        case EXEMPTION_RECORDED: {
          const exemption = payloadOf(event, EXEMPTION_RECORDED);
          const before = q.exemptionOfficial.get(exemption.exemptionId);
          if (before) {
            changes.officials.add(before.official_id);
            changes.registry.add(before.official_id);
          }
          q.upsertExemption.run(exemption.exemptionId, exemption.officialId, JSON.stringify(exemption));
          if (exemption.subject !== undefined) q.recordSubject.run(exemption.officialId, exemption.subject);
          changes.officials.add(exemption.officialId);
          changes.registry.add(exemption.officialId);
          break;
        }
        case CATALOG_ENTRY_RECORDED: {
          const entry = payloadOf(event, CATALOG_ENTRY_RECORDED);
          q.upsertCatalog.run(entry.activityId, event.revision, JSON.stringify(entry));
          changes.everyone = true;
          break;
        }
        case POLICY_PUBLISHED: {
          const { policy } = payloadOf(event, POLICY_PUBLISHED);
          q.insertPolicy.run(policy.policyId, policy.version, JSON.stringify(policy));
          changes.everyone = true;
          break;
        }
      }
    }
    return changes;

    function applyStatement(event: RecordedEvent): void {
      const statement = storedStatementOf(event);
      const stored = statement.stored ?? event.recorded.toISOString();
      if (statement.verb.id === VOIDED_VERB) {
        const target = (statement.object as { id?: string }).id;
        if (!target) return;
        const voiding = statementEventData(event);
        const voided = JSON.stringify({
          by: statement.id,
          at: stored,
          who: authorityName(statement, voiding.migrated === 1 ? [] : voiding.subjects),
        });
        if (loading) {
          // Its target, if loaded, is reached when loading ends (finishLoading).
          q.addPending.run(target, voided);
          return;
        }
        const fact = q.factOfficial.get(target);
        if (fact) {
          q.voidFact.run(voided, target);
          if (fact.voided === null) changes.voided.add(target);
          if (fact.official_id) touchEntry(fact.official_id, fact.activity_id, fact.registration);
        } else {
          q.addPending.run(target, voided);
          pendingVoids = true;
        }
        return;
      }
      const object = statement.object as { objectType?: string; id?: string; definition?: JsonObject };
      if (object.objectType !== undefined && object.objectType !== 'Activity') return;
      if (!object.id) return;
      const ifi = agentIfiKey(statement.actor as Agent);
      if (ifi === undefined) return;
      const official = officialOfIfi(ifi);
      const id = statement.id ?? event.id;
      const data = statementEventData(event);
      const pseudonym = data.subjects.find((s) => s.ifi === ifi)?.pseudonym ?? null;
      if (pseudonym !== null) subjectRows.run(pseudonym, ifi);
      // A statement sealed by the migration (decision 080) keeps the fact it had in plaintext, with
      // no pseudonym: the fingerprint of a snapshot taken before the migration stays the same.
      const subject = data.migrated === 1 ? null : pseudonym;
      const record: FactRecord = factRecord(
        statement,
        object.id,
        object.definition,
        event,
        stored,
        // A migrated statement keeps its plaintext fact (decision 080, point 6).
        data.migrated === 1 ? [] : data.subjects,
      );
      const pending = pendingVoids && !loading ? q.takePending.get(id) : undefined;
      q.insertFact.run(
        id,
        ifi,
        subject,
        official,
        Number(event.position.commit),
        record.activityId,
        activityNo(record.activityId),
        record.registration,
        attendanceKind(record.verb),
        record.timestampMs,
        JSON.stringify(record),
        pending?.voided ?? null,
      );
      changes.records.set(id, record);
      if (official) touchEntry(official, record.activityId, record.registration);
    }

    /**
     * Live, what a rebuild after the erasure reads (the sealed record's erased reading, decision
     * 077): officialId and name are the pseudonym, identifiers the erased agents, exemptions'
     * reasons empty; the official's facts, histories and exemptions keep their figures under it.
     */
    function eraseOfficial(officialId: string, pseudonym: string, ch: LedgerChanges): void {
      const text = q.officialRecord.get(officialId) as string | undefined;
      // An official known only from an exemption has no registry row.
      if (text !== undefined) {
        const record = JSON.parse(text) as Official;
        const identifierSubjects = record.identifierSubjects ?? [];
        // Keys already in the record keep their place, so the JSON equals the rebuilt one.
        record.officialId = pseudonym;
        record.name = pseudonym;
        record.identifiers = identifierSubjects.map((s) => ({
          account: { homePage: ERASED_HOME_PAGE, name: s },
        }));
        q.renameOfficial.run(pseudonym, JSON.stringify(record), officialId);
        q.dropIdentifiersOf.run(officialId);
        for (const s of identifierSubjects) q.linkIdentifier.run(erasedIfi(s), pseudonym);
      }
      q.dropOfficialSubject.run(officialId);
      q.recordSubject.run(pseudonym, pseudonym);
      q.renameFacts.run(pseudonym, officialId);
      q.dropFactReasons.run(pseudonym);
      for (const row of q.exemptionsOf.all(officialId)) {
        const exemption = JSON.parse(row.record) as Exemption;
        exemption.officialId = pseudonym;
        exemption.reason = '';
        q.renameExemption.run(pseudonym, JSON.stringify(exemption), row.exemption_id);
      }
      q.renameOrgHistory.run(pseudonym, officialId);
      q.renameStaffGroupHistory.run(pseudonym, officialId);
      for (const id of [officialId, pseudonym]) {
        ch.officials.add(id);
        ch.registry.add(id);
      }
    }

    function applyOfficial(official: Official, ch: LedgerChanges): void {
      // The pseudonym of a sealed record, so that its erasure finds the official (decision 077).
      if (official.subject !== undefined) q.recordSubject.run(official.officialId, official.subject);
      q.upsertOfficial.run(
        official.officialId,
        official.orgUnit,
        official.staffGroup,
        official.jurisdiction,
        JSON.stringify(official),
      );
      ch.officials.add(official.officialId);
      ch.registry.add(official.officialId);
      // '' stands for "since before the registry knew" (no orgUnitFrom).
      q.recordOrgUnit.run(official.officialId, official.orgUnitFrom ?? '', official.orgUnit);
      q.recordStaffGroup.run(official.officialId, official.staffGroupFrom ?? '', official.staffGroup);
      const wanted = new Set(official.identifiers.map(identifierKey));
      for (const { ifi } of q.identifiersOf.all(official.officialId)) {
        if (wanted.has(ifi)) continue;
        q.dropIdentifier.run(ifi);
        if (loading) q.relinked.run(ifi);
        else q.reattribute.run(null, official.officialId, ifi);
      }
      for (const ifi of wanted) {
        const previous = q.officialOfIfi.get(ifi)?.official_id;
        if (previous === official.officialId) continue;
        if (previous) {
          ch.officials.add(previous);
          ch.registry.add(previous);
        }
        q.linkIdentifier.run(ifi, official.officialId);
        if (loading) {
          q.relinked.run(ifi);
          continue;
        }
        // Statements from an identifier the registry did not know are attributed retroactively.
        q.attributeUnmatched.run(official.officialId, ifi);
        if (previous) q.reattribute.run(official.officialId, previous, ifi);
      }
    }
  };

  return {
    apply,
    settle() {
      if (!loading) return false;
      finishLoading();
      return true;
    },
  };
}

function factRecord(
  statement: Statement,
  activityId: string,
  definition: JsonObject | undefined,
  event: RecordedEvent,
  stored: string,
  subjects: readonly StatementSubject[],
): FactRecord {
  const result = (statement.result ?? {}) as {
    duration?: string;
    success?: boolean;
    completion?: boolean;
    extensions?: Record<string, unknown>;
  };
  const reason = result.extensions?.[CMI5_REASON];
  const parsed = result.duration === undefined ? null : parseIsoDuration(result.duration);
  const timestamp = statement.timestamp ?? stored;
  const data = event.data as { credential?: string; source?: string };
  return {
    statementId: statement.id ?? event.id,
    activityId,
    registration: statement.context?.registration ?? '',
    verb: statement.verb.id,
    timestamp,
    timestampMs: timestampMillis(timestamp) ?? event.recorded.getTime(),
    duration: result.duration ?? null,
    durationSeconds: parsed?.seconds ?? null,
    durationIndefinite: parsed?.valid === true && parsed.seconds === null,
    success: result.success ?? null,
    completion: result.completion ?? null,
    title: (definition?.name as Record<string, string> | undefined) ?? null,
    activityType: (definition?.type as string | undefined) ?? null,
    source: data.source ?? (data.credential ? `credential:${data.credential}` : 'unknown'),
    authority: authorityName(statement, subjects),
    recorded: stored,
    ...(statement.verb.id === VERB.waived
      ? { reason: typeof reason === 'string' ? reason : reason === undefined ? null : JSON.stringify(reason) }
      : {}),
  };
}

// cmi5 9.5.4.1 (Waived): the reason a learner's AU requirement was waived.
const CMI5_REASON = 'https://w3id.org/xapi/cmi5/result/extensions/reason';

/**
 * Who recorded a fact. An authority sealed under a person's key (a token's own agent, decision
 * 086) is named by its pseudonym, which is also what the erased agent it reads as after that
 * person's erasure is named: the fact is the same live, rebuilt and replayed, before and after the
 * erasure, so snapshots keep verifying, and the ledger holds no one's name for it. A credential's
 * own account (decision 081) and statements written before sealing keep the authority's name.
 */
function authorityName(statement: Statement, subjects: readonly StatementSubject[]): string | null {
  const a = statement.authority as { name?: string; account?: { name: string }; mbox?: string } | undefined;
  if (a && subjects.length > 0) {
    const ifi = agentIfiKey(a as Agent);
    const sealed = ifi === undefined ? undefined : subjects.find((s) => s.ifi === ifi);
    if (sealed) return sealed.pseudonym;
  }
  return a?.name ?? a?.account?.name ?? a?.mbox ?? null;
}

/** An official as reports list them: the registry's grouping fields. */
export interface OfficialSummary {
  officialId: string;
  orgUnit: string;
  staffGroup: string;
  jurisdiction: string;
}

/**
 * Reads of the ledger tables; one per read connection. The ledger's tables are read only here
 * (and by CompletionReader, which extends it): pages, reports and audits ask this reader.
 */
export class LedgerReader {
  private readonly q;
  constructor(protected readonly db: Db) {
    this.q = {
      official: db.prepare<[string], { record: string }>('SELECT record FROM official WHERE official_id = ?'),
      facts: db.prepare<[string], { record: string; seq: number; voided: string | null }>(
        'SELECT record, seq, voided FROM fact WHERE official_id = ? ORDER BY seq',
      ),
      catalog: db.prepare<[string], { record: string }>('SELECT record FROM catalog WHERE activity_id = ?'),
      exemptions: db.prepare<[string], { record: string }>(
        'SELECT record FROM exemption WHERE official_id = ? ORDER BY exemption_id',
      ),
      policies: db.prepare<[], { record: string }>('SELECT record FROM policy ORDER BY policy_id, version'),
      orgUnits: db.prepare<[], OrgUnitRow>('SELECT org_unit_id, name, parent FROM org_unit'),
      orgHistory: db.prepare<[string], { effective_from: string; org_unit: string }>(
        'SELECT effective_from, org_unit FROM org_history WHERE official_id = ? ORDER BY effective_from',
      ),
      staffHistory: db.prepare<[string], { effective_from: string; staff_group: string }>(
        'SELECT effective_from, staff_group FROM staff_group_history WHERE official_id = ? ORDER BY effective_from',
      ),
      samePerson: db.prepare<[string], { ifi: string }>(
        'SELECT b.ifi FROM identifier a JOIN identifier b ON b.official_id = a.official_id WHERE a.ifi = ? ORDER BY b.ifi',
      ),
      unmatched: db.prepare<[], { ifi: string; statements: number; first: number }>(
        'SELECT ifi, count(*) AS statements, min(seq) AS first FROM fact WHERE official_id IS NULL GROUP BY ifi ORDER BY first',
      ),
    };
  }

  /** Every official, ordered by org unit then id, with the fields reports group by. */
  officialSummaries(): OfficialSummary[] {
    return this.db
      .prepare<[], { official_id: string; org_unit: string; staff_group: string; jurisdiction: string }>(
        'SELECT official_id, org_unit, staff_group, jurisdiction FROM official ORDER BY org_unit, official_id',
      )
      .all()
      .map((o) => ({
        officialId: o.official_id,
        orgUnit: o.org_unit,
        staffGroup: o.staff_group,
        jurisdiction: o.jurisdiction,
      }));
  }

  /** Every official's name by official id (lists of officials show people, not ids). */
  officialNames(): Map<string, string> {
    return new Map(
      this.db
        .prepare<[], { official_id: string; name: string | null }>(
          "SELECT official_id, json_extract(record, '$.name') AS name FROM official",
        )
        .all()
        .map((r) => [r.official_id, r.name ?? r.official_id]),
    );
  }

  /** The first `limit` officials by id (the development sign-in offers them). */
  someOfficials(limit: number): Official[] {
    return this.db
      .prepare<[number], { record: string }>('SELECT record FROM official ORDER BY official_id LIMIT ?')
      .all(limit)
      .map((r) => JSON.parse(r.record) as Official);
  }

  /** The jurisdictions the registry names, first `limit` in order. */
  jurisdictions(limit: number): string[] {
    return this.db
      .prepare<[number], { jurisdiction: string }>(
        'SELECT DISTINCT jurisdiction FROM official ORDER BY jurisdiction LIMIT ?',
      )
      .all(limit)
      .map((r) => r.jurisdiction);
  }

  /** Every org unit, ordered by id. */
  orgUnits(): { orgUnitId: string; name: string; parent: string | null }[] {
    return this.q.orgUnits
      .all()
      .map((u) => ({ orgUnitId: u.org_unit_id, name: u.name, parent: u.parent }))
      .sort((a, b) => (a.orgUnitId < b.orgUnitId ? -1 : a.orgUnitId > b.orgUnitId ? 1 : 0));
  }

  /** Every official's exemptions. */
  allExemptions(): Map<string, Exemption[]> {
    const out = new Map<string, Exemption[]>();
    for (const r of this.db
      .prepare<[], { official_id: string; record: string }>('SELECT official_id, record FROM exemption')
      .all())
      out.set(r.official_id, [...(out.get(r.official_id) ?? []), JSON.parse(r.record) as Exemption]);
    return out;
  }

  /**
   * Whom the ledger attributes a statement to: known with the identifier key it came from and the
   * official it was matched to (null while the registry does not know the identifier), or undefined.
   */
  statementAttribution(statementId: string): { ifi: string; officialId: string | null } | undefined {
    const row = this.db
      .prepare<[string], { ifi: string; official_id: string | null }>(
        'SELECT ifi, official_id FROM fact WHERE statement_id = ?',
      )
      .get(statementId);
    return row ? { ifi: row.ifi, officialId: row.official_id } : undefined;
  }

  /** Catalog entries with the revision (stream revision) each was last recorded at, by activity id. */
  catalogRevisions(): { activityId: string; revision: number }[] {
    return this.db
      .prepare<[], { activity_id: string; revision: number }>(
        'SELECT activity_id, revision FROM catalog ORDER BY activity_id',
      )
      .all()
      .map((r) => ({ activityId: r.activity_id, revision: r.revision }));
  }

  /** Every category the catalog's entries are in. */
  catalogCategories(): Set<string> {
    const out = new Set<string>();
    for (const r of this.db.prepare<[], { record: string }>('SELECT record FROM catalog').all())
      out.add((JSON.parse(r.record) as CatalogEntry).category);
    return out;
  }

  /** How many officials, org units and linked identifiers the registry holds. */
  registryCounts(): { officials: number; orgUnits: number; identifiers: number } {
    const count = (table: 'official' | 'org_unit' | 'identifier') =>
      (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { officials: count('official'), orgUnits: count('org_unit'), identifiers: count('identifier') };
  }

  /**
   * Every official the registry says has left (an employment end date), ordered by id: the
   * people a retention setting may apply to (services/privacy, decision 071).
   */
  leavers(): Official[] {
    return this.db
      .prepare<[], { record: string }>(
        "SELECT record FROM official WHERE json_extract(record, '$.employedTo') IS NOT NULL ORDER BY official_id",
      )
      .all()
      .map((r) => JSON.parse(r.record) as Official);
  }

  official(officialId: string): Official | undefined {
    const row = this.q.official.get(officialId);
    return row ? (JSON.parse(row.record) as Official) : undefined;
  }

  /**
   * How a report snapshot names an official (decision 077): their pseudonym when their registry
   * record is sealed, else (a record written before sealing) their id.
   */
  snapshotKeyOf(officialId: string): string {
    return (
      (this.db
        .prepare('SELECT subject FROM official_subject WHERE official_id = ?')
        .pluck()
        .get(officialId) as string | undefined) ?? officialId
    );
  }

  /**
   * The official a snapshot row's key names now: the official id of a pseudonym (the pseudonym
   * itself once they are erased), or the key itself (an id, in older snapshots or unsealed records).
   */
  /**
   * Whether the registry holds an official whose record was written before sealing (decision 077):
   * no pseudonym in `official_subject`. The migration (decision 080) would seal them, which changes
   * how the fingerprint hashes them (by id now, by pseudonym then): a snapshot is refused meanwhile.
   */
  hasOfficialsRecordedBeforeSealing(): boolean {
    return (
      this.db
        .prepare(
          'SELECT 1 FROM official o WHERE NOT EXISTS (SELECT 1 FROM official_subject s WHERE s.official_id = o.official_id) LIMIT 1',
        )
        .get() !== undefined
    );
  }

  officialOfSnapshotKey(key: string): { officialId: string; erased: boolean } {
    const officialId = this.db
      .prepare('SELECT official_id FROM official_subject WHERE subject = ?')
      .pluck()
      .get(key) as string | undefined;
    if (officialId === undefined) return { officialId: key, erased: false };
    return { officialId, erased: officialId === key };
  }

  facts(officialId: string): LearningFact[] {
    return this.q.facts.all(officialId).map((row) => {
      // The parsed record completed in place: a spread into a new object cost more than the parse.
      const fact = JSON.parse(row.record) as LearningFact;
      fact.officialId = officialId;
      fact.seq = row.seq;
      fact.voided = row.voided === null ? null : (JSON.parse(row.voided) as LearningFact['voided']);
      return fact;
    });
  }

  catalogEntry(activityId: string): CatalogEntry | undefined {
    const row = this.q.catalog.get(activityId);
    return row ? (JSON.parse(row.record) as CatalogEntry) : undefined;
  }

  exemptions(officialId: string): Exemption[] {
    return this.q.exemptions.all(officialId).map((r) => JSON.parse(r.record) as Exemption);
  }

  policies(): Policy[] {
    return this.q.policies.all().map((r) => JSON.parse(r.record) as Policy);
  }

  orgTree(): OrgTree {
    return new OrgTree(this.q.orgUnits.all());
  }

  /** Identifiers that statements came from but the registry does not know (yet). */
  orgUnitHistory(officialId: string): OrgUnitSpell[] {
    return this.q.orgHistory
      .all(officialId)
      .map((r) => ({ from: r.effective_from || null, orgUnit: r.org_unit }));
  }

  /** The official the registry links an identifier key (agentIfiKey form) to, or null. */
  officialOfIdentifier(ifi: string): string | null {
    const row = this.db
      .prepare<[string], { official_id: string }>('SELECT official_id FROM identifier WHERE ifi = ?')
      .get(ifi);
    return row?.official_id ?? null;
  }

  /**
   * The identifier keys (agentIfiKey form) the registry links to the same official as `ifi`,
   * `ifi` included; empty when the registry does not know it.
   */
  samePerson(ifi: string): string[] {
    return this.q.samePerson.all(ifi).map((r) => r.ifi);
  }

  unmatched(): { identifier: string; statements: number }[] {
    return this.q.unmatched.all().map((r) => ({ identifier: r.ifi, statements: r.statements }));
  }

  /** An official's dated staff groups, oldest first (decision 057). */
  staffGroupHistory(officialId: string): StaffGroupSpell[] {
    return this.q.staffHistory
      .all(officialId)
      .map((r) => ({ from: r.effective_from || null, staffGroup: r.staff_group }));
  }

  /** Every official's dated org units and staff groups, oldest first (one read each for a report). */
  allHistories(): Map<string, { orgUnits: OrgUnitSpell[]; staffGroups: StaffGroupSpell[] }> {
    const out = new Map<string, { orgUnits: OrgUnitSpell[]; staffGroups: StaffGroupSpell[] }>();
    const of = (id: string) => {
      let h = out.get(id);
      if (!h) {
        h = { orgUnits: [], staffGroups: [] };
        out.set(id, h);
      }
      return h;
    };
    for (const r of this.db
      .prepare<[], { official_id: string; effective_from: string; org_unit: string }>(
        'SELECT official_id, effective_from, org_unit FROM org_history ORDER BY official_id, effective_from',
      )
      .all())
      of(r.official_id).orgUnits.push({ from: r.effective_from || null, orgUnit: r.org_unit });
    for (const r of this.db
      .prepare<[], { official_id: string; effective_from: string; staff_group: string }>(
        'SELECT official_id, effective_from, staff_group FROM staff_group_history ORDER BY official_id, effective_from',
      )
      .all())
      of(r.official_id).staffGroups.push({ from: r.effective_from || null, staffGroup: r.staff_group });
    return out;
  }

  /** Every activity facts are about, by the number the ledger gave it (decision 056). */
  activityNumbers(): Map<string, number> {
    return new Map(
      this.db
        .prepare<[], [number, string]>('SELECT activity_no, activity_id FROM activity')
        .raw()
        .all()
        .map(([no, id]) => [id, no]),
    );
  }

  /**
   * Programme statistics (programme-statistics.ts, decisions 050 and 056): per official, the
   * activities attended with learning time (statement timestamp) in [fromMs, toMs) and their
   * attendances there — per registration, its attended statements, or 1 when it has none (a
   * completed or passed programme) — counting live facts of known officials only; catalogued or not
   * (the report keeps its programmes). One pass over the fact_attendance index with one GROUP BY
   * that follows its order (so nothing is sorted): JavaScript sees one row per official, the
   * official's attendance facts as one string, and groups them into entries itself (a GROUP BY per
   * entry in SQL cost more than the whole of this).
   */
  *attendancesByOfficial(fromMs: number, toMs: number): Generator<OfficialAttendances> {
    const rows = this.db
      .prepare<[number, number], [string, string]>(
        `SELECT official_id, group_concat(activity_no || ' ' || attendance || ' ' || registration, ' ')
         FROM fact
         WHERE ${ATTENDANCE_WHERE} AND t_ms >= ? AND t_ms < ?
         GROUP BY official_id`,
      )
      .raw();
    for (const [officialId, list] of rows.iterate(fromMs, toMs))
      yield { officialId, attendances: entryAttendances(list) };
  }

  /**
   * One official's attendances in [fromMs, toMs) entry by entry (official × programme ×
   * registration), with the first learning time of each: what a report needs for an official whose
   * org unit or staff group changed within the window. Non-catalogued activities included.
   */
  attendanceEntries(officialId: string, fromMs: number, toMs: number): AttendanceEntry[] {
    return this.db
      .prepare<[number, string, number, number], AttendanceEntry>(
        `SELECT activity_no AS activityNo, min(t_ms) AS firstMs, max(1, sum(attendance = ?)) AS attendances
         FROM fact
         WHERE official_id = ? AND ${ATTENDANCE_WHERE} AND t_ms >= ? AND t_ms < ?
         GROUP BY activity_no, registration`,
      )
      .all(ATTENDED, officialId, fromMs, toMs);
  }
}

/**
 * One official's attendance facts, "activity kind registration activity kind registration …"
 * (activity number, attendance kind, registration: a UUID, xAPI Data 2.4.6 and 4.4, which holds no
 * space, or '' when the statement had none), as entries: [activity, attendances, …] where an
 * entry's attendances are its attended statements, or 1 when it has none. Facts come in the
 * index's order (activity, registration), so an entry's are next to each other; if ever they did
 * not, entries are gathered by key instead.
 */
export function entryAttendances(list: string): number[] {
  const out: number[] = [];
  let activity = -1;
  let registration = '';
  let attended = 0;
  for (let i = 0; i < list.length; ) {
    let a = 0;
    for (let c = list.charCodeAt(i); c !== 32; c = list.charCodeAt(++i)) a = a * 10 + (c - 48);
    const kind = list.charCodeAt(i + 1) - 48;
    const space = list.indexOf(' ', i + 3);
    const to = space < 0 ? list.length : space;
    const r = list.slice(i + 3, to);
    i = to + 1;
    if (a !== activity || r !== registration) {
      if (a < activity || (a === activity && r < registration)) return entriesByKey(list);
      if (activity >= 0) out.push(activity, Math.max(1, attended));
      activity = a;
      registration = r;
      attended = 0;
    }
    if (kind === ATTENDED) attended++;
  }
  if (activity >= 0) out.push(activity, Math.max(1, attended));
  return out;
}

/** entryAttendances for facts in any order: entries gathered by key. */
function entriesByKey(list: string): number[] {
  const entries = new Map<string, { activity: number; attended: number }>();
  const items = list.split(' ');
  for (let j = 0; j + 2 < items.length; j += 3) {
    const key = `${items[j]} ${items[j + 2]}`;
    let entry = entries.get(key);
    if (!entry) {
      entry = { activity: Number(items[j]), attended: 0 };
      entries.set(key, entry);
    }
    if (Number(items[j + 1]) === ATTENDED) entry.attended++;
  }
  const out: number[] = [];
  for (const e of entries.values()) out.push(e.activity, Math.max(1, e.attended));
  return out;
}

/**
 * An official's attendances in a window (decision 056): pairs of an activity number
 * (activityNumbers) and attendances, flat — [activity, attendances, activity, attendances, …]; an
 * activity may appear more than once (its attendances add up).
 */
export interface OfficialAttendances {
  officialId: string;
  attendances: number[];
}

/** One entry's attendances in a window: its activity number, first learning time, attendances. */
export interface AttendanceEntry {
  activityNo: number;
  firstMs: number;
  attendances: number;
}

/** An official's staff group from a date on (null: since before the registry knew). */
export interface StaffGroupSpell {
  from: string | null;
  staffGroup: string;
}

/**
 * The spell in effect on a date (YYYY-MM-DD): the latest starting on or before it; before every
 * dated spell, the undated one if any, else the earliest known. Histories are oldest first.
 */
function spellOn<S extends { from: string | null }>(history: readonly S[], date: string): S | undefined {
  let found: S | undefined;
  for (const s of history) if (s.from === null || s.from <= date) found = s;
  return found ?? history[0];
}

/** An official's org unit from a date on (null: since before the registry knew). */
export interface OrgUnitSpell {
  from: string | null;
  orgUnit: string;
}

/**
 * The org unit in effect on a learning date (YYYY-MM-DD): the latest spell starting on or before
 * it; before every dated spell, the undated one if any, else the earliest known.
 */
export function orgUnitOn(history: readonly OrgUnitSpell[], date: string): string | null {
  return spellOn(history, date)?.orgUnit ?? null;
}

/** The staff group in effect on a learning date (YYYY-MM-DD), as orgUnitOn (decision 057). */
export function staffGroupOn(history: readonly StaffGroupSpell[], date: string): string | null {
  return spellOn(history, date)?.staffGroup ?? null;
}

interface OrgUnitRow {
  org_unit_id: string;
  name: string;
  parent: string | null;
}

/** The org unit tree: a city includes its districts, a district its offices. */
export class OrgTree {
  private readonly parent = new Map<string, string | null>();
  private readonly children = new Map<string, string[]>();
  readonly names = new Map<string, string>();
  constructor(rows: readonly OrgUnitRow[]) {
    for (const r of rows) {
      this.parent.set(r.org_unit_id, r.parent);
      this.names.set(r.org_unit_id, r.name);
      if (r.parent) this.children.set(r.parent, [...(this.children.get(r.parent) ?? []), r.org_unit_id]);
    }
  }
  has(unit: string): boolean {
    return this.parent.has(unit);
  }
  /** The unit and its ancestors, nearest first; a cycle in imported data stops the walk. */
  ancestry(unit: string): string[] {
    const out: string[] = [];
    for (let u: string | null | undefined = unit; u && !out.includes(u); u = this.parent.get(u)) out.push(u);
    return out;
  }
  /** The unit and all units below it. */
  subtree(unit: string): Set<string> {
    const out = new Set<string>();
    const stack = [unit];
    while (stack.length > 0) {
      const u = stack.pop()!;
      if (out.has(u)) continue;
      out.add(u);
      stack.push(...(this.children.get(u) ?? []));
    }
    return out;
  }
}
