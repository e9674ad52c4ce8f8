import type { RecordedEvent } from '@lrs/event-log';
import { defineProjection } from '@lrs/projections';
import { storedStatementOf } from '@lrs/service-lrs';
import {
  LEDGER_MIGRATIONS,
  LEDGER_TABLES,
  LedgerReader,
  ledgerApplier,
  STATEMENT_STORED,
  TRAINING_EVENT_PREFIX,
} from '@lrs/training';
import type Database from 'better-sqlite3';
import { completionsOf } from './evaluate';

/**
 * Completion per official × policy × period, materialised for the reports. Each batch recomputes
 * the officials it touched from the ledger (all of them after a catalog, policy or org-tree
 * change), so the result does not depend on batch boundaries and a rebuild gives the same
 * fingerprint. `overdue` depends on the clock and is decided at read time.
 */
export const completionProjection = defineProjection({
  name: 'completion',
  version: 1,
  migrations: [
    ...LEDGER_MIGRATIONS,
    'CREATE TABLE completion (official_id TEXT NOT NULL, policy_id TEXT NOT NULL, period TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL, earned_hours REAL NOT NULL, hours TEXT NOT NULL, overdue_after TEXT NOT NULL, record TEXT NOT NULL, PRIMARY KEY (official_id, policy_id, period))',
    'CREATE INDEX completion_report ON completion (policy_id, period)',
  ],
  tables: [...LEDGER_TABLES, { name: 'completion', key: ['official_id', 'policy_id', 'period'] }],
  filter: { typePrefixes: [STATEMENT_STORED, TRAINING_EVENT_PREFIX] },
  init: (db: Database.Database) => {
    const apply = ledgerApplier(db, storedStatementOf);
    const reader = new LedgerReader(db);
    const allOfficials = db.prepare<[], { official_id: string }>(
      'SELECT official_id FROM official ORDER BY official_id',
    );
    const clear = db.prepare('DELETE FROM completion WHERE official_id = ?');
    const insert = db.prepare(
      'INSERT INTO completion (official_id, policy_id, period, version, status, earned_hours, hours, overdue_after, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    return (events: RecordedEvent[]) => {
      const changes = apply(events);
      const officials = changes.everyone
        ? allOfficials.all().map((r) => r.official_id)
        : [...changes.officials];
      if (officials.length === 0) return;
      const policies = reader.policies();
      const tree = reader.orgTree();
      for (const officialId of officials) {
        clear.run(officialId);
        const official = reader.official(officialId);
        if (!official || policies.length === 0) continue;
        for (const c of completionsOf(reader, official, policies, tree)) {
          insert.run(
            c.officialId,
            c.policyId,
            c.period,
            c.version,
            c.status,
            c.earnedHours,
            JSON.stringify(c.hoursByCategory),
            c.overdueAfter,
            JSON.stringify(c),
          );
        }
      }
    };
  },
});
