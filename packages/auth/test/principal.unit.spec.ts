import { expect } from 'chai';
import {
  canReadAllStatements,
  canReadMine,
  canReadState,
  canWriteState,
  canWriteStatements,
  expandScopes,
  identityKey,
  isAdmin,
  type Principal,
  principalKey,
  requireScope,
  TokenClaimsError,
  tokenPrincipal,
} from '../src/index';

const withScopes = (
  ...scopes: Parameters<typeof expandScopes>[0] extends Iterable<infer S> ? S[] : never
): Principal => ({
  kind: 'credential',
  id: 'k',
  identity: { kind: 'credential', key: 'k' },
  name: 'n',
  scopes: expandScopes(scopes),
  roles: [],
  authority: { objectType: 'Agent', name: 'n', account: { homePage: 'https://lrs', name: 'k' } },
});

describe('scopes', () => {
  it('all implies every xAPI scope but not admin', () => {
    const p = withScopes('all');
    expect([canWriteStatements(p), canReadAllStatements(p), canReadMine(p), canWriteState(p)]).to.deep.equal([
      true,
      true,
      true,
      true,
    ]);
    expect(isAdmin(p)).to.equal(false);
  });

  it('all/read reads everything and writes nothing', () => {
    const p = withScopes('all/read');
    expect([canReadAllStatements(p), canReadMine(p), canReadState(p)]).to.deep.equal([true, true, true]);
    expect([canWriteStatements(p), canWriteState(p)]).to.deep.equal([false, false]);
  });

  it('statements/read/mine does not read all statements', () => {
    const p = withScopes('statements/read/mine');
    expect([canReadMine(p), canReadAllStatements(p)]).to.deep.equal([true, false]);
  });

  it('requireScope refuses an unknown scope when the route is built', () => {
    expect(() => requireScope('statements/delete')).to.throw(/statements\/delete/);
    expect(() => requireScope()).to.throw();
  });
});

describe('tokenPrincipal', () => {
  const home = 'https://lrs.example';

  it('maps an official token: official id, no xAPI scopes, authority by account', () => {
    const p = tokenPrincipal({ sub: 'u1', name: 'Ada', role: 'official', official_id: 'O-1' }, home);
    expect(p).to.include({ kind: 'token', id: 'u1', name: 'Ada', officialId: 'O-1' });
    expect(p.roles).to.deep.equal(['official']);
    expect([...p.scopes]).to.deep.equal([]);
    expect(p.authority).to.deep.equal({
      objectType: 'Agent',
      name: 'Ada',
      account: { homePage: home, name: 'u1' },
    });
  });

  it('gives auditors all/read, admins admin, and keeps only known scope claim values', () => {
    expect(canReadAllStatements(tokenPrincipal({ sub: 'a', role: 'auditor' }, home))).to.equal(true);
    expect(isAdmin(tokenPrincipal({ sub: 'b', role: 'admin' }, home))).to.equal(true);
    const p = tokenPrincipal({ sub: 'c', scope: 'openid statements/write profile' }, home);
    expect([...p.scopes].sort()).to.deep.equal(['profile', 'statements/write']);
  });

  it('needs a jurisdiction for policy-unit and an official_id for official', () => {
    expect(() => tokenPrincipal({ sub: 'p', role: 'policy-unit' }, home)).to.throw(
      TokenClaimsError,
      /jurisdiction/,
    );
    expect(
      tokenPrincipal({ sub: 'p', role: 'policy-unit', jurisdiction: 'NSW' }, home).jurisdiction,
    ).to.equal('NSW');
    expect(() => tokenPrincipal({ sub: 'o', role: 'official' }, home)).to.throw(
      TokenClaimsError,
      /official_id/,
    );
  });

  it('refuses tokens without sub or with an unknown role', () => {
    expect(() => tokenPrincipal({ role: 'admin' }, home)).to.throw(TokenClaimsError, /sub/);
    expect(() => tokenPrincipal({ sub: 'x', role: 'superuser' }, home)).to.throw(TokenClaimsError, /role/);
  });
});

describe('principal identity', () => {
  it('keeps a credential and a token whose sub equals its key apart, and tokens of different issuers apart', () => {
    const credential = withScopes('statements/read/mine');
    const token = tokenPrincipal({ sub: 'k', iss: 'https://idp.example' }, 'https://lrs');
    const otherIssuer = tokenPrincipal({ sub: 'k', iss: 'https://other.example' }, 'https://lrs');
    expect(token.id).to.equal(credential.id);
    expect(token.identity).to.deep.equal({ kind: 'token', issuer: 'https://idp.example', subject: 'k' });
    expect(principalKey(credential)).to.equal('k');
    expect(principalKey(token)).to.not.equal(principalKey(credential));
    expect(principalKey(token)).to.not.equal(principalKey(otherIssuer));
    expect(identityKey({ kind: 'token', issuer: null, subject: 'a:b' })).to.equal('token::a%3Ab');
  });
});
