import type { RecordedEvent } from '@lrs/event-log';
import { PRIVACY_EVENT_PREFIX, STATEMENT_EVENT } from '@lrs/events';
import { type ApplyContext, defineProjection } from '@lrs/projections';
import type Database from 'better-sqlite3';
import { DateTime } from 'luxon';
import { type CompletionStatus, inPopulation, proRating } from './completion';
import { byPolicy } from './completions-of';
import type { LearningFact } from './learning';
import {
  entryKey,
  type FactRecord,
  LEDGER_MIGRATIONS,
  LEDGER_OFFICIAL_ID_HASHED,
  LEDGER_TABLES,
  type LedgerChanges,
  LedgerReader,
  noLedgerChanges,
  openLedger,
} from './ledger';
import { type Period, periodAt, versionInForce } from './periods';
import type { Policy } from './policy';
import { type CatalogEntry, type Official, TRAINING_EVENT_PREFIX } from './reference-data';
import {
  applyPart,
  completionInstant,
  type EntryPart,
  emptyTally,
  entryParts,
  judge,
  type Tally,
  tallyJson,
} from './tally';
import { transcriptsProjection } from './transcripts-model';

/** Facts by registration (a cmi5 enrolment), or by activity when they have none. */
function registrationGroups(facts: readonly LearningFact[]): Map<string, LearningFact[]> {
  const groups = new Map<string, LearningFact[]>();
  for (const f of facts) {
    const key = f.registration === '' ? `a:${f.activityId}` : `r:${f.registration}`;
    const list = groups.get(key);
    if (list) list.push(f);
    else groups.set(key, [f]);
  }
  return groups;
}

interface FactRow {
  statement_id: string;
  seq: number;
  voided: string | null;
  record: string | null;
}

interface Row {
  period: string;
  startMs: number;
  endMs: number;
  version: number;
  policy: Policy;
  proRata: number;
  exemptDays: number;
  periodStart: string;
  periodEnd: string;
  due: string;
  overdueAfter: string;
  tally: Tally;
  dirty: boolean;
  /** Every part in the tally, when it was counted from scratch in this call (a recount); else null. */
  parts: EntryPart[] | null;
  /** The completion date as stored before this call. */
  completedOn: string | null;
  /** The earliest learning time of a counted part added or withdrawn in this call. */
  earliestChange: number;
}

type RecordOf = Omit<
  Row,
  'policy' | 'dirty' | 'tally' | 'period' | 'version' | 'parts' | 'completedOn' | 'earliestChange'
> & { tally: Tally };

/**
 * Completion per official × policy × period, materialised for the reports (decision 005). Each
 * row keeps running totals (tally.ts); a statement or a void re-derives only the entries of its
 * registration: each entry's part as the group stood before the batch is withdrawn and its part
 * now is added (no per-entry state is stored). A registry, identifier or exemption change recounts
 * the official; a catalog, policy or org-tree change recounts everyone. Totals are integers and
 * each entry's part depends only on the ledger, so the table is a function of the log prefix
 * whatever the batch boundaries, and a rebuild gives the live fingerprint. `overdue` depends on
 * the clock and is decided at read time.
 */
