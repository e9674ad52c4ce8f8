import { expect } from 'chai';
import { capturedLogger, startApp } from './support/server';

describe('logging', () => {
  const log = capturedLogger('debug');
  let server: Awaited<ReturnType<typeof startApp>>;
  before(async () => {
    server = await startApp({
      logger: log.logger,
      routes: (app) => {
        app.get('/echo', (req, res) => {
          req.credentialName = 'lms (k1)';
          res.json({ ok: true });
        });
      },
    });
  });
  after(() => server.close());

  it('writes one access line per request with method, path, status, time and credential name', async () => {
    const res = await fetch(`${server.url}/echo?agent=%7B%22mbox%22%3A%22mailto%3Aa%40b.gov%22%7D`, {
      headers: { 'X-Request-Id': 'access-1' },
    });
    expect(res.status).to.equal(200);
    // The access line is written when the response emits 'close', maybe after fetch has it.
    await log.accessLineOf(res);
    const lines = log.lines().filter((l) => l['msg'] === 'request' && l['requestId'] === 'access-1');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ method: 'GET', path: '/echo', status: 200, credential: 'lms (k1)' });
    expect(lines[0]!['ms']).to.be.a('number');
    expect(lines[0]!['queryParams']).to.deep.equal(['agent']);
    expect(log.text()).to.not.include('a@b.gov');
  });

  it('never writes credentials, tokens or query secrets', async () => {
    const secret = 'S3cr3t-do-not-log-4242';
    const echo = await fetch(`${server.url}/echo?Authorization=${secret}&token=${secret}`, {
      headers: { Authorization: `Basic ${Buffer.from(`key:${secret}`).toString('base64')}`, Cookie: secret },
    });
    const nowhere = await fetch(`${server.url}/nowhere`, { headers: { Authorization: `Bearer ${secret}` } });
    // Accidental logging of whole objects is caught by the redaction list.
    log.logger.info(
      {
        headers: { authorization: `Bearer ${secret}` },
        secret,
        token: secret,
        config: { bootstrap: { secret } },
      },
      'oops',
    );
    log.logger.info({ issued: { key: 'k', secret, secretHash: secret } }, 'oops again');
    // Both requests' access lines, else a secret in them would go unseen.
    await log.accessLineOf(echo);
    await log.accessLineOf(nowhere);
    const text = log.text();
    expect(text).to.include('oops again');
    expect(text).to.not.include(secret);
    expect(text).to.not.include(Buffer.from(`key:${secret}`).toString('base64'));
  });
});
