import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anAgent, aStatement, verbs } from '@lrs/testkit';
import XAPI, { type Statement, type StatementsResponse } from '@xapi/xapi';
import { expect } from 'chai';
import nock from 'nock';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Starts `services/server/src/main.ts` as its own process on 127.0.0.1 and an ephemeral port. */
async function startServer(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/server/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      LRS_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LRS_BOOTSTRAP_KEY: 'admin',
      LRS_BOOTSTRAP_SECRET: 'change-me-please-now',
      LRS_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`LRS did not start in 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.includes('LRS listening')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`LRS exited with ${code}:\n${output}`));
    });
  });
  return { child, url };
}

// A real xAPI client library (@xapi/xapi, as an LMS or authoring tool would use it) against the server process.
describe('@xapi/xapi client against the LRS process (e2e)', function () {
  this.timeout(30_000);
  let dataDir: string;
  let server: { child: ChildProcess; url: string };
  let xapi: XAPI;

  before(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    dataDir = mkdtempSync(join(tmpdir(), 'lrs-e2e-'));
    server = await startServer(dataDir);
    xapi = new XAPI({
      endpoint: `${server.url}/xapi/`,
      auth: XAPI.toBasicAuth('admin', 'change-me-please-now'),
      version: '1.0.3',
    });
  });

  after(async () => {
    if (server?.child.exitCode === null) {
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    nock.enableNetConnect();
  });

  const learner = anAgent().withMbox(`mailto:${randomUUID()}@example.org`).build();
  const asClientStatement = (s: ReturnType<ReturnType<typeof aStatement>['build']>) =>
    s as unknown as Statement;

  it('reads About', async () => {
    const about = await xapi.getAbout();
    expect(about.data.version).to.include('1.0.3');
  });

  it('sends one statement and a batch, then reads one back', async () => {
    const one = await xapi.sendStatement({
      statement: asClientStatement(aStatement().withActor(learner).build()),
    });
    expect(one.data).to.have.length(1);
    const batch = await xapi.sendStatements({
      statements: [1, 2, 3, 4].map(() =>
        asClientStatement(aStatement().withActor(learner).withVerb(verbs.attended).build()),
      ),
    });
    expect(batch.data).to.have.length(4);
    const back = await xapi.getStatement({ statementId: one.data[0]! });
    expect(back.data.id).to.equal(one.data[0]);
    expect(back.headers['x-experience-api-consistent-through']).to.be.a('string');
  });

  it('queries with filters and follows more to the end', async () => {
    const filtered = await xapi.getStatements({ agent: learner, verb: verbs.attended.id, limit: 3 });
    const first = filtered.data as StatementsResponse;
    expect(first.statements).to.have.length(3);
    expect(first.more).to.be.a('string').and.not.equal('');
    const next = await xapi.getMoreStatements({ more: first.more! });
    const second = next.data as StatementsResponse;
    expect(second.statements).to.have.length(1);
    expect(second.more ?? '').to.equal('');
    for (const s of [...first.statements, ...second.statements])
      expect(s.verb.id).to.equal(verbs.attended.id);
  });

  it('voids a statement: it leaves queries and is returned as voided', async () => {
    const [target] = (
      await xapi.sendStatement({ statement: asClientStatement(aStatement().withActor(learner).build()) })
    ).data;
    const voided = await xapi.voidStatement({ actor: learner as never, statementId: target! });
    expect(voided.data).to.have.length(1);
    const voidedBack = await xapi.getVoidedStatement({ voidedStatementId: target! });
    expect(voidedBack.data.id).to.equal(target);
    let missing: unknown;
    try {
      await xapi.getStatement({ statementId: target! });
    } catch (error) {
      missing = error;
    }
    expect(missing, 'getStatement of a voided statement must fail').to.not.equal(undefined);
    const all = (await xapi.getStatements({ agent: learner, limit: 100 })).data as StatementsResponse;
    expect(all.statements.map((s) => s.id)).to.not.include(target);
  });
});
