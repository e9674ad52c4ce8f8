import type { EventLog, RecordedEvent } from '@lrs/event-log';
import { STATEMENT_EVENT, storedStatementOf } from '@lrs/events';
import { defineProjection, inlineProjectors, RunningReadModel, type StartProjector } from '@lrs/projections';
import type { ActivityDefinition, CanonicalSources } from '@lrs/xapi';
import type Database from 'better-sqlite3';
import { activityDefinitionsIn, mergeDefinition } from './canonical-definition';

/** Canonical Activity definitions, merged in log order from the definitions seen in statements. */
export const activitiesIndexProjection = defineProjection({
  name: 'activities-index',
  version: 1,
  migrations: ['CREATE TABLE activities (id TEXT PRIMARY KEY, definition TEXT NOT NULL) WITHOUT ROWID'],
  tables: [{ name: 'activities', key: ['id'] }],
  filter: { typePrefixes: [STATEMENT_EVENT] },
  init: (db) => {
    const get = db.prepare('SELECT definition FROM activities WHERE id = ?').pluck();
    const put = db.prepare(
      'INSERT INTO activities (id, definition) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET definition = excluded.definition',
    );
    return (events: RecordedEvent[]) => {
      for (const event of events) {
        for (const { id, definition } of activityDefinitionsIn(storedStatementOf(event))) {
          const stored = get.get(id) as string | undefined;
          const current = stored === undefined ? undefined : (JSON.parse(stored) as ActivityDefinition);
          const merged = mergeDefinition(current, definition);
          if (stored === undefined || JSON.stringify(merged) !== stored) put.run(id, JSON.stringify(merged));
        }
      }
    };
  },
});

/** Reads of the activities index. */
export class ActivitiesIndexReader {
  private readonly byId: Database.Statement;
  constructor(db: Database.Database) {
    this.byId = db.prepare('SELECT definition FROM activities WHERE id = ?').pluck();
  }

  definition(activityId: string): ActivityDefinition | undefined {
    const json = this.byId.get(activityId) as string | undefined;
    return json === undefined ? undefined : (JSON.parse(json) as ActivityDefinition);
  }
}

/** The running activities index: the Activities resource and `format=canonical` read it. */
export class ActivitiesIndex extends RunningReadModel<ActivitiesIndexReader> {
  static async start(
    log: EventLog,
    dataDir: string,
    startProjector: StartProjector = inlineProjectors(log),
  ): Promise<ActivitiesIndex> {
    const running = await startProjector(activitiesIndexProjection, { dataDir });
    return new ActivitiesIndex(running, log, (db) => new ActivitiesIndexReader(db));
  }

  definition(activityId: string): ActivityDefinition | undefined {
    return this.reader().definition(activityId);
  }

  /** For formatStatement's canonical format (Communication 2.1.3). */
  sources(): CanonicalSources {
    return { activityDefinition: (id) => this.definition(id) };
  }
}
