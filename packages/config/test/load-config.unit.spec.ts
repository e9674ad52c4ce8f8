import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { CONFIG_VARIABLES, ConfigError, configWarnings, loadConfig } from '../src/index';

function expectConfigError(env: Record<string, string>, variable: string, rule: RegExp): void {
  let thrown: unknown;
  try {
    loadConfig(env);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).to.be.instanceOf(ConfigError);
  expect((thrown as ConfigError).variable).to.equal(variable);
  expect((thrown as ConfigError).message).to.match(rule);
}

describe('loadConfig', () => {
  it('uses documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).to.equal(8080);
    expect(config.host).to.equal('0.0.0.0');
    expect(config.dataDir).to.equal('./data');
    expect(config.baseUrl).to.equal('http://localhost:8080');
    expect(config.maxBodyBytes).to.equal(20 * 1024 * 1024);
    expect(config.maxAttachmentBytes).to.equal(64 * 1024 * 1024);
    expect(config.logLevel).to.equal('info');
    expect(config.jwt).to.equal(undefined);
    expect(config.bootstrap).to.equal(undefined);
    expect(config.esdbUrl).to.equal(undefined);
    expect(config.projectors).to.equal('thread');
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ LRS_JWT_HS256_SECRET: 's'.repeat(32), LRS_ENV: 'development' });
    expect(Object.isFrozen(config)).to.equal(true);
    expect(Object.isFrozen(config.jwt)).to.equal(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).to.throw(TypeError);
  });

  it('reads ports, hosts, sizes with units and log levels', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LRS_MAX_BODY_BYTES: '5 MiB',
      LRS_MAX_STATEMENT_BYTES: '1000',
      LRS_LOG_LEVEL: 'WARN',
      ESDB_URL: 'esdb://localhost:2113?tls=false',
      LRS_BASE_URL: 'https://lrs.example.gov/',
      LRS_PROJECTORS: 'inline',
    });
    expect(config.port).to.equal(0);
    expect(config.host).to.equal('127.0.0.1');
    expect(config.maxBodyBytes).to.equal(5 * 1024 * 1024);
    expect(config.maxStatementBytes).to.equal(1000);
    expect(config.logLevel).to.equal('warn');
    expect(config.esdbUrl).to.equal('esdb://localhost:2113?tls=false');
    expect(config.baseUrl).to.equal('https://lrs.example.gov');
    expect(config.projectors).to.equal('inline');
  });

  it('names the variable and the rule for invalid values', () => {
    expectConfigError({ PORT: 'abc' }, 'PORT', /integer from 0 to 65535/);
    expectConfigError({ PORT: '70000' }, 'PORT', /integer from 0 to 65535/);
    expectConfigError({ LRS_MAX_BODY_BYTES: '-5' }, 'LRS_MAX_BODY_BYTES', /positive whole number of bytes/);
    expectConfigError({ LRS_MAX_ATTACHMENT_BYTES: '0' }, 'LRS_MAX_ATTACHMENT_BYTES', /positive/);
    expectConfigError({ LRS_MAX_STATEMENT_BYTES: '2 MiB' }, 'LRS_MAX_STATEMENT_BYTES', /1 MiB per append/);
    expectConfigError({ LRS_LOG_LEVEL: 'loud' }, 'LRS_LOG_LEVEL', /one of fatal/);
    expectConfigError({ ESDB_URL: 'http://x' }, 'ESDB_URL', /esdb:\/\//);
    expectConfigError({ LRS_BASE_URL: 'ftp://x' }, 'LRS_BASE_URL', /http\(s\) URL/);
    expectConfigError({ LRS_PROJECTORS: 'process' }, 'LRS_PROJECTORS', /thread or inline/);
  });

  it('requires both bootstrap variables, a sane key and a long secret', () => {
    expectConfigError({ LRS_BOOTSTRAP_KEY: 'admin' }, 'LRS_BOOTSTRAP_SECRET', /must be set/);
    expectConfigError({ LRS_BOOTSTRAP_SECRET: 'x'.repeat(20) }, 'LRS_BOOTSTRAP_KEY', /must be set/);
    expectConfigError(
      { LRS_BOOTSTRAP_KEY: 'a:b', LRS_BOOTSTRAP_SECRET: 'x'.repeat(20) },
      'LRS_BOOTSTRAP_KEY',
      /A-Z/,
    );
    expectConfigError(
      { LRS_BOOTSTRAP_KEY: 'admin', LRS_BOOTSTRAP_SECRET: 'short' },
      'LRS_BOOTSTRAP_SECRET',
      /16/,
    );
    const config = loadConfig({ LRS_BOOTSTRAP_KEY: 'admin', LRS_BOOTSTRAP_SECRET: 'x'.repeat(20) });
    expect(config.bootstrap).to.deep.equal({ key: 'admin', secret: 'x'.repeat(20) });
  });

  describe('JWT key sources', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

    it('accepts one HS256 secret with issuer and audience', () => {
      const config = loadConfig({
        LRS_JWT_HS256_SECRET: 's'.repeat(32),
        LRS_JWT_ISSUER: 'https://idp',
        LRS_JWT_AUDIENCE: 'lrs',
      });
      expect(config.jwt).to.deep.equal({
        hs256Secret: 's'.repeat(32),
        issuer: 'https://idp',
        audience: 'lrs',
      });
    });

    it('accepts a PEM with escaped newlines', () => {
      const config = loadConfig({ LRS_JWT_PUBLIC_KEY: pem.replace(/\n/g, '\\n'), LRS_ENV: 'development' });
      expect(config.jwt?.publicKeyPem).to.equal(pem);
    });

    it('rejects a PEM that is not an RSA public key', () => {
      expectConfigError({ LRS_JWT_PUBLIC_KEY: 'not a key' }, 'LRS_JWT_PUBLIC_KEY', /PEM-encoded RSA/);
    });

    it('rejects more than one key source', () => {
      expectConfigError(
        { LRS_JWT_HS256_SECRET: 's'.repeat(32), LRS_JWT_PUBLIC_KEY: pem },
        'LRS_JWT_HS256_SECRET',
        /only one/,
      );
    });

    it('rejects a short HS256 secret and plain-http JWKS off localhost', () => {
      expectConfigError({ LRS_JWT_HS256_SECRET: 'short' }, 'LRS_JWT_HS256_SECRET', /32/);
      expectConfigError({ LRS_JWT_JWKS_URL: 'http://idp.example/jwks' }, 'LRS_JWT_JWKS_URL', /https/);
      expect(
        loadConfig({ LRS_JWT_JWKS_URL: 'http://localhost:9/jwks', LRS_ENV: 'development' }).jwt?.jwksUrl,
      ).to.equal('http://localhost:9/jwks');
    });

    it('requires an issuer and an audience with a key source outside development, and warns at start when they are missing in development', () => {
      const key = { LRS_JWT_HS256_SECRET: 's'.repeat(32) };
      expectConfigError(key, 'LRS_JWT_ISSUER', /required with a LRS_JWT_\* key source/);
      expectConfigError({ ...key, LRS_JWT_ISSUER: 'https://idp' }, 'LRS_JWT_AUDIENCE', /required/);
      expectConfigError({ ...key, LRS_ENV: 'staging' }, 'LRS_ENV', /production or development/);
      const complete = loadConfig({ ...key, LRS_JWT_ISSUER: 'https://idp', LRS_JWT_AUDIENCE: 'lrs' });
      expect(configWarnings(complete)).to.deep.equal([]);
      const dev = loadConfig({ ...key, LRS_ENV: 'development', LRS_JWT_AUDIENCE: 'lrs' });
      expect(configWarnings(dev)).to.have.length(1);
      expect(configWarnings(dev)[0]).to.match(
        /^INSECURE: bearer tokens are verified without LRS_JWT_ISSUER:/,
      );
      // The development sign-in is development too (on loopback: it refuses other hosts).
      expect(configWarnings(loadConfig({ ...key, LRS_DEV_SIGNIN: 'true', HOST: '127.0.0.1' }))[0]).to.match(
        /without LRS_JWT_ISSUER and LRS_JWT_AUDIENCE/,
      );
      expect(configWarnings(loadConfig({}))).to.deep.equal([]);
    });

    it('rejects an issuer without a key source', () => {
      expectConfigError({ LRS_JWT_ISSUER: 'https://idp' }, 'LRS_JWT_ISSUER', /key source/);
    });
  });

  it('takes LRS_SECRETS_KEY as 32 bytes of base64 or base64url and names it when it is not', () => {
    const key = Buffer.alloc(32, 7);
    expect(loadConfig({ LRS_SECRETS_KEY: key.toString('base64') }).secretsKey).to.equal(
      key.toString('base64'),
    );
    expect(loadConfig({ LRS_SECRETS_KEY: key.toString('base64url') }).secretsKey).to.be.a('string');
    expect(loadConfig({}).secretsKey).to.equal(undefined);
    expectConfigError({ LRS_SECRETS_KEY: 'c2hvcnQ=' }, 'LRS_SECRETS_KEY', /32 bytes/);
    expectConfigError({ LRS_SECRETS_KEY: 'not base64!' }, 'LRS_SECRETS_KEY', /32 bytes/);
  });

  it('documents every variable it reads', () => {
    const names = CONFIG_VARIABLES.map((v) => v.name);
    for (const name of [
      'PORT',
      'HOST',
      'LRS_DATA_DIR',
      'ESDB_URL',
      'LRS_JWT_JWKS_URL',
      'LRS_LOG_LEVEL',
      'LRS_SECRETS_KEY',
    ]) {
      expect(names).to.include(name);
    }
  });
});
