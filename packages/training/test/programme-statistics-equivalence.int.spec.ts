// Programme statistics as the ledger computes them (LedgerReader: the SQL aggregation of decision
// 056) against a straightforward recount of the same facts (aLedgerOf: every fact in memory, per
// official × programme × registration). A seeded department: officials who move between org units
// and staff groups during the year, registrations whose sessions span days and the window's edges,
// voids (some arriving before their target), an identifier the registry links late, statements
// of strangers and of non-attendance verbs. The ledger is built both ways a service builds it: as a
// rebuild (loaded without indexes, decision 019) and live, batch by batch.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppendRequest, EventLog, JsonValue } from '@lrs/event-log';
import { openSqliteEventLog } from '@lrs/event-log';
import { openReadOnly, startProjection } from '@lrs/projections';
import { aLedgerOf, anActivity, anAgent, aStatement, type StatementBuilder, verbs } from '@lrs/testkit';
import {
  activityHash,
  CATALOG_ENTRY_RECORDED,
  type CatalogEntry,
  catalogStream,
  LedgerReader,
  OFFICIAL_RECORDED,
  type Official,
  ORG_UNIT_RECORDED,
  officialStream,
  orgUnitStream,
  programmeStatistics,
  type StatisticsScope,
  statisticsWindow,
  transcriptsProjection,
} from '@lrs/training';
import { expect } from 'chai';

const LMS = 'https://lms.example.hk';
const ZONE = 'Asia/Hong_Kong';
const UNITS = [
  { orgUnitId: 'department', name: 'Department', parent: null },
  { orgUnitId: 'family', name: 'Family services', parent: 'department' },
  { orgUnitId: 'security', name: 'Social security', parent: 'department' },
  { orgUnitId: 'security-north', name: 'Social security, north', parent: 'security' },
  { orgUnitId: 'security-south', name: 'Social security, south', parent: 'security' },
];
const LEAVES = ['family', 'security-north', 'security-south'];
const GROUPS = ['social-work', 'social-security', 'clerical'];
const COURSES: CatalogEntry[] = Array.from({ length: 9 }, (_, i) => ({
  activityId: `${LMS}/programmes/p${i}`,
  title: { en: `Programme ${i}` },
  category: ['professional', 'orientation', 'management'][i % 3]!,
  nominalHours: i === 4 ? null : 1 + (i % 4) * 1.25,
  modality: 'classroom',
  provider: 'Training section',
})) as unknown as CatalogEntry[];
/** Attended by officials but not in the catalog: never counted. */
const UNCATALOGUED = `${LMS}/programmes/not-in-catalog`;

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const official = (o: Official): AppendRequest => ({
  stream: officialStream(o.officialId),
  events: [{ type: OFFICIAL_RECORDED, data: o as unknown as JsonValue }],
});
const statement = (s: StatementBuilder): AppendRequest => {
  const built = s.build() as unknown as { id: string };
  return {
    stream: `statement-${built.id}`,
    events: [{ type: 'xapi.statement.stored', data: { statement: built } as unknown as JsonValue }],
  };
};

