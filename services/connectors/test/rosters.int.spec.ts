import { ADMIN, basic, TestLrs } from '@lrs/server/testing';
import type { Statement } from '@lrs/xapi';
import { expect } from 'chai';
import { ATTENDED_VERB, MEETING_TYPE, RosterService, SESSION_EXTENSION } from '../src';
import { aCatalog, aCsv, aDirectory, aSession, HOME, officialId } from './support/builders';

const CENTRE = {
  authority: {
    objectType: 'Agent' as const,
    name: 'Seoul centre',
    account: { homePage: HOME, name: 'centre-seoul' },
  },
  id: 'centre-seoul',
};

describe('roster import (face-to-face attendance)', () => {
  let lrs: TestLrs;
  let rosters: RosterService;
  const directory = aDirectory();

  beforeEach(async () => {
    lrs = await TestLrs.start();
    rosters = new RosterService({
      log: lrs.system.log,
      writer: lrs.system.statements,
      directory,
      catalog: aCatalog(),
    });
  });
  afterEach(async () => lrs.stop());

  const stored = async (id: string) => (await lrs.system.statements.existing(id)) as Statement | null;

  it('turns each attendee of a CSV (with BOM, Korean/Chinese/Vietnamese names) into an attended statement', async () => {
    const csv = aCsv(
      [
        [officialId(2), '180', 'attended'],
        [officialId(3), '90', 'partial'],
        [officialId(4), '0', 'absent'],
      ],
      { bom: true },
    );
    const result = await rosters.import({ session: aSession(), csv }, CENTRE);
    expect(result).to.include({ rows: 3, attended: 2, absent: 1, written: 2, voided: 0, unchanged: 0 });
    expect(await lrs.statementCount()).to.equal(2);

    const full = (await stored(result.statementIds[0]!))!;
    expect(full.verb.id).to.equal(ATTENDED_VERB);
    expect(full.actor).to.deep.include({
      name: 'Nguyễn Thị Lan',
      account: { homePage: HOME, name: officialId(2) },
    });
    expect(full.object).to.deep.include({ id: aSession().activityId });
    expect((full.object as { definition: { type: string } }).definition.type).to.equal(MEETING_TYPE);
    expect(full.result).to.deep.equal({ duration: 'PT3H', completion: true });
    expect(full.context?.registration).to.match(/^[0-9a-f-]{36}$/);
    expect(full.context?.instructor).to.deep.include({ account: { homePage: HOME, name: officialId(1) } });
    expect(full.context?.extensions?.[SESSION_EXTENSION]).to.deep.include({
      location: '서울 인재개발원 3강의실',
      timeZone: 'Asia/Seoul',
      status: 'attended',
    });
    expect(full.authority).to.deep.equal(CENTRE.authority);

    const partial = (await stored(result.statementIds[1]!))!;
    expect(partial.actor.name).to.equal('이서연');
    expect(partial.result).to.deep.equal({ duration: 'PT1H30M', completion: false });
    const events = await lrs.system.log.readAll({ filter: { typePrefixes: ['xapi.statement'] } });
    expect(events.map((e) => (e.data as { source?: string }).source)).to.deep.equal([
      `roster:${result.session}`,
      `roster:${result.session}`,
    ]);
  });

  it('reads a JSON roster and a CSV without BOM the same way', async () => {
    const json = await rosters.import(
      {
        session: aSession(),
        attendees: [
          { officialId: officialId(2), minutes: 180 },
          { officialId: officialId(3), status: 'attended' },
        ],
      },
      CENTRE,
    );
    const again = await rosters.import(
      {
        session: aSession(),
        csv: aCsv([
          [officialId(2), '180', ''],
          [officialId(3), '', 'attended'],
        ]),
      },
      CENTRE,
    );
    expect(again.statementIds).to.deep.equal(json.statementIds);
    expect(again).to.include({ written: 0, unchanged: 2 });
  });

  it("accepts last release's names (official, attendee, minutes_attended) with a deprecation warning each (decision 041)", async () => {
    const json = await rosters.import(
      { session: aSession(), attendees: [{ official: officialId(2), minutes: 180 }] },
      CENTRE,
    );
    expect(json.warnings).to.deep.equal([
      "field 'official' is deprecated: call it 'officialId' (the old name is accepted until the next release)",
    ]);
    const csv = `attendee,minutes_attended\n${officialId(2)},180\n`;
    const checked = await rosters.check({ session: aSession(), csv });
    expect(checked.problems).to.deep.equal([]);
    expect(checked.warnings).to.deep.equal([
      "column 'attendee' is deprecated: call it 'official_id' (the old name is accepted until the next release)",
      "column 'minutes_attended' is deprecated: call it 'minutes' (the old name is accepted until the next release)",
    ]);
    const current = await rosters.import(
      { session: aSession(), csv: aCsv([[officialId(2), '180', '']]) },
      CENTRE,
    );
    expect(current).to.include({ unchanged: 1 });
    expect(current.warnings).to.equal(undefined);
  });

  it('gives deterministic ids: importing the same roster twice changes nothing', async () => {
    const csv = aCsv([
      [officialId(2), '180', 'attended'],
      [officialId(3), '60', 'partial'],
    ]);
    const first = await rosters.import({ session: aSession(), csv }, CENTRE);
    const before = await lrs.statementCount();
    const second = await rosters.import({ session: aSession(), csv }, CENTRE);
    expect(second.statementIds).to.deep.equal(first.statementIds);
    expect(second).to.include({ written: 0, voided: 0, unchanged: 2 });
    expect(await lrs.statementCount()).to.equal(before);
  });

  it('a corrected roster voids the changed row and writes a new statement under a new id', async () => {
    const first = await rosters.import(
      {
        session: aSession(),
        csv: aCsv([
          [officialId(2), '180', 'attended'],
          [officialId(3), '60', 'partial'],
        ]),
      },
      CENTRE,
    );
    const corrected = await rosters.import(
      {
        session: aSession(),
        csv: aCsv([
          [officialId(2), '180', 'attended'],
          [officialId(3), '120', 'partial'],
        ]),
      },
      CENTRE,
    );
    expect(corrected).to.include({ written: 1, voided: 1, unchanged: 1 });
    expect(corrected.statementIds[0]).to.equal(first.statementIds[0]);
    expect(corrected.statementIds[1]).to.not.equal(first.statementIds[1]);
    expect((await stored(corrected.statementIds[1]!))!.result?.duration).to.equal('PT2H');

    // The centre wrote (and voided) these, not the admin who reads them: wait for the index.
    await lrs.caughtUp();
    const read = await lrs.call('GET', `statements?statementId=${first.statementIds[1]}`);
    expect(read.status, 'the old statement is voided').to.equal(404);
    const voided = await lrs.call('GET', `statements?voidedStatementId=${first.statementIds[1]}`);
    expect(voided.status).to.equal(200);
  });

  it('a row turned absent (or removed) voids its statement; coming back gets a fresh id', async () => {
    const first = await rosters.import(
      { session: aSession(), csv: aCsv([[officialId(2), '180', 'attended']]) },
      CENTRE,
    );
    const absent = await rosters.import(
      { session: aSession(), csv: aCsv([[officialId(2), '0', 'absent']]) },
      CENTRE,
    );
    expect(absent).to.include({ written: 0, voided: 1 });
    const back = await rosters.import(
      { session: aSession(), csv: aCsv([[officialId(2), '180', 'attended']]) },
      CENTRE,
    );
    expect(back).to.include({ written: 1, voided: 0 });
    expect(back.statementIds[0]).to.not.equal(first.statementIds[0]);
  });

  it('rejects a bad roster whole, listing every problem by line, and writes nothing', async () => {
    const csv = [
      'official_id,minutes,status',
      `${officialId(2)},180,attended`,
      'KR-9999,180,attended',
      `${officialId(3)},-5,`,
      `${officialId(4)},abc,`,
      `${officialId(5)},60,sleeping`,
      `${officialId(6)},60`,
      `${officialId(2)},60,partial`,
    ].join('\n');
    const before = await lrs.eventCount();
    const error = await rosters
      .import({ session: aSession({ end: '2024-05-02T08:00:00+09:00' }), csv }, CENTRE)
      .then(
        () => null,
        (e: unknown) =>
          e as {
            status: number;
            rule: string;
            details: { problems: { line: number | null; rule: string }[] };
          },
      );
    expect(error?.status).to.equal(400);
    expect(error?.rule).to.equal('roster.invalid');
    expect(error?.details.problems.map((p) => [p.line, p.rule])).to.deep.equal([
      [null, 'roster.session.end-before-start'],
      [3, 'roster.row.official.unknown'],
      [4, 'roster.row.minutes.negative'],
      [5, 'roster.row.minutes'],
      [6, 'roster.row.status'],
      [7, 'roster.row.columns'],
      [8, 'roster.row.official.duplicate'],
    ]);
    expect(await lrs.eventCount()).to.equal(before);
  });

  it('rejects an activity missing from the catalog and an unknown instructor', async () => {
    const result = await rosters.check({
      session: aSession({
        activityId: 'https://training.gov.example/courses/unknown',
        instructor: 'KR-9999',
      }),
      csv: aCsv([[officialId(2), '180', 'attended']]),
    });
    expect(result.roster).to.equal(null);
    expect(result.problems.map((p) => p.pointer)).to.deep.equal([
      '/session/activityId',
      '/session/instructor',
    ]);
  });

  it('the check refuses what the import would refuse: a session title that is not a language map is a problem at /session/title, and nothing is written', async () => {
    const csv = aCsv([[officialId(2), '180', 'attended']]);
    const titles: Record<string, string>[] = [{ 'not a language tag': 'Ethics' }, { en: 'Ethics', '': 'x' }];
    for (const title of titles) {
      const session = aSession({ title });
      const checked = await rosters.check({ session, csv });
      expect(checked.roster).to.equal(null);
      expect(checked.problems).to.have.length(1);
      expect(checked.problems[0]).to.include({ line: null });
      expect(checked.problems[0]!.pointer).to.match(/^\/session\/title\//);
      expect(checked.problems[0]!.rule).to.match(/^roster\.statement\./);
      const before = await lrs.eventCount();
      const error = await rosters.import({ session, csv }, CENTRE).then(
        () => null,
        (e: unknown) => e as { status: number; rule: string; details: { problems: unknown[] } },
      );
      expect(error).to.include({ status: 400, rule: 'roster.invalid' });
      expect(error!.details.problems).to.deep.equal(checked.problems);
      expect(await lrs.eventCount()).to.equal(before);
    }
  });

  describe('over HTTP (/api/connectors/rosters)', () => {
    it('needs the rosters/import scope or admin: 403 otherwise, nothing written', async () => {
      const lms = await lrs.issueCredential('an LMS', ['statements/write']);
      const before = await lrs.eventCount();
      const res = await fetch(`${lrs.url}/api/connectors/rosters`, {
        method: 'POST',
        headers: { Authorization: basic(lms), 'Content-Type': 'application/json' },
        body: JSON.stringify({ session: aSession(), attendees: [] }),
      });
      expect(res.status).to.equal(403);
      expect(((await res.json()) as { error: { rule: string } }).error.rule).to.equal('auth.scope');
      expect(await lrs.eventCount()).to.equal(before);
    });

    it('answers 400 with every problem when the officials are unknown to the registry', async () => {
      const res = await fetch(`${lrs.url}/api/connectors/rosters`, {
        method: 'POST',
        headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
        body: JSON.stringify({
          session: aSession(),
          csv: aCsv([
            ['KR-1', '10', ''],
            ['KR-2', '10', ''],
          ]),
        }),
      });
      expect(res.status).to.equal(400);
      const body = (await res.json()) as {
        error: { rule: string; pointer: string; details: { problems: unknown[] } };
      };
      expect(body.error.rule).to.equal('roster.invalid');
      expect(body.error.pointer).to.equal('/session/activityId');
      expect(body.error.details.problems.length).to.be.greaterThan(2);
    });
  });
});
