// The same events in the SQLite log and in an EventStoreDB log (the in-process gRPC server of
// @lrs/event-log's tests: positions there are byte offsets, not event numbers) must give the
// transcripts and completion read models one fingerprint each: a fingerprint compares content,
// and the ledger's positional `seq` column is left out of it.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppendRequest, EventLog, JsonValue } from '@lrs/event-log';
import { openEsdbEventLog, openSqliteEventLog } from '@lrs/event-log';
import { FakeEsdb } from '@lrs/event-log/testing/fake-esdb';
import { replayProjection } from '@lrs/projections';
import { anActivity, anAgent, aStatement, verbs } from '@lrs/testkit';
import {
  activityHash,
  CATALOG_ENTRY_RECORDED,
  catalogStream,
  completionProjection,
  OFFICIAL_RECORDED,
  officialStream,
  POLICY_PUBLISHED,
  type Policy,
  policyStream,
  transcriptsProjection,
} from '@lrs/training';
import { expect } from 'chai';

const LMS = 'https://lms.example.kr';
const COURSES = [0, 1, 2].map((i) => `https://lms.example.kr/courses/c${i}`);

function theEvents(): AppendRequest[] {
  const policy = JSON.parse(
    readFileSync(
      new URL('../../../examples/policies/city-annual-welfare-education.json', import.meta.url),
      'utf8',
    ),
  ) as Policy;
  const requests: AppendRequest[] = [
    ...COURSES.map((activityId, i) => ({
      stream: catalogStream(activityHash(activityId)),
      events: [
        {
          type: CATALOG_ENTRY_RECORDED,
          data: {
            activityId,
            title: { en: `Course ${i}` },
            category: i % 2 === 0 ? 'basic' : 'job',
            nominalHours: 1 + i,
            modality: 'self-paced',
            provider: 'eLMS',
          },
        },
      ],
    })),
    {
      stream: policyStream(policy.policyId, 1),
      events: [{ type: POLICY_PUBLISHED, data: { policy, publishedBy: 'test' } as unknown as JsonValue }],
    },
    ...['o1', 'o2'].map((id) => ({
      stream: officialStream(id),
      events: [
        {
          type: OFFICIAL_RECORDED,
          data: {
            officialId: id,
            name: id,
            orgUnit: 'district',
            orgUnitFrom: null,
            staffGroup: 'social-welfare',
            jurisdiction: 'city',
            employedFrom: null,
            employedTo: null,
            identifiers: [{ account: { homePage: LMS, name: id } }],
          } as JsonValue,
        },
      ],
    })),
  ];
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const who = ['o1', 'o2', 'stranger'][i % 3]!;
    const builder =
      i % 7 === 6 && ids.length > 0
        ? aStatement()
            .withActor(anAgent().withAccount(LMS, who))
            .voiding(ids[i - 3]!)
        : aStatement()
            .withActor(anAgent().withAccount(LMS, who))
            .withVerb(i % 2 ? verbs.completed : verbs.attended)
            .withActivity(anActivity(COURSES[i % 3]!))
            .lasting('PT2H')
            .at(`2024-0${1 + (i % 9)}-15T10:00:00+09:00`);
    builder.withId(randomUUID());
    const statement = builder.build() as unknown as { id: string };
    ids.push(statement.id);
    requests.push({
      stream: `statement-${statement.id}`,
      events: [{ type: 'xapi.statement.stored', data: { statement } as unknown as JsonValue }],
    });
  }
  return requests;
}

async function fingerprintsOf(log: EventLog, dir: string, tag: string) {
  const upTo = (await log.headPosition())!;
  const transcripts = await replayProjection(log, transcriptsProjection, {
    upTo,
    file: join(dir, `${tag}-transcripts.sqlite`),
    batchSize: 9,
  });
  const completion = await replayProjection(log, completionProjection, {
    upTo,
    file: join(dir, `${tag}-completion.sqlite`),
    batchSize: 9,
  });
  return {
    transcripts: transcripts.fingerprint,
    completion: completion.fingerprint,
    events: transcripts.eventsRead,
  };
}

describe('read models of the same events on SQLite and EventStoreDB', function () {
  this.timeout(30_000);

  it('have the same transcripts and completion fingerprints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cross-adapter-'));
    const fake = await FakeEsdb.start();
    const sqlite = await openSqliteEventLog({ file: join(dir, 'log.sqlite') });
    const esdb = await openEsdbEventLog({ connectionString: fake.url });
    try {
      // One append at a time, so both logs hold the events in the same order.
      for (const r of theEvents()) {
        await sqlite.append(r.stream, r.events);
        await esdb.append(r.stream, r.events);
      }
      // The same events: the same data and record time (part of the models: `stored`); only
      // the positions differ.
      const recorded = new Map((await sqlite.readAll()).map((e) => [e.stream, e.recorded]));
      for (const e of fake.log) e.created = recorded.get(e.stream) ?? e.created;
      const a = await fingerprintsOf(sqlite, dir, 'sqlite');
      const b = await fingerprintsOf(esdb, dir, 'esdb');
      expect(b.events).to.equal(a.events);
      expect(a.events).to.be.greaterThan(30);
      // The positions really differ: EventStoreDB's start at 1000 and step by 100 here.
      expect((await esdb.headPosition())!.commit).to.not.equal((await sqlite.headPosition())!.commit);
      expect(b).to.deep.equal(a);
    } finally {
      await esdb.close();
      await sqlite.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