export const completionProjection = defineProjection({
  name: 'completion',
  // 4: the ledger's facts in log order, loaded without indexes by a rebuild (decision 019).
  // 5: counting rules 2 (COMPLETION_RULES): episodes of each-statement activities earn one by one;
  // categories no requirement names are not counted.
  // 6: the ledger's facts keep verb and learning time as columns with an index for the programme
  // statistics (decision 056), and staff groups have dated history (decision 057).
  // Also 6: facts name their person by pseudonym for the fingerprint (decision 065).
  // 7: the ledger numbers activities, and its facts keep an activity number and an attendance kind
  // instead of the verb, for a narrower statistics index (decision 056).
  // 8: officials' records sealed (decision 077): the ledger keeps each official's pseudonym, and the
  // fingerprint hashes official ids as pseudonyms and leaves the registry's personal values out.
  // 9: a fact's authority, when it is a person (a token's own agent), by pseudonym (decision 086).
  version: 9,
  migrations: [
    ...LEDGER_MIGRATIONS,
    // completed_on: the learning date (policy's zone) the requirement tree first passed (issue 22).
    'CREATE TABLE completion (official_id TEXT NOT NULL, policy_id TEXT NOT NULL, period TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL, earned_hours REAL NOT NULL, hours TEXT NOT NULL, overdue_after TEXT NOT NULL, completed_on TEXT, record TEXT NOT NULL, PRIMARY KEY (official_id, policy_id, period)) WITHOUT ROWID',
    'CREATE INDEX completion_report ON completion (policy_id, period)',
    // Officials whose rows a catch-up left to be recounted (settle); empty once settled.
    'CREATE TABLE completion_pending (official_id TEXT PRIMARY KEY) WITHOUT ROWID',
  ],
  tables: [
    ...LEDGER_TABLES,
    { name: 'completion', key: ['official_id', 'policy_id', 'period'], hashedAs: LEDGER_OFFICIAL_ID_HASHED },
    { name: 'completion_pending', key: ['official_id'], hashedAs: LEDGER_OFFICIAL_ID_HASHED },
  ],
  filter: { typePrefixes: [STATEMENT_EVENT, TRAINING_EVENT_PREFIX, PRIVACY_EVENT_PREFIX] },
  // The ledger tables are written by the same ledger as the transcripts model's: one
  // completion model answers for both (one live projector per process, one audit replay).
  embeds: [transcriptsProjection],
  init: (db: Database.Database) => {
    const ledger = openLedger(db);
    const reader = new LedgerReader(db);
    const q = {
      allOfficials: db.prepare<[], { official_id: string }>(
        'SELECT official_id FROM official ORDER BY official_id',
      ),
      clearRows: db.prepare('DELETE FROM completion WHERE official_id = ?'),
      rows: db.prepare<
        [string, string],
        { period: string; version: number; record: string; completed_on: string | null }
      >(
        'SELECT period, version, record, completed_on FROM completion WHERE official_id = ? AND policy_id = ?',
      ),
      upsertRow: db.prepare(
        'INSERT INTO completion (official_id, policy_id, period, version, status, earned_hours, hours, overdue_after, completed_on, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (official_id, policy_id, period) DO UPDATE SET version = excluded.version, status = excluded.status, earned_hours = excluded.earned_hours, hours = excluded.hours, overdue_after = excluded.overdue_after, completed_on = excluded.completed_on, record = excluded.record',
      ),
      // The record of a fact inserted by this batch (seq ≥ the batch start) is taken from the ledger's hand-over.
      entryFacts: db.prepare<[number, string, string, string], FactRow>(
        'SELECT statement_id, seq, voided, CASE WHEN seq >= ? THEN NULL ELSE record END AS record FROM fact WHERE official_id = ? AND registration = ? AND activity_id = ?',
      ),
      registrationFacts: db.prepare<[number, string, string], FactRow>(
        'SELECT statement_id, seq, voided, CASE WHEN seq >= ? THEN NULL ELSE record END AS record FROM fact WHERE official_id = ? AND registration = ?',
      ),
      defer: db.prepare('INSERT OR IGNORE INTO completion_pending (official_id) VALUES (?)'),
      deferEveryone: db.prepare(
        'INSERT OR IGNORE INTO completion_pending (official_id) SELECT official_id FROM official',
      ),
      pending: db.prepare<[number], { official_id: string }>(
        'SELECT official_id FROM completion_pending ORDER BY official_id LIMIT ?',
      ),
      settled: db.prepare('DELETE FROM completion_pending WHERE official_id = ?'),
    };

    /** Recounts (and so settles) up to `limit` officials a catch-up deferred; true while more remain. */
    const settleSome = (limit: number): boolean => {
      const ids = q.pending.all(limit + 1).map((r) => r.official_id);
      const now = ids.slice(0, limit);
      if (now.length === 0) return false;
      complete(noLedgerChanges(), Number.MAX_SAFE_INTEGER, now);
      for (const id of now) q.settled.run(id);
      return ids.length > limit;
    };

    return {
      apply: (events: RecordedEvent[], ctx: ApplyContext) => {
        // Live batches come after settle; a model left unsettled (not by this runtime) settles
        // first, before this batch's facts join the ledger (a recount must not include them).
        if (!ctx.catchingUp) while (settle());
        const changes = ledger.apply(events, ctx.catchingUp);
        if (ctx.catchingUp) {
          // A rebuild touches most officials in every batch: their rows are recounted once, by
          // settle, instead of re-derived per batch (same rows: an entry's part depends only on
          // the ledger, and a recount is what a registry change does anyway).
          if (changes.everyone) q.deferEveryone.run();
          for (const id of changes.officials) q.defer.run(id);
          return;
        }
        complete(changes, events.length > 0 ? Number(events[0]!.position.commit) : 0, []);
      },
      settle,
    };

    /** A load of the ledger ends first (its facts are then indexed), then officials are recounted in parts. */
    function settle(): boolean {
      return ledger.settle() || settleSome(SETTLE_PART);
    }

    /**
     * Brings the rows of the officials a batch changed up to date; `recountAlso` are recounted
     * from their facts whatever the batch changed.
     */
    function complete(changes: LedgerChanges, batchStart: number, recountAlso: readonly string[]): void {
      if (!changes.everyone && changes.officials.size === 0 && recountAlso.length === 0) return;
      // Reference data read once per batch; the ledger above has already applied this batch's changes.
      const policies = byPolicy(reader.policies());
      const tree = reader.orgTree();
      const catalogCache = new Map<string, CatalogEntry | undefined>();
      const catalog = (id: string) => {
        if (!catalogCache.has(id)) catalogCache.set(id, reader.catalogEntry(id));
        return catalogCache.get(id);
      };
      const rowCache = new Map<string, Map<string, Row>>();
      const officialCache = new Map<string, Official | undefined>();
      const officialOf = (id: string) => {
        if (!officialCache.has(id)) officialCache.set(id, reader.official(id));
        return officialCache.get(id);
      };

      const rowsOf = (officialId: string, policyId: string, versions: Policy[]): Map<string, Row> => {
        const key = `${officialId}\u0000${policyId}`;
        let rows = rowCache.get(key);
        if (rows) return rows;
        rows = new Map();
        for (const r of q.rows.all(officialId, policyId)) {
          const rec = JSON.parse(r.record) as RecordOf;
          const policy = versions.find((v) => v.version === r.version);
          if (!policy) continue;
          rows.set(r.period, {
            ...rec,
            period: r.period,
            version: r.version,
            policy,
            dirty: false,
            parts: null,
            completedOn: r.completed_on,
            earliestChange: Number.POSITIVE_INFINITY,
          });
        }
        rowCache.set(key, rows);
        return rows;
      };

      // Per call, the version in force and the dates of a period are the same for every official
      // (a personal window is keyed by its start): each is a few luxon conversions otherwise.
      const inForceCache = new Map<string, Policy | null>();
      const inForceOf = (policyId: string, versions: Policy[], period: Period): Policy | null => {
        const key = `${policyId}\u0000${period.id}\u0000${period.start.toMillis()}`;
        let found = inForceCache.get(key);
        if (found === undefined) {
          found = versionInForce(versions, period);
          inForceCache.set(key, found);
        }
        return found;
      };
      type PeriodDates = Pick<
        Row,
        'startMs' | 'endMs' | 'periodStart' | 'periodEnd' | 'due' | 'overdueAfter'
      >;
      const datesCache = new Map<string, PeriodDates>();
      const datesOf = (period: Period, policy: Policy): PeriodDates => {
        const key = `${policy.policyId}\u0000${policy.version}\u0000${period.id}\u0000${period.start.toMillis()}`;
        let dates = datesCache.get(key);
        if (!dates) {
          const due = period.end.plus({ days: policy.due?.daysAfterPeriodEnd ?? 0 });
          dates = {
            startMs: period.start.toMillis(),
            endMs: period.end.toMillis(),
            periodStart: period.start.toISO() ?? '',
            periodEnd: period.end.toISO() ?? '',
            due: due.toISO() ?? '',
            overdueAfter: due.plus({ days: policy.due?.graceDays ?? 0 }).toISO() ?? '',
          };
          datesCache.set(key, dates);
        }
        return dates;
      };

      /** Opens the rows a statement's instant belongs to, as completionsOf chooses them. */
      const openRows = (official: Official, facts: readonly LearningFact[]) => {
        const ancestry = tree.ancestry(official.orgUnit);
        for (const [policyId, versions] of policies) {
          const rows = rowsOf(official.officialId, policyId, versions);
          for (const version of versions)
            for (const fact of facts) {
              const period = periodAt(version, fact.timestampMs, official);
              if (!period || rows.has(period.id)) continue;
              const inForce = inForceOf(policyId, versions, period);
              if (!inForce || !inPopulation(inForce, official, ancestry)) continue;
              rows.set(period.id, newRow(official, period, inForce));
            }
        }
      };

      const newRow = (official: Official, period: Period, policy: Policy): Row => {
        const { proRata, exemptDays } = proRating(policy, period, reader.exemptions(official.officialId));
        return {
          period: period.id,
          ...datesOf(period, policy),
          version: policy.version,
          policy,
          proRata,
          exemptDays,
          tally: emptyTally(),
          dirty: true,
          parts: null,
          completedOn: null,
          earliestChange: Number.POSITIVE_INFINITY,
        };
      };

      /**
       * Withdraws what the entry added before this batch and adds what it adds now, for every
       * policy. `facts` is its whole registration group (which decides whether a `satisfied`
       * counts); `before` the same group as it stood before the batch, null after a reset.
       */
      const recountEntry = (
        officialId: string,
        key: string,
        facts: readonly LearningFact[],
        before: readonly LearningFact[] | null,
      ) => {
        for (const [policyId, versions] of policies) {
          const rows = rowsOf(officialId, policyId, versions);
          for (const row of rows.values()) {
            const period = { id: row.period, startMs: row.startMs, endMs: row.endMs };
            const old =
              before && before.length > 0 ? entryParts(before, key, row.policy, period, catalog) : [];
            const now = entryParts(facts, key, row.policy, period, catalog);
            for (const part of old) applyPart(row.tally, part, -1);
            for (const part of now) applyPart(row.tally, part, 1);
            if (before === null && row.parts !== null) row.parts.push(...now);
            for (const part of [...old, ...now])
              if (part.counted && part.earnedAtMs !== null && part.earnedAtMs < row.earliestChange)
                row.earliestChange = part.earnedAtMs;
            if (old.length > 0 || now.length > 0) row.dirty = true;
          }
        }
      };

      // Every part of a row's tally, from the official's facts (when the tally was updated, not
      // recounted, in this call): what completionInstant replays.
      const factsCache = new Map<string, LearningFact[]>();
      const partsOf = (officialId: string, row: Row): EntryPart[] => {
        let facts = factsCache.get(officialId);
        if (!facts) {
          facts = reader.facts(officialId);
          factsCache.set(officialId, facts);
        }
        const period = { id: row.period, startMs: row.startMs, endMs: row.endMs };
        const parts: EntryPart[] = [];
        for (const group of registrationGroups(facts).values())
          for (const key of new Set(group.map((f) => entryKey(f.activityId, f.registration))))
            parts.push(...entryParts(group, key, row.policy, period, catalog));
        return parts;
      };

      /**
       * The date a complete row became complete. Kept as stored when this call changed only parts
       * earned on later days (the passing prefix is unchanged, and nothing earlier changed);
       * otherwise replayed from every part of its tally.
       */
      const completionDate = (officialId: string, row: Row): string | null => {
        const day = (ms: number) => DateTime.fromMillis(ms, { zone: row.policy.timeZone }).toISODate()!;
        if (
          row.parts === null &&
          row.completedOn !== null &&
          (row.earliestChange === Number.POSITIVE_INFINITY || day(row.earliestChange) > row.completedOn)
        )
          return row.completedOn;
        const at = completionInstant(row.parts ?? partsOf(officialId, row), row.policy, row.proRata);
        return at === null ? null : day(at);
      };

      const recountOfficial = (officialId: string) => {
        q.clearRows.run(officialId);
        for (const policyId of policies.keys()) rowCache.set(`${officialId}\u0000${policyId}`, new Map());
        const official = officialOf(officialId);
        if (!official || policies.size === 0) return;
        const facts = reader.facts(officialId);
        factsCache.set(officialId, facts);
        openRows(official, facts);
        for (const rows of policies.keys())
          for (const row of rowCache.get(`${officialId}\u0000${rows}`)!.values()) row.parts = [];
        for (const group of registrationGroups(facts).values()) recountGroup(officialId, group, null);
      };

      // The group as it stood before this batch: without its new facts, without this batch's voids.
      const beforeBatch = (group: readonly LearningFact[]): LearningFact[] =>
        group
          .filter((f) => f.seq < batchStart)
          .map((f) => (f.voided !== null && changes.voided.has(f.statementId) ? { ...f, voided: null } : f));

      const recountGroup = (
        officialId: string,
        group: readonly LearningFact[],
        before: readonly LearningFact[] | null,
      ) => {
        const keys = new Set(group.map((f) => entryKey(f.activityId, f.registration)));
        for (const key of [...keys].sort()) recountEntry(officialId, key, group, before);
      };

      const recounted = new Set<string>(
        changes.everyone
          ? q.allOfficials.all().map((r) => r.official_id)
          : [...changes.registry, ...recountAlso],
      );
      for (const officialId of recounted) recountOfficial(officialId);
      for (const [officialId, keys] of changes.entries) {
        if (recounted.has(officialId)) continue;
        const official = officialOf(officialId);
        if (!official || policies.size === 0) continue;
        // A registration is one cmi5 enrolment: its entries are recounted together.
        const groups = new Map<string, LearningFact[]>();
        for (const key of keys) {
          const [activityId, registration] = key.split('\u0000') as [string, string];
          const group = registration === '' ? `a:${activityId}` : `r:${registration}`;
          if (groups.has(group)) continue;
          const rows =
            registration === ''
              ? q.entryFacts.all(batchStart, officialId, '', activityId)
              : q.registrationFacts.all(batchStart, officialId, registration);
          groups.set(
            group,
            rows.map((row) => ({
              ...(changes.records.get(row.statement_id) ?? (JSON.parse(row.record ?? 'null') as FactRecord)),
              officialId,
              seq: row.seq,
              voided: row.voided === null ? null : (JSON.parse(row.voided) as LearningFact['voided']),
            })),
          );
        }
        // Rows for the periods of earlier facts exist already (opened when those facts arrived, or
        // by a recount): only this batch's facts can open a period (each is a luxon conversion).
        openRows(
          official,
          [...groups.values()].flat().filter((f) => f.seq >= batchStart),
        );
        for (const group of groups.values()) recountGroup(officialId, group, beforeBatch(group));
      }

      for (const [key, rows] of rowCache) {
        const [officialId, policyId] = key.split('\u0000') as [string, string];
        for (const row of rows.values()) {
          if (!row.dirty) continue;
          const j = judge(row.tally, row.policy, row.proRata);
          const completedOn = j.status === 'completed' ? completionDate(officialId, row) : null;
          const record: RecordOf & { flags: string[] } = {
            startMs: row.startMs,
            endMs: row.endMs,
            proRata: row.proRata,
            exemptDays: row.exemptDays,
            periodStart: row.periodStart,
            periodEnd: row.periodEnd,
            due: row.due,
            overdueAfter: row.overdueAfter,
            flags: j.flags,
            tally: tallyJson(row.tally) as unknown as Tally,
          };
          q.upsertRow.run(
            officialId,
            policyId,
            row.period,
            row.version,
            j.status,
            j.earnedHours,
            JSON.stringify(j.hoursByCategory),
            row.overdueAfter,
            completedOn,
            JSON.stringify(record),
          );
        }
      }
    }
  },
});

