import type { RecordedEvent } from '@lrs/event-log';
import {
  STATEMENT_EVENT,
  SUBJECT_ERASED,
  statementEventData,
  storedStatementOf,
  subjectErasedData,
  VOIDED_VERB,
} from '@lrs/events';
import { eraseAgentsIn } from '@lrs/privacy';
import { InsertOnce } from '@lrs/projections';
import type { Statement } from '@lrs/xapi';
import { agentIfiKeys, groupMemberIfiKeys } from '@lrs/xapi';
import type Database from 'better-sqlite3';
import { writerKey, writerKeyRange } from './writer-key';

/**
 * The statements index: the read model behind GET /statements (xAPI Communication 2.1.3).
 *
 * Rows are numbered by `seq`, assigned in log order, so `seq` order is `stored` order
 * (stored is the log's record time, see statement-event.ts) and a `more` cursor is a seq.
 * Filters are answered from `statement_keys`, one row per (filter key, statement):
 *   a:<ifi>  actor or object agent/group (group members included)     -> agent
 *   A:<ifi>  any agent in the statement (related_agents=true)          -> agent + related_agents
 *   v:<iri>  verb                                                       -> verb
 *   o:<iri>  object activity                                            -> activity
 *   O:<iri>  any activity incl. context activities and substatement     -> activity + related_activities
 *   g:<uuid> context registration                                       -> registration
 *   w:<key>  the credential that wrote it                               -> statements/read/mine
 * A statement whose object is a StatementRef also carries the keys (except w:) of the statement
 * it targets, recursively (Communication 2.1.3 "Filter Conditions for StatementRefs"); the
 * target may arrive before or after the referrer, so keys are propagated both ways.
 *
 * `statement_keys` holds a key's integer id (`filter_key`, numbered in order of first use), not
 * its text: an index entry of a few bytes instead of ~60, so a batch dirties far fewer index
 * pages (version 2; a rebuild of 200k statements ran at 8.4k/s with text keys).
 */
export const STATEMENT_INDEX_MIGRATIONS = [
  `CREATE TABLE statements (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     stored_ms INTEGER NOT NULL,
     voided INTEGER NOT NULL DEFAULT 0,
     voiding INTEGER NOT NULL DEFAULT 0,
     target_id TEXT,
     json TEXT NOT NULL
   )`,
  'CREATE INDEX statements_stored ON statements (stored_ms)',
  'CREATE INDEX statements_target ON statements (target_id) WHERE target_id IS NOT NULL',
  'CREATE TABLE filter_key (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE)',
  `CREATE TABLE statement_keys (
     key INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     PRIMARY KEY (key, seq)
   ) WITHOUT ROWID`,
  // A void whose target is not indexed yet: applied when the target arrives (Data 2.3.2).
  `CREATE TABLE pending_voids (
     target_id TEXT PRIMARY KEY,
     voiding_seq INTEGER NOT NULL
   ) WITHOUT ROWID`,
  // Whose identifiers the index holds, by pseudonym: what an erasure purges (decision 065).
  'CREATE TABLE subject_ifi (pseudonym TEXT NOT NULL, ifi TEXT NOT NULL, PRIMARY KEY (pseudonym, ifi)) WITHOUT ROWID',
];

/**
 * The `statement_keys.key` of the row that keeps the highest seq ever given once an erasure has
 * deleted statements (filter key ids start at 1), so a seq is never given twice (decision 084).
 */
export const HIGH_WATER_KEY = 0;

