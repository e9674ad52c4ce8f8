import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import XAPI, { type Statement, type StatementsResponse } from '@xapi/xapi';
import { expect } from 'chai';
import nock from 'nock';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CMI5_CATEGORY = { id: 'https://w3id.org/xapi/cmi5/context/categories/cmi5' };

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

// A cmi5-style launch (cmi5 spec, "Content Launch Mechanisms" and "LMS.LaunchData"): the LMS
// writes LMS.LaunchData to State, the AU reads it with a real xAPI client, then sends its
// cmi5-defined statements in the launch's registration and keeps its own state.
describe('cmi5-style flow with @xapi/xapi: launch data in State, then statements (e2e)', function () {
  this.timeout(30_000);
  let dataDir: string;
  let server: { child: ChildProcess; url: string };
  let lms: XAPI;
  let au: XAPI;

  const learner = {
    objectType: 'Agent' as const,
    account: { homePage: 'https://lms.example.gov', name: randomUUID() },
  };
  const auId = `https://example.gov/courses/fire-safety/au/${randomUUID()}`;
  const registration = randomUUID();
  const launchData = {
    contextTemplate: { contextActivities: { grouping: [{ id: 'https://example.gov/courses/fire-safety' }] } },
    launchMode: 'Normal',
    launchMethod: 'AnyWindow',
    moveOn: 'CompletedAndPassed',
    masteryScore: 0.8,
  };

  before(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    dataDir = mkdtempSync(join(tmpdir(), 'lrs-cmi5-'));
    server = await startServer(dataDir);
    const endpoint = `${server.url}/xapi/`;
    lms = new XAPI({ endpoint, auth: XAPI.toBasicAuth('admin', 'change-me-please-now'), version: '1.0.3' });
    au = new XAPI({ endpoint, auth: XAPI.toBasicAuth('admin', 'change-me-please-now'), version: '1.0.3' });
  });

  after(async () => {
    if (server?.child.exitCode === null) {
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      await exited;
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    nock.enableNetConnect();
  });

  const stateParams = { agent: learner, activityId: auId, registration };

  it('the LMS writes LMS.LaunchData; the AU reads it back unchanged', async () => {
    await lms.setState({ ...stateParams, stateId: 'LMS.LaunchData', state: launchData });
    const read = await au.getState({ ...stateParams, stateId: 'LMS.LaunchData' });
    expect(read.data).to.deep.equal(launchData);
    expect(read.headers.etag).to.match(/^"[0-9a-f]{40}"$/);
  });

  it('the AU sends initialized, keeps a bookmark in its own state (merged by POST), then completed, passed and terminated', async () => {
    const send = async (verb: Statement['verb'], result?: Statement['result']) => {
      const statement = {
        actor: learner,
        verb,
        object: { objectType: 'Activity', id: auId, definition: { name: { 'en-US': 'Fire safety' } } },
        context: {
          registration,
          contextActivities: { ...launchData.contextTemplate.contextActivities, category: [CMI5_CATEGORY] },
        },
        ...(result ? { result } : {}),
      } as unknown as Statement;
      const sent = await au.sendStatement({ statement });
      expect(sent.data).to.have.length(1);
    };
    await send(XAPI.Verbs.INITIALIZED);
    await au.createState({ ...stateParams, stateId: 'au-bookmark', state: { page: 3 } });
    await au.createState({ ...stateParams, stateId: 'au-bookmark', state: { score: 0.9 } });
    expect((await au.getState({ ...stateParams, stateId: 'au-bookmark' })).data).to.deep.equal({
      page: 3,
      score: 0.9,
    });
    await send(XAPI.Verbs.COMPLETED, { completion: true });
    await send(XAPI.Verbs.PASSED, { success: true, score: { scaled: 0.9 } });
    await send(XAPI.Verbs.TERMINATED);

    const states = await au.getStates(stateParams);
    expect(states.data).to.have.members(['LMS.LaunchData', 'au-bookmark']);
    const statements = (await lms.getStatements({ registration, ascending: true }))
      .data as StatementsResponse;
    expect(statements.statements.map((s) => s.verb.id)).to.deep.equal(
      [XAPI.Verbs.INITIALIZED, XAPI.Verbs.COMPLETED, XAPI.Verbs.PASSED, XAPI.Verbs.TERMINATED].map(
        (v) => v.id,
      ),
    );
    const activity = await lms.getActivity({ activityId: auId });
    expect(activity.data).to.deep.include({ id: auId, definition: { name: { 'en-US': 'Fire safety' } } });
  });

  it('the LMS clears the registration state when the launch ends', async () => {
    await lms.deleteStates(stateParams);
    expect((await au.getStates(stateParams)).data).to.deep.equal([]);
  });
});
