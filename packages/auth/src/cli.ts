#!/usr/bin/env -S node --import tsx
/**
 * Credential administration from a shell, against the same log the server uses:
 *   lrs-credentials issue --name NAME --scopes statements/write,statements/read
 *   lrs-credentials list
 *   lrs-credentials revoke KEY [--reason TEXT]
 * Output is JSON on stdout; the secret of an issued credential is printed once.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@lrs/config';
import { openEventLog } from '@lrs/event-log';
import { HttpProblem } from '@lrs/http';
import { CredentialRegistry } from './credential-registry';

const USAGE = `usage:
  issue --name NAME --scopes SCOPE[,SCOPE...]
  list
  revoke KEY [--reason TEXT]`;

export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, scopes: { type: 'string' }, reason: { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  if (command !== 'issue' && command !== 'list' && command !== 'revoke') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig(env);
  const log = await openEventLog({
    dataDir: config.dataDir,
    ...(config.esdbUrl ? { esdbUrl: config.esdbUrl } : {}),
  });
  const registry = await CredentialRegistry.start(log, { baseUrl: config.baseUrl });
  const actor = `cli:${safeUserName()}`;
  try {
    if (command === 'list') {
      print({ credentials: registry.list() });
    } else if (command === 'issue') {
      if (!values.name || !values.scopes) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      const scopes = values.scopes.split(',').map((s) => s.trim());
      const issued = await registry.issue({ name: values.name, scopes, issuedBy: actor });
      print({ ...issued.credential, secret: issued.secret });
    } else {
      const key = rest[0];
      if (!key) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
      }
      print(
        await registry.revoke(key, { revokedBy: actor, ...(values.reason ? { reason: values.reason } : {}) }),
      );
    }
    return 0;
  } finally {
    await registry.stop();
    await log.close();
  }
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const message =
        error instanceof ConfigError || error instanceof HttpProblem
          ? error.message
          : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
      process.stderr.write(`${message}\n`);
      process.exitCode = 1;
    },
  );
}
