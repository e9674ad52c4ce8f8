import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { OutboundGuard, OutboundRefused, type Resolver } from '../src/outbound';

const refusal = async (work: () => Promise<unknown>): Promise<OutboundRefused> => {
  try {
    await work();
  } catch (error) {
    const e = error instanceof OutboundRefused ? error : (error as { cause?: unknown }).cause;
    if (e instanceof OutboundRefused) return e;
    throw error;
  }
  throw new Error('not refused');
};

const PUBLIC = '93.184.216.34';
const fixed =
  (table: Record<string, string[]>): Resolver =>
  async (host) => {
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('outbound destinations (remote sources, webhooks)', () => {
  const guard = new OutboundGuard({ resolve: fixed({ 'lms.example': [PUBLIC] }) });
  after(() => guard.close());

  for (const url of [
    'https://127.0.0.1/',
    'https://2130706433/',
    'https://0x7f.1/',
    'https://0177.0.0.1/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::1]/',
    'https://[::]/',
    'https://0.0.0.0/',
    'https://169.254.169.254/latest/meta-data/',
    'https://10.1.2.3/',
    'https://172.16.0.1/',
    'https://192.168.1.1/',
    'https://100.64.0.1/',
    'https://[fe80::1]/',
    'https://[fd00::1]/',
  ]) {
    it(`refuses the internal address ${url} before anything is sent`, async () => {
      const e = await refusal(() => guard.check(new URL(url)));
      expect(e.rule).to.equal('outbound.address');
      expect(e.message).to.match(/internal address/);
    });
  }

  it('refuses a name that resolves to an internal address, and one internal address among public ones', async () => {
    const g = new OutboundGuard({
      resolve: fixed({ 'intranet.example': ['10.0.0.5'], 'mixed.example': [PUBLIC, '127.0.0.1'] }),
    });
    expect((await refusal(() => g.check(new URL('https://intranet.example/')))).rule).to.equal(
      'outbound.address',
    );
    expect((await refusal(() => g.check(new URL('https://mixed.example/')))).rule).to.equal(
      'outbound.address',
    );
    await g.close();
  });

  it('accepts a public name over https and refuses plain http unless allowed', async () => {
    await guard.check(new URL('https://lms.example/xapi/'));
    expect((await refusal(() => guard.check(new URL('http://lms.example/xapi/')))).rule).to.equal(
      'outbound.scheme',
    );
    await guard.check(new URL('http://lms.example/xapi/'), { allowHttp: true });
  });

  it('admits what the administrator lists: addresses, CIDR ranges and host names', async () => {
    const g = new OutboundGuard({
      allow: ['127.0.0.1', '10.1.0.0/16', 'intranet.example'],
      resolve: fixed({ 'intranet.example': ['192.168.7.7'] }),
    });
    await g.check(new URL('https://127.0.0.1/'));
    await g.check(new URL('https://10.1.200.3/'));
    await g.check(new URL('https://intranet.example/'));
    expect((await refusal(() => g.check(new URL('https://10.2.0.1/')))).rule).to.equal('outbound.address');
    await g.close();
  });

  describe('on every connection', () => {
    let server: Server;
    let port: number;
    let received = 0;
    before(async () => {
      server = createServer((_req, res) => {
        received++;
        res.end('internal answer');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    after(() => new Promise((r) => server.close(r)));

    it('refuses a name that resolved to a public address before and to 127.0.0.1 now: nothing reaches the local server', async () => {
      const answers = [[PUBLIC], ['127.0.0.1']];
      const g = new OutboundGuard({
        resolve: async () => (answers.shift() ?? ['127.0.0.1']).map((address) => ({ address, family: 4 })),
      });
      const url = `http://rebind.example:${port}/`;
      await g.check(new URL(url), { allowHttp: true }); // configuration time: public
      const e = await refusal(() => g.fetch(url, { allowHttp: true }));
      expect(e.rule).to.equal('outbound.address');
      expect(received).to.equal(0);
      await g.close();
    });

    it('connects through the checked lookup when the allow-list names the address', async () => {
      const g = new OutboundGuard({
        allow: ['127.0.0.1'],
        resolve: fixed({ 'receiver.example': ['127.0.0.1'] }),
      });
      const res = await g.fetch(`http://receiver.example:${port}/`, { allowHttp: true });
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('internal answer');
      expect(received).to.equal(1);
      await g.close();
    });
  });
});
