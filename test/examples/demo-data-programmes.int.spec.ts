// Every programme folder of examples/ loads through `pnpm demo-data --programme NAME` into a fresh
// LRS, as the README tells a newcomer to do, so none of them can rot unseen.
import { runDemoData } from '@lrs/server/demo-data';
import { ADMIN, TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';

describe('pnpm demo-data --programme loads every example folder', function () {
  this.timeout(60_000);
  for (const programme of ['city', 'cohort', 'department', 'commune']) {
    it(`${programme}: every file accepted, and the statements are stored`, async () => {
      const lrs = await TestLrs.start();
      try {
        let out = '';
        let err = '';
        const io = { out: (t: string) => (out += t), err: (t: string) => (err += t), errIsTTY: false };
        const code = await runDemoData(
          ['--programme', programme, '--url', lrs.url, '--key', ADMIN.key, '--secret', ADMIN.secret],
          {},
          io,
        );
        expect(code, err).to.equal(0);
        expect(JSON.parse(out)).to.include({ programme });
        expect(err).to.match(/POST \/api\/admin\/training\/officials \(officials\.csv\): 200/);
        expect(await lrs.statementCount()).to.be.greaterThan(0);
      } finally {
        await lrs.stop();
      }
    });
  }

  it('an unknown programme is a usage error naming the allowed ones', async () => {
    let err = '';
    const io = { out: () => {}, err: (t: string) => (err += t), errIsTTY: false };
    expect(await runDemoData(['--programme', 'village'], {}, io)).to.equal(2);
    expect(err).to.include('--programme must be one of city, cohort, department, commune');
  });
});