/** Officials recounted per settle transaction: a part of a few hundred milliseconds at most. */
const SETTLE_PART = 200;

/**
 * Events per completion batch. Since the recount moved to the end of a catch-up (decision 017)
 * the per-batch work no longer favours large batches: the 1M-statement rebuild (`pnpm bench
 * training`, 2 runs each) ran at 28.8k statements/s in batches of 5,000 and 30.5k in batches of
 * 1,000, and the smaller batch keeps the projector thread's heap ~75 MB lower while it catches up
 * behind a fast ingest (statements bench at 400k: peak RSS 654 -> 581 MB).
 */
export const COMPLETION_BATCH = 1000;

/** One official × policy × period as the completion read model materialised it. */
export interface CompletionRow {
  officialId: string;
  policyId: string;
  period: string;
  /** As the log knows it; `overdue` is decided against the clock (statusAt). */
  status: Exclude<CompletionStatus, 'overdue'>;
  earnedHours: number;
  hoursByCategory: Record<string, number>;
  overdueAfter: string;
  /** The official's org unit today (null when the registry no longer knows them). */
  orgUnit: string | null;
}

interface CompletionTableRow {
  official_id: string;
  policy_id: string;
  period: string;
  status: string;
  earned_hours: number;
  hours: string;
  overdue_after: string;
  org_unit: string | null;
}

