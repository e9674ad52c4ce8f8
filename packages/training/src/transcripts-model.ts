import type { RecordedEvent } from '@lrs/event-log';
import { PRIVACY_EVENT_PREFIX, STATEMENT_EVENT } from '@lrs/events';
import { type ApplyContext, defineProjection } from '@lrs/projections';
import { LEDGER_MIGRATIONS, LEDGER_TABLES, openLedger } from './ledger';
import { TRAINING_EVENT_PREFIX } from './reference-data';

/**
 * The transcripts read model: the learning ledger (registry, catalog, one fact per statement).
 * Entries and credit are derived per request from one official's facts, so a catalog change or a
 * late identifier link needs no rewrite of entries and a rebuild is one pass over the log.
 */
export const transcriptsProjection = defineProjection({
  name: 'transcripts',
  // 2: fact keeps activity and registration as columns (decision 005). 3: facts in log order, loaded
  // without indexes by a rebuild (decision 019). 4: fact keeps verb and learning time as columns,
  // indexed for the programme statistics (decision 056). 5: that index holds an activity number
  // and an attendance kind (integers) instead of the activity and verb IRIs (decision 056).
  // 4 also: facts name their person by pseudonym for the fingerprint (decision 065).
  // 6: each official's pseudonym kept, official ids hashed as pseudonyms (decision 077).
  // 7: a fact's authority, when it is a person, by pseudonym (decision 086).
  version: 7,
  migrations: [...LEDGER_MIGRATIONS],
  tables: LEDGER_TABLES,
  filter: { typePrefixes: [STATEMENT_EVENT, TRAINING_EVENT_PREFIX, PRIVACY_EVENT_PREFIX] },
  init: (db) => {
    const ledger = openLedger(db);
    return {
      apply: (events: RecordedEvent[], ctx: ApplyContext) => {
        ledger.apply(events, ctx.catchingUp);
      },
      settle: () => ledger.settle(),
    };
  },
});
