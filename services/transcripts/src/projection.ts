import type { RecordedEvent } from '@lrs/event-log';
import { type ApplyContext, defineProjection } from '@lrs/projections';
import {
  LEDGER_MIGRATIONS,
  LEDGER_TABLES,
  openLedger,
  STATEMENT_STORED,
  TRAINING_EVENT_PREFIX,
} from '@lrs/training';
// The statement event's own module, not @lrs/service-lrs: that index loads the LRS app, which mounts
// these services (and the audit service, which imports this projection), an import cycle.
import { storedStatementOf } from '../../lrs/src/statements/statement-event';

/**
 * The transcripts read model: the learning ledger (registry, catalog, one fact per statement).
 * Entries and credit are derived per request from one official's facts, so a catalog change or a
 * late identifier link needs no rewrite of entries and a rebuild is one pass over the log.
 */
export const transcriptsProjection = defineProjection({
  name: 'transcripts',
  // 2: fact keeps activity and registration as columns (decision 005). 3: facts in log order, loaded
  // without indexes by a rebuild (decision 019).
  version: 3,
  migrations: [...LEDGER_MIGRATIONS],
  tables: LEDGER_TABLES,
  filter: { typePrefixes: [STATEMENT_STORED, TRAINING_EVENT_PREFIX] },
  init: (db) => {
    const ledger = openLedger(db, storedStatementOf);
    return {
      apply: (events: RecordedEvent[], ctx: ApplyContext) => {
        ledger.apply(events, ctx.catchingUp);
      },
      settle: () => ledger.settle(),
    };
  },
});
