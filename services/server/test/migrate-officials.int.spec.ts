// `pnpm privacy migrate` (decision 080) on a log whose registry was written before decision 077
// sealed it: an official's record (on `training-official-<id>`) and an exemption are sealed by the
// registry's sealers (officialRecordSealer, exemptionRecordSealer), the record moves to the
// official's pseudonymous stream, the fingerprints of what the log means and of the completion
// report are equal before and after, and the official can then be erased by officialId, after
// which no file of the data directory names them.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '@lrs/config/cli';
import { openSqliteEventLog } from '@lrs/event-log';
import { anEvent, STATEMENT_EVENT, statementStream } from '@lrs/events';
import { runCli } from '@lrs/service-privacy';
import { filesContaining } from '@lrs/testkit';
import {
  EXEMPTION_RECORDED,
  exemptionStream,
  OFFICIAL_RECORDED,
  ORG_UNIT_RECORDED,
  officialStream,
  orgUnitStream,
} from '@lrs/training';
import { expect } from 'chai';
import { MIGRATION_TYPES } from '../src/privacy-cli';
import { ADMIN, basic, TestLrs } from './support/test-lrs';

const OFFICIAL_ID = 'tran-thi-mai-0917';
const NAME = 'Trần Thị Mai';
const ACCOUNT = 'mai.tran.0917';
const LMS = 'https://elearning.dong-thap.example.vn';
const LEAVE = 'Nghỉ thai sản của Trần Thị Mai';
const COURSE = 'https://elearning.dong-thap.example.vn/courses/child-protection';

describe('pnpm privacy migrate: registry records written before sealing (decisions 077, 080)', function () {
  this.timeout(180_000);
  const root = mkdtempSync(join(tmpdir(), 'lrs-migrate-officials-'));
  const dataDir = join(root, 'data');
  const env = { LRS_DATA_DIR: dataDir };
  after(() => rmSync(root, { recursive: true, force: true }));

  before(async () => {
    mkdirSync(dataDir, { recursive: true });
    // The LRS before 077 wrote the registry in the clear, the official's id in the stream name.
    const first = await TestLrs.start(env);
    await first.stop();
    const log = await openSqliteEventLog({ file: join(dataDir, 'events.sqlite') });
    await log.append(orgUnitStream('xa-my-tho'), [
      anEvent(ORG_UNIT_RECORDED, { orgUnitId: 'xa-my-tho', name: 'Xã Mỹ Thọ', parent: null }),
    ]);
    await log.append(officialStream(OFFICIAL_ID), [
      anEvent(OFFICIAL_RECORDED, {
        officialId: OFFICIAL_ID,
        name: NAME,
        orgUnit: 'xa-my-tho',
        orgUnitFrom: null,
        staffGroup: 'collaborator',
        jurisdiction: 'dong-thap',
        employedFrom: null,
        employedTo: null,
        identifiers: [{ account: { homePage: LMS, name: ACCOUNT } }],
      }),
    ]);
    await log.append(exemptionStream('ex-17'), [
      anEvent(EXEMPTION_RECORDED, {
        exemptionId: 'ex-17',
        officialId: OFFICIAL_ID,
        from: '2026-02-01',
        to: '2026-04-30',
        reason: LEAVE,
      }),
    ]);
    const id = randomUUID();
    await log.append(statementStream(id), [
      anEvent(STATEMENT_EVENT, {
        statement: {
          id,
          actor: { objectType: 'Agent', name: NAME, account: { homePage: LMS, name: ACCOUNT } },
          verb: { id: 'http://adlnet.gov/expapi/verbs/attended' },
          object: { objectType: 'Activity', id: COURSE },
          timestamp: '2026-05-12T09:00:00+07:00',
        } as never,
      }),
    ]);
    await log.close();
    for (const needle of [NAME, OFFICIAL_ID, LEAVE])
      expect(filesContaining(dataDir, needle), needle).to.not.deep.equal([]);
  });

  it('seals the record and the exemption, keeps what the log and the completion report mean, and then the official can be erased from every file', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (s) => out.push(s), err: (s) => err.push(s), errIsTTY: false };
    const code = await runCli(['migrate'], { ...env, LRS_LOG_LEVEL: 'silent' }, io, MIGRATION_TYPES);
    expect(code, err.join('')).to.equal(0);
    const outcome = JSON.parse(out.join('')) as {
      record: {
        sealed: Record<string, number>;
        fingerprintBefore: string;
        fingerprintAfter: string;
        reportsBefore: Record<string, string>;
        reportsAfter: Record<string, string>;
      };
    };
    expect(outcome.record.sealed).to.deep.include({
      [OFFICIAL_RECORDED]: 1,
      [EXEMPTION_RECORDED]: 1,
      [STATEMENT_EVENT]: 1,
    });
    expect(outcome.record.fingerprintAfter).to.equal(outcome.record.fingerprintBefore);
    expect(Object.keys(outcome.record.reportsBefore)).to.not.deep.equal([]);
    expect(outcome.record.reportsAfter).to.deep.equal(outcome.record.reportsBefore);
    const logFiles = (needle: string) =>
      filesContaining(dataDir, needle).filter((f) => f.includes('events.sqlite'));
    for (const needle of [NAME, OFFICIAL_ID, ACCOUNT, LEAVE])
      expect(logFiles(needle), needle).to.deep.equal([]);

    const lrs = await TestLrs.start(env);
    try {
      await lrs.caughtUp();
      const headers = { Authorization: basic(ADMIN), 'Content-Type': 'application/json' };
      // Read through the key store, the official is who they were.
      const transcript = await fetch(`${lrs.url}/api/officials/${OFFICIAL_ID}/transcript`, { headers });
      expect(transcript.status).to.equal(200);
      expect(await transcript.text()).to.include(NAME);
      const erased = await fetch(`${lrs.url}/api/admin/erasures`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          subject: { officialId: OFFICIAL_ID },
          reason: 'retention period ended',
          legalBasis: 'Decree 13/2023 art. 16',
        }),
      });
      expect(erased.status, await erased.clone().text()).to.equal(201);
      await lrs.caughtUp();
      await lrs.system.erasuresSettled;
      const gone = await fetch(`${lrs.url}/api/officials/${OFFICIAL_ID}/transcript`, { headers });
      expect(gone.status).to.equal(404);
    } finally {
      await lrs.stop();
    }
    for (const needle of [NAME, OFFICIAL_ID, ACCOUNT, LEAVE])
      expect(filesContaining(dataDir, needle), needle).to.deep.equal([]);
  });
});