export const STATEMENT_INDEX_TABLES = [
  { name: 'statements', key: ['seq'] },
  { name: 'filter_key', key: ['id'] },
  { name: 'statement_keys', key: ['key', 'seq'] },
  { name: 'pending_voids', key: ['target_id'] },
  { name: 'subject_ifi', key: ['pseudonym', 'ifi'] },
];

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/** The filter keys a statement carries by itself (without StatementRef inheritance). */
export function ownKeys(statement: Statement, credentialKey: string | undefined): Set<string> {
  const keys = new Set<string>();
  const s = statement as unknown as Obj;
  const addAgent = (agent: unknown, direct: boolean) => {
    if (!isObj(agent)) return;
    // Communication 2.1.3: a Group matches the agent filter by its own IFI or a member's.
    for (const k of [...agentIfiKeys(agent as never), ...groupMemberIfiKeys(agent as never)]) {
      if (direct) keys.add(`a:${k}`);
      keys.add(`A:${k}`);
    }
  };
  const addActivity = (activity: unknown, direct: boolean) => {
    if (!isObj(activity) || typeof activity.id !== 'string') return;
    if (activity.objectType !== undefined && activity.objectType !== 'Activity') return;
    if (direct) keys.add(`o:${activity.id}`);
    keys.add(`O:${activity.id}`);
  };
  const addContext = (context: unknown) => {
    if (!isObj(context)) return;
    addAgent(context.instructor, false);
    addAgent(context.team, false);
    for (const ca of asArray(context.contextAgents)) if (isObj(ca)) addAgent(ca.agent, false);
    for (const cg of asArray(context.contextGroups)) if (isObj(cg)) addAgent(cg.group, false);
    const ctxActs = context.contextActivities;
    if (isObj(ctxActs)) {
      for (const kind of ['parent', 'grouping', 'category', 'other']) {
        for (const a of asArray(ctxActs[kind])) addActivity(a, false);
      }
    }
  };
  const addBody = (body: Obj, top: boolean) => {
    addAgent(body.actor, top);
    if (isObj(body.verb) && typeof body.verb.id === 'string' && top) keys.add(`v:${body.verb.id}`);
    const object = body.object;
    if (isObj(object)) {
      const type = object.objectType;
      if (type === 'Agent' || type === 'Group') addAgent(object, top);
      else if (type === 'SubStatement') addBody(object, false);
      else if (type !== 'StatementRef') addActivity(object, top);
    }
    addContext(body.context);
    if (top && isObj(body.context) && typeof body.context.registration === 'string') {
      keys.add(`g:${body.context.registration.toLowerCase()}`);
    }
  };
  addBody(s, true);
  addAgent(s.authority, false);
  if (credentialKey) keys.add(`w:${credentialKey}`);
  return keys;
}

function targetOf(statement: Statement): string | null {
  const object = (statement as unknown as Obj).object;
  if (isObj(object) && object.objectType === 'StatementRef' && typeof object.id === 'string') {
    return object.id.toLowerCase();
  }
  return null;
}

function isVoiding(statement: Statement): boolean {
  const verb = (statement as unknown as Obj).verb;
  return isObj(verb) && verb.id === VOIDED_VERB && targetOf(statement) !== null;
}