const completionRow = (r: CompletionTableRow): CompletionRow => ({
  officialId: r.official_id,
  policyId: r.policy_id,
  period: r.period,
  status: r.status as CompletionRow['status'],
  earnedHours: r.earned_hours,
  hoursByCategory: JSON.parse(r.hours) as Record<string, number>,
  overdueAfter: r.overdue_after,
  orgUnit: r.org_unit,
});

/** Reads of the completion read model: the ledger's reads and the materialised completion rows. */
export class CompletionReader extends LedgerReader {
  private readonly rowsOfPeriod;
  private readonly everyRow;
  private readonly rowsOfOfficial;
  constructor(db: Database.Database) {
    super(db);
    const select =
      'SELECT c.official_id, c.policy_id, c.period, c.status, c.earned_hours, c.hours, c.overdue_after, o.org_unit FROM completion c LEFT JOIN official o ON o.official_id = c.official_id';
    this.rowsOfPeriod = db.prepare<[string, string], CompletionTableRow>(
      `${select} WHERE c.policy_id = ? AND c.period = ?`,
    );
    this.everyRow = db.prepare<[], CompletionTableRow>(select);
    this.rowsOfOfficial = db.prepare<[string], CompletionTableRow>(
      `${select} WHERE c.official_id = ? ORDER BY c.policy_id, c.period`,
    );
  }

