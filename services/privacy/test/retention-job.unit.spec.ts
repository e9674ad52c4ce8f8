// The retention job's erase path (decision 071), with a recording eraser: the real one
// (packages/privacy) is wired by the composition root when it lands.

import type { EventLog } from '@lrs/event-log';
import { expect } from 'chai';
import { eraseExpired, Retention, type SubjectEraser } from '../src/retention';
import type { DueErasure } from '../src/retention-rule';

const due = (officialId: string, name: string, jurisdiction = 'city'): DueErasure => ({
  officialId,
  name,
  jurisdiction,
  leftOn: '2019-06-30',
  periodEnd: '2019-12-31',
  expiresAt: '2024-07-01T00:00:00.000+09:00',
  rule: 'after-leaving',
});

class RecordingEraser implements SubjectEraser {
  readonly requests: Parameters<SubjectEraser['erase']>[0][] = [];
  constructor(private readonly refuse: Set<string> = new Set()) {}
  async erase(request: Parameters<SubjectEraser['erase']>[0]) {
    this.requests.push(request);
    const id = 'officialId' in request.subject ? request.subject.officialId : '';
    if (this.refuse.has(id)) throw new Error(`could not erase ${id}`);
    return { erasureId: `erasure-${this.requests.length}`, pseudonym: `person-${this.requests.length}` };
  }
}

describe('retention job: erasing what has expired', () => {
  it('asks the eraser to erase each expired official with the reason, the legal basis and who asked', async () => {
    const eraser = new RecordingEraser();
    const run = await eraseExpired(
      [due('kim', 'Kim Min-ji'), due('nguyen', 'Nguyễn Văn An', 'province')],
      eraser,
      '2026-12-06',
      '2026-12-06T00:00:00.000Z',
    );
    expect(eraser.requests.map((r) => r.subject)).to.deep.equal([
      { officialId: 'kim' },
      { officialId: 'nguyen' },
    ]);
    expect(eraser.requests[0]).to.include({ requestedBy: 'privacy-retention-job' });
    expect(eraser.requests[0]!.legalBasis).to.contain('city');
    expect(run).to.include({ day: '2026-12-06', due: 2, erased: 2, failed: 0 });
    expect(run.dueByJurisdiction).to.deep.equal({ city: 1, province: 1 });
    expect(run.erasures).to.deep.equal([
      { erasureId: 'erasure-1', pseudonym: 'person-1' },
      { erasureId: 'erasure-2', pseudonym: 'person-2' },
    ]);
  });

  it('what the run reports holds counts and pseudonyms only: no name and no official id', async () => {
    const run = await eraseExpired(
      [due('kim', 'Kim Min-ji')],
      new RecordingEraser(),
      '2026-12-06',
      '2026-12-06T00:00:00Z',
    );
    const text = JSON.stringify(run);
    expect(text).to.not.contain('kim');
    expect(text).to.not.contain('Kim Min-ji');
  });

  it('a failed erasure is counted, the others still go, and the failure’s text (which may name the person) is not reported', async () => {
    const failures: Error[] = [];
    const run = await eraseExpired(
      [due('kim', 'Kim Min-ji'), due('lee', 'Lee Seo-yeon')],
      new RecordingEraser(new Set(['kim'])),
      '2026-12-06',
      '2026-12-06T00:00:00Z',
      (e) => failures.push(e),
    );
    expect(run).to.include({ due: 2, erased: 1, failed: 1 });
    expect(failures).to.have.length(1);
    expect(JSON.stringify(run)).to.not.contain('kim');
  });
});

describe('retention job: the daily check', () => {
  const job = () => {
    const retention = new Retention({} as EventLog, async () => {
      throw new Error('not read in this spec');
    });
    const runs: number[] = [];
    retention.runOnce = async (nowMs?: number) => {
      runs.push(nowMs ?? 0);
      return null as never;
    };
    return { retention, runs };
  };
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('checks once as soon as it starts', async () => {
    const { retention, runs } = job();
    retention.start();
    await nextTurn();
    await retention.stop();
    expect(runs).to.have.length(1);
  });

  it('stopped before its first check, it never checks (a server stopped at once touches nothing afterwards)', async () => {
    const { retention, runs } = job();
    retention.start();
    await retention.stop();
    await nextTurn();
    await nextTurn();
    expect(runs).to.deep.equal([]);
  });
});
