import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';

const ROOT = new URL('../..', import.meta.url).pathname;

/** Starts services/server/src/main.ts; resolves with its output once it listens or exits. */
function start(env: Record<string, string>): Promise<{ output: string; code: number | null }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lrs-jwt-config-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/server/src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      LRS_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LRS_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no answer in 30 s:\n${output}`));
    }, 30_000);
    const done = (code: number | null) => {
      clearTimeout(timer);
      rmSync(dataDir, { recursive: true, force: true });
      resolve({ output, code });
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('LRS listening')) {
        child.once('exit', () => done(null));
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      if (!output.includes('LRS listening')) done(code);
    });
  });
}

describe('bearer tokens without issuer or audience checks (server start)', function () {
  this.timeout(60_000);

  it('outside development the server refuses to start, naming LRS_JWT_ISSUER', async () => {
    const { output, code } = await start({ LRS_JWT_HS256_SECRET: 'k'.repeat(40) });
    expect(code).to.equal(1);
    expect(output).to.match(/LRS_JWT_ISSUER.*is required with a LRS_JWT_\* key source/);
    expect(output).to.not.include('k'.repeat(40));
  });

  it('in development it starts, and says so loudly first: an INSECURE warning naming what is missing', async () => {
    const { output } = await start({ LRS_JWT_HS256_SECRET: 'k'.repeat(40), LRS_ENV: 'development' });
    const lines = output.split('\n').filter(Boolean);
    const warning = lines.findIndex((l) => l.includes('INSECURE'));
    expect(warning).to.be.greaterThan(-1);
    expect(JSON.parse(lines[warning]!)).to.include({ level: 40 });
    expect(lines[warning]).to.include('LRS_JWT_ISSUER and LRS_JWT_AUDIENCE');
    expect(warning).to.be.lessThan(lines.findIndex((l) => l.includes('LRS listening')));
  });
});
