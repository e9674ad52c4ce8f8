import { ADMIN, basic, type Credential, TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import { nowSeconds, rsaKeys, signHs256, signRs256, unsignedNone } from './support/jwt';
import { PROTECTED_ROUTES, type ProtectedRoute, PUBLIC_ROUTES } from './support/routes';

const ISSUER = 'https://idp.example.gov';
const AUDIENCE = 'lrs';

/** Sends `authorization` (or none) to a route with the xAPI version header and its body. */
async function send(lrs: TestLrs, route: ProtectedRoute, authorization: string | null) {
  const headers: Record<string, string> = { 'X-Experience-API-Version': '1.0.3' };
  if (authorization !== null) headers.Authorization = authorization;
  const body = route.json ? JSON.stringify(route.json()) : undefined;
  if (body) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${lrs.url}${route.path}`, {
    method: route.method,
    headers,
    ...(body ? { body } : {}),
  });
  const text = await res.text();
  return { status: res.status, text, challenge: res.headers.get('www-authenticate') };
}

/** Each case must be a 401 with a challenge and the rule, on every route, appending nothing. */
async function expectRefusedEverywhere(lrs: TestLrs, authorization: string | null, rule: RegExp) {
  const before = await lrs.eventCount();
  for (const route of PROTECTED_ROUTES) {
    const reply = await send(lrs, route, authorization);
    const where = `${route.method} ${route.path}: ${reply.text}`;
    expect(reply.status, where).to.equal(401);
    expect(reply.challenge, where).to.match(/Basic realm=/);
    expect(JSON.parse(reply.text).error.rule, where).to.match(rule);
  }
  expect(await lrs.eventCount(), 'events appended by refused requests').to.equal(before);
}

describe('authentication on every route (HTTP Basic)', function () {
  this.timeout(60_000);
  let lrs: TestLrs;
  let revoked: Credential;
  let valid: Credential;
  before(async () => {
    // Every refusal here is a 401; the failed-authentication throttle (429) has its own tests.
    lrs = await TestLrs.start({ LRS_AUTH_FAILURES_PER_MINUTE: '100000' });
    valid = await lrs.issueCredential('valid', ['all']);
    revoked = await lrs.issueCredential('to-revoke', ['all']);
    const res = await fetch(`${lrs.url}/api/admin/credentials/${revoked.key}`, {
      method: 'DELETE',
      headers: { Authorization: basic(ADMIN) },
    });
    expect(res.status, await res.text()).to.be.oneOf([200, 204]);
  });
  after(() => lrs.stop());

  it('missing credentials → 401 auth.missing', () => expectRefusedEverywhere(lrs, null, /^auth\.missing$/));
  it('empty Authorization → 401', () => expectRefusedEverywhere(lrs, '', /^auth\.missing$/));
  it('malformed header → 401 auth.malformed', () =>
    expectRefusedEverywhere(lrs, 'Basic', /^auth\.malformed$/));
  it('Basic value not base64 → 401 auth.malformed', () =>
    expectRefusedEverywhere(lrs, 'Basic %%%not-base64%%%', /^auth\.malformed$/));
  it('Basic without key:secret separator → 401 auth.malformed', () =>
    expectRefusedEverywhere(lrs, `Basic ${Buffer.from('nocolon').toString('base64')}`, /^auth\.malformed$/));
  it('wrong secret → 401 auth.invalid_credentials', () =>
    expectRefusedEverywhere(
      lrs,
      basic({ key: valid.key, secret: `${valid.secret}x` }),
      /^auth\.invalid_credentials$/,
    ));
  it('unknown key → 401 auth.invalid_credentials', () =>
    expectRefusedEverywhere(
      lrs,
      basic({ key: 'nobody-here', secret: 'whatever-secret-123' }),
      /^auth\.invalid_credentials$/,
    ));
  it('revoked credential → 401 auth.revoked', () =>
    expectRefusedEverywhere(lrs, basic(revoked), /^auth\.revoked$/));
  it('an unknown scheme → 401 auth.unsupported_scheme', () =>
    expectRefusedEverywhere(lrs, 'Digest username="admin"', /^auth\.unsupported_scheme$/));
  it('a bearer token when no key source is configured → 401', () =>
    expectRefusedEverywhere(
      lrs,
      `Bearer ${signHs256({ sub: 'x', scope: 'all' }, 'k'.repeat(40))}`,
      /^auth\./,
    ));

  it('public routes stay public', async () => {
    for (const route of PUBLIC_ROUTES) {
      const res = await fetch(`${lrs.url}${route.path}`);
      expect(res.status, route.path).to.equal(200);
    }
  });
});

describe('authentication on every route (bearer JWT, RS256 with issuer and audience)', function () {
  this.timeout(60_000);
  const keys = rsaKeys();
  const other = rsaKeys();
  let lrs: TestLrs;
  const claims = (extra: Record<string, unknown> = {}) => ({
    sub: 'lms-1',
    scope: 'all',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: nowSeconds(),
    exp: nowSeconds() + 300,
    ...extra,
  });
  before(async () => {
    lrs = await TestLrs.start({
      LRS_JWT_PUBLIC_KEY: keys.publicKeyPem,
      LRS_JWT_ISSUER: ISSUER,
      LRS_JWT_AUDIENCE: AUDIENCE,
    });
  });
  after(() => lrs.stop());

  it('a valid token is accepted (the cases below differ from it in one thing)', async () => {
    const token = signRs256(claims(), keys.privateKeyPem);
    const reply = await send(lrs, PROTECTED_ROUTES[0]!, `Bearer ${token}`);
    expect(reply.status, reply.text).to.equal(200);
  });
  it('alg none → 401', () =>
    expectRefusedEverywhere(lrs, `Bearer ${unsignedNone(claims())}`, /^auth\.token\./));
  it('signed with another key → 401', () =>
    expectRefusedEverywhere(lrs, `Bearer ${signRs256(claims(), other.privateKeyPem)}`, /^auth\.token\./));
  it('HS256 signed with the RS public key (algorithm confusion) → 401', () =>
    expectRefusedEverywhere(lrs, `Bearer ${signHs256(claims(), keys.publicKeyPem)}`, /^auth\.token\./));
  it('expired → 401', () =>
    expectRefusedEverywhere(
      lrs,
      `Bearer ${signRs256(claims({ exp: nowSeconds() - 120, iat: nowSeconds() - 600 }), keys.privateKeyPem)}`,
      /^auth\.token\./,
    ));
  it('not yet valid → 401', () =>
    expectRefusedEverywhere(
      lrs,
      `Bearer ${signRs256(claims({ nbf: nowSeconds() + 600 }), keys.privateKeyPem)}`,
      /^auth\.token\./,
    ));
  it('wrong audience → 401', () =>
    expectRefusedEverywhere(
      lrs,
      `Bearer ${signRs256(claims({ aud: 'other' }), keys.privateKeyPem)}`,
      /^auth\.token\./,
    ));
  it('wrong issuer → 401', () =>
    expectRefusedEverywhere(
      lrs,
      `Bearer ${signRs256(claims({ iss: 'https://evil.example' }), keys.privateKeyPem)}`,
      /^auth\.token\./,
    ));
  it('garbage token → 401', () => expectRefusedEverywhere(lrs, 'Bearer abc.def.ghi', /^auth\.token\./));
  it('a tampered payload → 401', () => {
    const [h, , s] = signRs256(claims(), keys.privateKeyPem).split('.');
    const forged = Buffer.from(JSON.stringify(claims({ scope: 'all admin' }))).toString('base64url');
    return expectRefusedEverywhere(lrs, `Bearer ${h}.${forged}.${s}`, /^auth\.token\./);
  });
});