  /** The materialised rows of one policy period, by official id. */
  periodRows(policyId: string, period: string): Map<string, CompletionRow> {
    return new Map(this.rowsOfPeriod.all(policyId, period).map((r) => [r.official_id, completionRow(r)]));
  }

  /** One official's materialised rows, every policy and period (the personal-data export). */
  officialRows(officialId: string): CompletionRow[] {
    return this.rowsOfOfficial.all(officialId).map(completionRow);
  }

  /**
   * The learning date (YYYY-MM-DD, the policy's zone) on which each official of a policy period
   * became complete, by official id; officials not complete are absent (the dashboard's week-by-week chart).
   */
  completionDates(policyId: string, period: string): Map<string, string> {
    return new Map(
      this.db
        .prepare<[string, string], [string, string]>(
          'SELECT official_id, completed_on FROM completion WHERE policy_id = ? AND period = ? AND completed_on IS NOT NULL',
        )
        .raw()
        .all(policyId, period),
    );
  }

  /** Every materialised row (completion webhooks compare them with what they last notified). */
  allRows(): CompletionRow[] {
    return this.everyRow.all().map(completionRow);
  }
}

/**
 * How completion counting changed, by the completion read model's version: what a verification
 * cites when a report snapshot taken under an earlier version does not reproduce from the same log
 * prefix. An auditor then reads a rule change, never tampering (TRAINING-DOMAIN, Audits).
 */
