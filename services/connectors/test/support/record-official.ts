// Another process recording an official in the same SQLite log (an import CLI, a second server):
// node --import tsx record-official.ts <events.sqlite> <officialId> <homePage> <name>
import { openSqliteEventLog } from '@lrs/event-log';
import { OFFICIAL_RECORDED, officialStream } from '@lrs/training';

const [file, id, homePage, name] = process.argv.slice(2) as [string, string, string, string];
const log = await openSqliteEventLog({ file });
await log.append(officialStream(id), [
  {
    type: OFFICIAL_RECORDED,
    data: {
      officialId: id,
      name,
      orgUnit: 'seoul',
      orgUnitFrom: null,
      staffGroup: 'general',
      jurisdiction: 'seoul',
      employedFrom: null,
      employedTo: null,
      identifiers: [{ account: { homePage, name: id } }],
    },
  },
]);
await log.close();
