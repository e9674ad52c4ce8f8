import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const CLI = resolve(fileURLToPath(import.meta.url), '../../src/cli.ts');

describe('credentials CLI', function () {
  this.timeout(60_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'lrs-cli-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { PATH: process.env['PATH'], LRS_DATA_DIR: dataDir, LRS_BASE_URL: 'https://lrs.cli.example' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('issues, lists and revokes credentials in the configured log', () => {
    const issued = run(
      'issue',
      '--name',
      'Field office import',
      '--scopes',
      'statements/write,statements/read',
    );
    expect(issued.code, issued.stderr).to.equal(0);
    const credential = JSON.parse(issued.stdout) as {
      key: string;
      secret: string;
      scopes: string[];
      issuedBy: string;
    };
    expect(credential.scopes).to.deep.equal(['statements/write', 'statements/read']);
    expect(credential.secret).to.have.length.greaterThan(30);
    expect(credential.issuedBy).to.match(/^cli:/);

    const listed = run('list');
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stdout).to.include(credential.key);
    expect(listed.stdout).to.not.include(credential.secret);
    expect(listed.stdout).to.include('https://lrs.cli.example');

    const revoked = run('revoke', credential.key, '--reason', 'rotated');
    expect(revoked.code, revoked.stderr).to.equal(0);
    expect((JSON.parse(revoked.stdout) as { revoked: { reason: string } }).revoked.reason).to.equal(
      'rotated',
    );
  });

  it('exits non-zero with a message for an unknown scope, an unknown key and bad usage', () => {
    const scope = run('issue', '--name', 'x', '--scopes', 'everything');
    expect(scope.code).to.equal(1);
    expect(scope.stderr).to.include('unknown scope(s): everything');
    const missing = run('revoke', 'nope-key');
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.include("no credential with key 'nope-key'");
    const usage = run('frobnicate');
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.include('usage:');
  });
});
