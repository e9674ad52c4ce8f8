// The projections the projector-thread tests run on the worker (ProjectorThread's catalog).
import { existsSync } from 'node:fs';
import type { RecordedEvent } from '@lrs/event-log';
import { defineProjection, type ProjectionDefinition } from '../../src/index';
import { tallyProjection } from './tally-projection';

/** Event types of `guarded`: a fault happens only while the file named in the event exists. */
export const FAULT = 'fault.requested';
export const EXIT = 'exit.requested';

/**
 * Counts events; an event of type FAULT throws and one of type EXIT ends the whole thread
 * (process.exit in a worker ends the worker), each only while its `file` exists, so a test can
 * clear the cause and restart.
 */
export const guardedProjection: ProjectionDefinition = defineProjection({
  name: 'guarded',
  version: 1,
  migrations: ['CREATE TABLE seen (position INTEGER PRIMARY KEY, type TEXT NOT NULL)'],
  tables: [{ name: 'seen', key: ['position'] }],
  init: (db) => {
    const insert = db.prepare('INSERT INTO seen (position, type) VALUES (?, ?)');
    return (events: RecordedEvent[]) => {
      for (const event of events) {
        const file = (event.data as { file?: string }).file;
        if (file && existsSync(file)) {
          if (event.type === FAULT) throw new Error('disk is full (test fault)');
          if (event.type === EXIT) process.exit(3);
        }
        insert.run(Number(event.position.commit), event.type);
      }
    };
  },
});

export const projections: readonly ProjectionDefinition[] = [tallyProjection(), guardedProjection];
