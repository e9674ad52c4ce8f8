import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpProblem, OutboundGuard, type Resolver } from '@lrs/http';
import { expect } from 'chai';
import nock from 'nock';
import { parseSourceConfig } from '../src';
import { aRemoteStatement, aSource, PullHarness, page, REMOTE } from './support/remote';

const PUBLIC = '93.184.216.34';

async function problemOf(work: () => Promise<unknown>): Promise<HttpProblem> {
  try {
    await work();
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('remote sources reach only the configured, public destination', () => {
  let h: PullHarness;
  beforeEach(async () => {
    h = await PullHarness.start();
  });
  afterEach(async () => h.stop());

  it("refuses a `more` link to another origin: the source's credentials are not sent there and the source is stopped with the reason", async () => {
    let elsewhere = 0;
    nock(REMOTE)
      .get('/xapi/statements')
      .query(true)
      .reply(200, page([aRemoteStatement(1)], 'https://collector.example/steal?x=1'));
    nock('https://collector.example')
      .get(/.*/)
      .query(true)
      .reply(() => {
        elsewhere++;
        return [200, page([])];
      });
    const puller = await h.puller();
    await puller.configure(aSource(), 'test');
    const outcome = await puller.pullOnce('lms');

    expect(elsewhere).to.equal(0);
    expect(outcome).to.include({ outcome: 'stopped', stored: 1 });
    const status = puller.status('lms');
    expect(status.state).to.equal('stopped');
    expect(status.stopped!.reason).to.match(/another origin \(https:\/\/collector\.example\)/);
    expect(status.stopped!.reason).to.match(/nothing was sent there/);
  });

  for (const endpoint of [
    'https://127.0.0.1/xapi/',
    'https://2130706433/xapi/',
    'https://0x7f.1/xapi/',
    'https://[::ffff:127.0.0.1]/xapi/',
    'https://169.254.169.254/latest/',
    'https://0.0.0.0/xapi/',
    'https://10.20.30.40/xapi/',
  ]) {
    it(`refuses the internal endpoint ${endpoint} at configuration: 400, nothing stored, no pull`, async () => {
      const puller = await h.puller();
      const problem = await problemOf(() => puller.configure(aSource({ endpoint }), 'test'));
      expect(problem.status).to.equal(400);
      expect(problem.rule).to.equal('source.endpoint.internal');
      expect(problem.pointer).to.equal('/body/endpoint');
      expect(problem.message).to.match(/internal address/);
      expect(puller.list()).to.deep.equal([]);
      expect(await h.log.headPosition()).to.equal(null);
    });
  }

  it('refuses a plain http endpoint unless the source allows it', () => {
    expect(() => aSource({ endpoint: 'http://lms.example/xapi/' })).to.throw(/must be https/);
    expect(aSource({ endpoint: 'http://lms.example/xapi/', allowHttp: true }).allowHttp).to.equal(true);
    expect(() => parseSourceConfig({ id: 'x', endpoint: 'http://lms.example/xapi/', auth: { token: 't' } }))
      .to.throw(HttpProblem)
      .that.includes({ status: 400, rule: 'source.invalid', pointer: '/body/endpoint' });
  });

  it("never echoes the remote's answer into lastError or the stop reason", async () => {
    nock(REMOTE).get('/xapi/statements').query(true).reply(500, 'db password is hunter2');
    const puller = await h.puller();
    await puller.configure(aSource(), 'test');
    await puller.pullOnce('lms');
    expect(puller.status('lms').lastError).to.equal('the remote answered 500');

    nock(REMOTE).get('/xapi/statements').query(true).reply(403, 'internal: token for svc-account is x');
    await puller.pullOnce('lms');
    expect(puller.status('lms').stopped!.reason).to.equal('the remote refused the credentials (403)');

    nock(REMOTE).get('/xapi/statements').query(true).reply(200, '{not json: secret-in-body');
    await puller.resume('lms', 'test');
    await puller.pullOnce('lms');
    expect(puller.status('lms').lastError).to.equal('the remote sent malformed JSON');
  });

  describe('against a real server on 127.0.0.1', () => {
    let server: Server;
    let port: number;
    let received: string[] = [];
    before(async () => {
      server = createServer((req, res) => {
        received.push(`${req.url} ${req.headers.authorization ?? ''}`);
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(page([])));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    after(() => new Promise((r) => server.close(r)));
    beforeEach(() => {
      received = [];
      nock.enableNetConnect(/^(127\.0\.0\.1|rebind\.example|lrs\.internal)(:\d+)?$/);
    });

    it('refuses a name that resolved to a public address at configuration and resolves to 127.0.0.1 at pull: nothing reaches the local server', async () => {
      const answers = [[PUBLIC]];
      const resolve: Resolver = async () =>
        (answers.shift() ?? ['127.0.0.1']).map((address) => ({ address, family: 4 }));
      const puller = await h.puller({ outbound: new OutboundGuard({ resolve }) });
      await puller.configure(
        aSource({ endpoint: `http://rebind.example:${port}/xapi/`, allowHttp: true }),
        'test',
      );
      const outcome = await puller.pullOnce('lms');
      expect(received).to.deep.equal([]);
      expect(outcome.outcome).to.equal('stopped');
      expect(puller.status('lms').stopped!.reason).to.match(/rebind\.example .*internal address/);
    });

    it('pulls from an internal LRS the administrator allow-listed', async () => {
      const resolve: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
      const puller = await h.puller({ outbound: new OutboundGuard({ allow: ['lrs.internal'], resolve }) });
      await puller.configure(
        aSource({ endpoint: `http://lrs.internal:${port}/xapi/`, allowHttp: true }),
        'test',
      );
      const outcome = await puller.pullOnce('lms');
      expect(outcome).to.include({ outcome: 'done', pages: 1 });
      expect(received).to.have.length(1);
      expect(received[0]).to.match(/^\/xapi\/statements\?.* Basic /);
    });
  });
});