/** Builds the apply function of the statements index over one read-model connection. */
export function statementIndexApplier(db: Database.Database) {
  // Past the last statement and past the high-water mark an erasure leaves (a seq is never given twice).
  const nextSeq = db
    .prepare(
      `SELECT max(coalesce((SELECT max(seq) FROM statements), 0),
                  coalesce((SELECT max(seq) FROM statement_keys WHERE key = ${HIGH_WATER_KEY}), 0)) + 1`,
    )
    .pluck();
  const insertStatement = db.prepare(
    'INSERT OR IGNORE INTO statements (seq, id, stored_ms, voided, voiding, target_id, json) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertKey = db.prepare('INSERT OR IGNORE INTO statement_keys (key, seq) VALUES (?, ?)');
  const keyId = db.prepare('SELECT id FROM filter_key WHERE key = ?').pluck();
  const newKey = db.prepare('INSERT INTO filter_key (key) VALUES (?)');
  const findById = db.prepare('SELECT seq, voiding FROM statements WHERE id = ?');
  const keysOf = db
    .prepare(
      "SELECT k.key FROM statement_keys k JOIN filter_key f ON f.id = k.key WHERE k.seq = ? AND f.key NOT LIKE 'w:%'",
    )
    .pluck();
  const referrers = db.prepare('SELECT seq FROM statements WHERE target_id = ?').pluck();
  const setVoided = db.prepare('UPDATE statements SET voided = 1 WHERE seq = ? AND voiding = 0');
  const addPendingVoid = db.prepare(
    'INSERT OR IGNORE INTO pending_voids (target_id, voiding_seq) VALUES (?, ?)',
  );
  const takePendingVoid = db.prepare('DELETE FROM pending_voids WHERE target_id = ? RETURNING voiding_seq');
  const anyPendingVoid = db.prepare('SELECT EXISTS (SELECT 1 FROM pending_voids)').pluck();
  const idOfSeq = db.prepare('SELECT id FROM statements WHERE seq = ?').pluck();

  // Written per statement, new only with a new person: skipped once seen committed (decision 083).
  const subjectRows = new InsertOnce(db, 'subject_ifi', ['pseudonym', 'ifi']);
  const ifisOf = db.prepare('SELECT ifi FROM subject_ifi WHERE pseudonym = ?').pluck();
  const deleteSubject = db.prepare('DELETE FROM subject_ifi WHERE pseudonym = ?');
  const seqsOfKey = db.prepare('SELECT seq FROM statement_keys WHERE key = ?').pluck();
  const deleteRow = db.prepare('DELETE FROM statements WHERE seq = ?');
  const dropHighWater = db.prepare(`DELETE FROM statement_keys WHERE key = ${HIGH_WATER_KEY}`);
  const setHighWater = db.prepare(`INSERT INTO statement_keys (key, seq) VALUES (${HIGH_WATER_KEY}, ?)`);
  const deleteKeyRows = db.prepare('DELETE FROM statement_keys WHERE key = ?');
  const deleteFilterKey = db.prepare('DELETE FROM filter_key WHERE id = ?');
  const writerKeysOf = db.prepare('SELECT id, key FROM filter_key WHERE key >= ? AND key < ?');
  const jsonOf = db.prepare('SELECT json FROM statements WHERE seq = ?').pluck();
  const setJson = db.prepare('UPDATE statements SET json = ? WHERE seq = ?');

  /**
   * An erasure (decision 065): the person's statements (those the xAPI agent filter finds,
   * Communication 2.1.3) are deleted; statements that only mention them (instructor, team,
   * authority, a related agent) keep their row with the erased agent in their place.
   *
   * Decision 084: a deleted statement's other key rows (verb, activities, registration, other
   * agents, credential, keys inherited through a StatementRef) stay as (key, seq) pairs of
   * integers pointing at no statement: queries join `statements`, so they match nothing, and
   * they say less than the log keeps in the clear beside the pseudonym (decision 065 point 2).
   * Deleting them cost a random index page each (5,700 of the 8,700 pages the purge wrote at
   * 1,000,000 statements). The person's own keys (their identifiers, in `filter_key`) go with all
   * their rows. So that an orphan row never attaches to a later statement, the highest seq given
   * is kept as a row of key 0 (no filter key has id 0) and the next seq starts above it.
   */
  const erase = (pseudonym: string) => {
    const ifis = new Set(ifisOf.all(pseudonym) as string[]);
    let deleted = 0;
    for (const ifi of ifis) {
      const direct = keyId.get(`a:${ifi}`) as number | undefined;
      if (direct !== undefined) {
        for (const s of seqsOfKey.all(direct) as number[]) deleted += deleteRow.run(s).changes;
        deleteKeyRows.run(direct);
        deleteFilterKey.run(direct);
      }
      const related = keyId.get(`A:${ifi}`) as number | undefined;
      if (related !== undefined) {
        for (const s of seqsOfKey.all(related) as number[]) {
          // The person's own statements are gone already: only those that mention them remain.
          const json = jsonOf.get(s) as string | undefined;
          if (json !== undefined)
            setJson.run(JSON.stringify(eraseAgentsIn(JSON.parse(json) as Statement, ifis, pseudonym)), s);
        }
        deleteKeyRows.run(related);
        deleteFilterKey.run(related);
      }
      // A token's statements are filed by its own agent (decision 086): those keys name them too.
      const [first, pastLast] = writerKeyRange(ifi);
      for (const writer of writerKeysOf.all(first, pastLast) as { id: number; key: string }[]) {
        // The issuer is percent-encoded (no '|'): a longer identifier that merely starts the same is not this one.
        if (writer.key.slice(first.length).includes('|')) continue;
        deleteKeyRows.run(writer.id);
        deleteFilterKey.run(writer.id);
      }
    }
    deleteSubject.run(pseudonym);
    if (deleted > 0) {
      dropHighWater.run();
      setHighWater.run(seq - 1);
    }
    subjectRows.forget();
  };

  let seq = nextSeq.get() as number;
  // Ids of keys, for one batch: a rolled-back batch must not leave ids behind that were never
  // committed, and most keys of a batch (verb, category, credential, courses) repeat within it.
  let ids = new Map<string, number>();
  const idOf = (key: string): number => {
    let id = ids.get(key);
    if (id === undefined) {
      id = (keyId.get(key) as number | undefined) ?? Number(newKey.run(key).lastInsertRowid);
      ids.set(key, id);
    }
    return id;
  };

  /** Copies `keys` (ids) to every statement that (transitively) targets statement `id`. */
  const propagate = (id: string, keys: number[], depth = 0) => {
    if (depth > 64) return; // a reference chain this deep is not a real use; stop a cycle
    for (const referrer of referrers.all(id) as number[]) {
      for (const k of keys) insertKey.run(k, referrer);
      const referrerId = idOfSeq.get(referrer) as string;
      propagate(referrerId, keys, depth + 1);
    }
  };

  return (events: RecordedEvent[]) => {
    ids = new Map();
    subjectRows.batch();
    // A void waiting for its target is rare: look for one only when some wait.
    let pendingVoids = anyPendingVoid.get() === 1;
    for (const event of events) {
      if (event.type === SUBJECT_ERASED) {
        for (const p of subjectErasedData(event).pseudonyms) erase(p);
        ids = new Map();
        continue;
      }
      if (event.type !== STATEMENT_EVENT) continue;
      const data = statementEventData(event);
      const statement = storedStatementOf(event);
      const id = statement.id!.toLowerCase();
      const target = targetOf(statement);
      const voiding = isVoiding(statement);
      const mySeq = seq;
      // A statement id is stored once (stream per statement): UNIQUE(id) is the check, which
      // saves a lookup by random id per statement; seq only advances for a stored row.
      const stored = insertStatement.run(
        mySeq,
        id,
        event.recorded.getTime(),
        0,
        voiding ? 1 : 0,
        target,
        JSON.stringify(statement),
      );
      if (stored.changes === 0) continue;
      seq++;
      for (const s of data.subjects) subjectRows.run(s.pseudonym, s.ifi);
      // Data 2.3.2: voided iff not itself voiding and a voiding statement targets it.
      if (!voiding && pendingVoids && takePendingVoid.get(id)) setVoided.run(mySeq);
      const own = ownKeys(statement, writerKey(data.credential, statement));
      const keys: number[] = [];
      const inherited: number[] = [];
      for (const k of own) {
        const kid = idOf(k);
        keys.push(kid);
        if (!k.startsWith('w:')) inherited.push(kid);
      }
      if (target) {
        const targetRow = findById.get(target) as { seq: number; voiding: number } | undefined;
        if (targetRow) {
          for (const kid of keysOf.all(targetRow.seq) as number[]) {
            keys.push(kid);
            inherited.push(kid);
          }
          if (voiding) setVoided.run(targetRow.seq);
        } else if (voiding) {
          addPendingVoid.run(target, mySeq);
          pendingVoids = true;
        }
      }
      for (const kid of keys) insertKey.run(kid, mySeq);
      // Only statements that target this one inherit its keys; most have none.
      propagate(id, inherited);
    }
  };
}