export const COMPLETION_RULE_CHANGES: readonly {
  version: number;
  release: string;
  changes: readonly string[];
}[] = [
  {
    version: 5,
    release: 'counting rules 2 (December 2026)',
    changes: [
      'sessions, supervision meetings and internship log entries whose catalog entry says each-statement earn once per statement, not once per activity and registration',
      'a category no requirement of the policy names is recorded but not counted: no earned hours, no progress',
      "reports carry the period's last day and its due date (lastDay, dueDate)",
      'fingerprints leave out log positions, so the same events give the same fingerprint on SQLite and EventStoreDB (decision 031)',
    ],
  },
  {
    version: 6,
    release: 'programme statistics at scale, dated staff groups and personal data protection (December 2026)',
    changes: [
      "the ledger's facts carry the statement's verb and learning time as columns, and the registry keeps each official's dated staff groups: the read model's fingerprint changes, no completion figure does",
      'programme statistics count an attendance in the staff group the official was in on its learning date (decision 057), as they already did for the org unit',
      "no counting change: the fingerprint hashes a fact's person by pseudonym instead of their xAPI identifier, so a snapshot taken before a person's erasure still verifies (decision 065); a snapshot recorded under version 5 differs in the fingerprint only",
    ],
  },
  {
    version: 7,
    release: 'programme statistics over numbered activities (December 2026)',
    changes: [
      "the ledger numbers the activities its facts are about, and each fact keeps that number and an attendance kind instead of the verb: the read model's fingerprint changes, no completion or statistics figure does",
    ],
  },
  {
    version: 8,
    release: 'erasure of officials (December 2026)',
    changes: [
      "no counting change: the fingerprint hashes an official's id as their pseudonym and leaves their name, identifiers and exemption reasons out, and a snapshot's rows and report hash name officials by pseudonym, so a snapshot taken before an official's erasure still verifies after it (decision 077); a snapshot recorded under version 7 differs in the fingerprint and report hash only",
    ],
  },
  {
    version: 9,
    release: 'token subjects not recorded (December 2026)',
    changes: [
      "no counting change: a fact recorded by a person (a bearer token's own agent) names that authority by pseudonym instead of their name, so a snapshot taken before that person's erasure still verifies after it (decision 086); a snapshot recorded under version 8 differs in the fingerprint only, and only where such facts exist",
    ],
  },
];
