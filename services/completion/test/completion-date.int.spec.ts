// The completion read model keeps the learning date each official × policy × period became
// complete (issue 22: the portal draws completion over the period week by week): the date of the
// entry that made the requirement tree pass, in the policy's zone; a void that undoes it moves the
// date to the entry that now makes it pass, or clears it.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppendRequest, EventLog, JsonValue } from '@lrs/event-log';
import { openSqliteEventLog } from '@lrs/event-log';
import { openReadOnly, replayProjection, startProjection } from '@lrs/projections';
import { anActivity, anAgent, aStatement, type StatementBuilder, verbs } from '@lrs/testkit';
import {
  activityHash,
  CATALOG_ENTRY_RECORDED,
  CompletionReader,
  catalogStream,
  completionProjection,
  OFFICIAL_RECORDED,
  ORG_UNIT_RECORDED,
  officialStream,
  orgUnitStream,
  POLICY_PUBLISHED,
  type Policy,
  policyStream,
} from '@lrs/training';
import type Database from 'better-sqlite3';
import { expect } from 'chai';

const LMS = 'https://lms.example.kr';
const course = (name: string) => `${LMS}/courses/${name}`;
const COURSES = [
  { name: 'ethics', category: 'basic', hours: 3 },
  { name: 'case-management', category: 'job', hours: 3 },
  { name: 'counselling', category: 'job', hours: 2 },
  { name: 'crisis-households', category: 'job', hours: 2 },
];

const statementEvent = (s: StatementBuilder): AppendRequest => {
  const statement = s.build() as unknown as { id: string };
  return {
    stream: `statement-${statement.id}`,
    events: [{ type: 'xapi.statement.stored', data: { statement } as unknown as JsonValue }],
  };
};
const kim = anAgent().withAccount(LMS, 'kim');
const completed = (id: string, name: string, hours: number, at: string) =>
  aStatement()
    .withId(id)
    .withActor(kim)
    .withVerb(verbs.completed)
    .withActivity(anActivity(course(name)))
    .inRegistration(randomUUID())
    .lasting(`PT${hours}H`)
    .at(at);
const voiding = (target: string) => aStatement().withId(randomUUID()).withActor(kim).voiding(target);

async function givenKimsYear(log: EventLog): Promise<{ counselling: string; crisis: string }> {
  const policy = JSON.parse(
    readFileSync(
      new URL('../../../examples/policies/city-annual-welfare-education.json', import.meta.url),
      'utf8',
    ),
  ) as Policy;
  await log.appendMany([
    {
      stream: orgUnitStream('city'),
      events: [{ type: ORG_UNIT_RECORDED, data: { orgUnitId: 'city', name: 'City', parent: null } }],
    },
    ...COURSES.map((c) => ({
      stream: catalogStream(activityHash(course(c.name))),
      events: [
        {
          type: CATALOG_ENTRY_RECORDED,
          data: {
            activityId: course(c.name),
            title: { en: c.name },
            category: c.category,
            nominalHours: c.hours,
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
    {
      stream: officialStream('kim'),
      events: [
        {
          type: OFFICIAL_RECORDED,
          data: {
            officialId: 'kim',
            name: 'Kim Min-ji',
            orgUnit: 'city',
            orgUnitFrom: null,
            staffGroup: 'social-welfare',
            jurisdiction: 'city',
            employedFrom: null,
            employedTo: null,
            identifiers: [{ account: { homePage: LMS, name: 'kim' } }],
          },
        },
      ],
    },
  ]);
  const ids = { counselling: randomUUID(), crisis: randomUUID() };
  await log.appendMany(
    [
      completed(randomUUID(), 'ethics', 3, '2024-03-04T10:00:00+09:00'),
      completed(randomUUID(), 'case-management', 3, '2024-05-06T10:00:00+09:00'),
      // 1 July 00:30 in Seoul (30 June in UTC): the eighth hour, basic 3 and job 5.
      completed(ids.counselling, 'counselling', 2, '2024-07-01T00:30:00+09:00'),
      completed(ids.crisis, 'crisis-households', 2, '2024-09-10T10:00:00+09:00'),
    ].map(statementEvent),
  );
  return ids;
}

describe('completion: the date each official became complete (issue 22)', function () {
  this.timeout(60_000);
  let dir: string;
  let log: EventLog;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'completion-date-'));
    log = await openSqliteEventLog({ file: join(dir, 'log.sqlite') } as never);
  });
  afterEach(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Kim completed the 8 hours on 1 July (Seoul) with counselling; voided, crisis households on 10 September completes it; voided too, Kim is not complete — live and rebuilt alike', async () => {
    const ids = await givenKimsYear(log);
    const running = await startProjection(log, completionProjection, { file: join(dir, 'live.sqlite') });
    const dateNow = async () => {
      await running.caughtUp();
      return new CompletionReader(running.readDb() as Database.Database)
        .completionDates('city-annual-welfare-education', '2024')
        .get('kim');
    };
    const rebuilt = async (name: string) => {
      const file = join(dir, `${name}.sqlite`);
      await replayProjection(log, completionProjection, {
        upTo: (await log.headPosition())!,
        file,
        defer: true,
      });
      const db = openReadOnly(file) as Database.Database;
      const date = new CompletionReader(db)
        .completionDates('city-annual-welfare-education', '2024')
        .get('kim');
      db.close();
      return date;
    };
    expect(await dateNow()).to.equal('2024-07-01');
    expect(await rebuilt('first')).to.equal('2024-07-01');

    await log.appendMany([statementEvent(voiding(ids.counselling))]);
    expect(await dateNow()).to.equal('2024-09-10');
    expect(await rebuilt('second')).to.equal('2024-09-10');

    await log.appendMany([statementEvent(voiding(ids.crisis))]);
    expect(await dateNow()).to.equal(undefined);
    expect(await rebuilt('third')).to.equal(undefined);
    await running.stop();
  });
});