/** The department's year as batches of log appends, and every official record in log order. */
function aDepartmentYear(random: () => number): { batches: AppendRequest[][]; officials: Official[] } {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const officials: Official[] = [];
  const record = (o: Official) => {
    officials.push(o);
    return official(o);
  };
  const ids = Array.from({ length: 24 }, (_, i) => `off-${String(i).padStart(2, '0')}`);
  const first = ids.map((id, i) =>
    record({
      officialId: id,
      name: `Official ${i}`,
      orgUnit: pick(LEAVES),
      orgUnitFrom: null,
      staffGroup: pick(GROUPS),
      staffGroupFrom: null,
      jurisdiction: i % 6 === 5 ? 'elsewhere' : 'department',
      employedFrom: null,
      employedTo: null,
      // The last official's identifier is linked only halfway through the year.
      identifiers: i === ids.length - 1 ? [] : [{ account: { homePage: LMS, name: id } }],
    } as unknown as Official),
  );
  const batches: AppendRequest[][] = [
    [
      ...UNITS.map((u) => ({
        stream: orgUnitStream(u.orgUnitId),
        events: [{ type: ORG_UNIT_RECORDED, data: u as unknown as JsonValue }],
      })),
      ...COURSES.map((c) => ({
        stream: catalogStream(activityHash(c.activityId)),
        events: [{ type: CATALOG_ENTRY_RECORDED, data: c as unknown as JsonValue }],
      })),
      ...first,
    ],
  ];
  const statementIds: string[] = [];
  // Learning times from February 2024 to May 2025: around both edges of the fiscal year 2024-25
  // (1 April to 31 March, Hong Kong time), some within minutes of midnight.
  const when = () => {
    const day = new Date(Date.UTC(2024, 1, 1) + Math.floor(random() * 480) * 86_400_000);
    const date = day.toISOString().slice(0, 10);
    const time = pick(['00:00:00', '00:05:00', '09:30:00', '14:00:00', '23:59:59']);
    return `${date}T${time}+08:00`;
  };
  const later = (iso: string, days: number) => {
    const t = new Date(Date.parse(iso) + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 19);
    return `${t}+08:00`;
  };
  for (let round = 0; round < 70; round++) {
    const batch: AppendRequest[] = [];
    for (let k = 0; k < 6; k++) {
      const who = pick([...ids, 'stranger']);
      const actor = anAgent().withAccount(LMS, who);
      const registration = randomUUID();
      const activity = random() < 0.08 ? UNCATALOGUED : pick(COURSES).activityId;
      const start = when();
      const r = random();
      const made: StatementBuilder[] = [];
      const s = (verb: (typeof verbs)[keyof typeof verbs], at: string) =>
        aStatement()
          .withId(randomUUID())
          .withActor(actor)
          .withVerb(verb)
          .withActivity(anActivity(activity))
          .inRegistration(registration)
          .at(at);
      if (r < 0.35) {
        // Sessions of one registration over several days, sometimes then completed.
        const sessions = 1 + Math.floor(random() * 4);
        for (let d = 0; d < sessions; d++) made.push(s(verbs.attended, later(start, d * 3)));
        if (random() < 0.5) made.push(s(pick([verbs.completed, verbs.passed]), later(start, sessions * 3)));
      } else if (r < 0.7) {
        // A course completed and passed in one registration, days apart.
        made.push(s(verbs.completed, start));
        if (random() < 0.6) made.push(s(verbs.passed, later(start, Math.floor(random() * 5))));
      } else if (r < 0.85) {
        made.push(s(pick([verbs.registered, verbs.failed, verbs.attended]), start));
      } else if (statementIds.length > 0) {
        made.push(aStatement().withId(randomUUID()).withActor(actor).voiding(pick(statementIds)));
      } else {
        made.push(s(verbs.attended, start));
      }
      if (random() < 0.05) {
        // A void that arrives before its target.
        const target = randomUUID();
        made.push(aStatement().withId(randomUUID()).withActor(actor).voiding(target));
        made.push(s(verbs.attended, start).withId(target));
      }
      for (const m of made) statementIds.push((m.build() as unknown as { id: string }).id);
      batch.push(...made.map(statement));
    }
    if (round % 9 === 4) {
      // A move: another org unit and/or staff group from a date inside the year.
      const i = Math.floor(random() * (ids.length - 1));
      const previous = officials.findLast((o) => o.officialId === ids[i])!;
      const from = when().slice(0, 10);
      batch.push(
        record({
          ...previous,
          ...(random() < 0.7 ? { orgUnit: pick(LEAVES), orgUnitFrom: from } : {}),
          ...(random() < 0.7 ? { staffGroup: pick(GROUPS), staffGroupFrom: from } : {}),
        } as Official),
      );
    }
    if (round === 35) {
      const previous = officials.findLast((o) => o.officialId === ids[ids.length - 1])!;
      batch.push(
        record({ ...previous, identifiers: [{ account: { homePage: LMS, name: ids[ids.length - 1]! } }] }),
      );
    }
    batches.push(batch);
  }
  return { batches, officials };
}

describe('training: programme statistics from the ledger equal a recount of its facts', function () {
  this.timeout(120_000);
  let dir: string;
  let log: EventLog;
  let officials: Official[];
  const readers: { how: string; reader: LedgerReader }[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'programme-equivalence-'));
    log = await openSqliteEventLog({ file: join(dir, 'log.sqlite') });
    const year = aDepartmentYear(seeded(2024));
    officials = year.officials;
    // Live: the projection is running while the batches arrive.
    const live = await startProjection(log, transcriptsProjection, { file: join(dir, 'live.sqlite') });
    for (const batch of year.batches) {
      await log.appendMany(batch);
      await live.caughtUp();
    }
    await live.stop();
    // Rebuild: a new model catches up on the whole log (loaded without indexes, then settled).
    const rebuilt = await startProjection(log, transcriptsProjection, { file: join(dir, 'rebuilt.sqlite') });
    await rebuilt.caughtUp();
    await rebuilt.stop();
    for (const how of ['live', 'rebuilt'])
      readers.push({ how, reader: new LedgerReader(openReadOnly(join(dir, `${how}.sqlite`)) as never) });
  });
  after(async () => {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The straightforward recount: every fact of every official the reader knows, in memory. */
  const recount = (reader: LedgerReader) =>
    aLedgerOf({
      officials,
      courses: COURSES,
      facts: [...new Set(officials.map((o) => o.officialId))].flatMap((id) => reader.facts(id)),
      orgUnits: UNITS,
    });

  const windows = [
    { what: 'the fiscal year 2024-25', from: '2024-04-01', to: '2025-03-31' },
    { what: 'a quarter that cuts registrations in two', from: '2024-07-01', to: '2024-09-30' },
    { what: 'one day', from: '2024-10-15', to: '2024-10-15' },
  ];
  const scopes: { what: string; scope: StatisticsScope }[] = [
    { what: 'everyone', scope: { jurisdiction: null, orgUnit: null, category: null } },
    {
      what: 'the social security division',
      scope: { jurisdiction: null, orgUnit: 'security', category: null },
    },
    {
      what: 'professional programmes',
      scope: { jurisdiction: null, orgUnit: null, category: 'professional' },
    },
    {
      what: "the department's jurisdiction",
      scope: { jurisdiction: 'department', orgUnit: null, category: null },
    },
  ];

  it('the generated year has movers, registrations over several days, voids and attendances on both sides of the year', () => {
    const { reader } = readers[0]!;
    const facts = [...new Set(officials.map((o) => o.officialId))].flatMap((id) => reader.facts(id));
    const moved = new Set(
      officials.filter((o) => o.orgUnitFrom || o.staffGroupFrom).map((o) => o.officialId),
    );
    expect(moved.size).to.be.greaterThan(3);
    expect(facts.filter((f) => f.voided !== null)).to.have.length.greaterThan(5);
    const days = new Map<string, Set<string>>();
    for (const f of facts)
      days.set(f.registration, (days.get(f.registration) ?? new Set()).add(f.timestamp.slice(0, 10)));
    expect([...days.values()].filter((d) => d.size > 1)).to.have.length.greaterThan(20);
    expect(facts.some((f) => f.timestamp < '2024-04-01')).to.equal(true);
    expect(facts.some((f) => f.timestamp > '2025-04-01')).to.equal(true);
  });

  for (const w of windows)
    for (const s of scopes)
      it(`${w.what}, ${s.what}: the same figures from the live model, the rebuilt one and the recount`, () => {
        const window = statisticsWindow({ from: w.from, to: w.to, timeZone: ZONE });
        const figures = (source: Parameters<typeof programmeStatistics>[0]) => {
          try {
            return programmeStatistics(source, window, s.scope);
          } catch (error) {
            return { refused: (error as { rule?: string }).rule ?? String(error) };
          }
        };
        const expected = figures(recount(readers[0]!.reader));
        for (const { how, reader } of readers) {
          expect(figures(recount(reader)), `${how}: the recounts agree`).to.deep.equal(expected);
          expect(figures(reader), how).to.deep.equal(expected);
        }
        if (w.from === '2024-04-01' && s.what === 'everyone')
          expect((expected as { totals: { attendances: number } }).totals.attendances).to.be.greaterThan(100);
      });
});
