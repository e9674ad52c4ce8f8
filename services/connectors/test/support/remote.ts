import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttachmentStore } from '@lrs/attachments';
import { SecretBox } from '@lrs/auth';
import type { EventLog } from '@lrs/event-log';
import { openEventLog } from '@lrs/event-log';
import { StatementStore } from '@lrs/server/testing';
import { anAgent, aStatement } from '@lrs/testkit';
import type { Statement } from '@lrs/xapi';
import nock from 'nock';
import { type PullerOptions, parseSourceConfig, RemotePuller, type RemoteSource } from '../../src';

export const REMOTE = 'https://lms.example';
export const REMOTE_AUTHORITY = {
  objectType: 'Agent' as const,
  name: 'LMS',
  account: { homePage: REMOTE, name: 'lms' },
};

/** A statement as a remote LRS serves it: id, timestamp, stored and authority set. */
export function aRemoteStatement(
  n: number,
  overrides: (b: ReturnType<typeof aStatement>) => void = () => {},
): Statement {
  const stored = new Date(Date.UTC(2024, 0, 1) + n * 1000).toISOString();
  const builder = aStatement()
    .withId(randomUUID())
    .withActor(anAgent().withMbox(`mailto:official${n}@gov.example`))
    .at(stored)
    .withAuthority(REMOTE_AUTHORITY)
    .set('/stored', stored);
  overrides(builder);
  return builder.build();
}

export const aSource = (overrides: Record<string, unknown> = {}): RemoteSource =>
  parseSourceConfig({
    id: 'lms',
    name: 'Regional LMS',
    endpoint: `${REMOTE}/xapi/`,
    auth: { username: 'lrs', password: 'secret' },
    pollIntervalSeconds: 60,
    ...overrides,
  });

/** A local store (temp dir) with the LRS's real StatementStore, and pullers on it. */
export class PullHarness {
  private pullers: RemotePuller[] = [];
  private constructor(
    readonly log: EventLog,
    readonly statements: StatementStore,
    readonly attachments: AttachmentStore,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PullHarness> {
    nock.disableNetConnect();
    const dir = mkdtempSync(join(tmpdir(), 'connectors-pull-'));
    const log = await openEventLog({ dataDir: dir });
    return new PullHarness(log, new StatementStore(log), new AttachmentStore(log), dir);
  }

  /** The key the harness's pullers seal credentials with (the LRS's is LRS_SECRETS_KEY or a key file). */
  readonly secrets = SecretBox.fromKey(randomBytes(32).toString('base64'));

  async puller(options: PullerOptions = {}): Promise<RemotePuller> {
    const puller = await RemotePuller.start(
      { log: this.log, writer: this.statements, attachments: this.attachments, secrets: this.secrets },
      { schedule: false, requestTimeoutMs: 300, backoffBaseMs: 10, backoffMaxMs: 50, ...options },
    );
    this.pullers.push(puller);
    return puller;
  }

  async statementEvents() {
    return this.log.readAll({ filter: { typePrefixes: ['xapi.statement'] } });
  }

  /**
   * Resolves when the log holds a statement event: a puller on its own schedule has stored
   * something. Waits on the log (a subscription), not on a timer; fails after `timeoutMs`.
   */
  statementStored(timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        void subscription.stop();
        reject(new Error(`no statement stored within ${timeoutMs} ms`));
      }, timeoutMs);
      const subscription = this.log.subscribe({
        filter: { typePrefixes: ['xapi.statement'] },
        handle: (events) => {
          if (events.length === 0) return;
          clearTimeout(timer);
          void subscription.stop();
          resolve();
        },
        onError: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  async stop(): Promise<void> {
    for (const p of this.pullers) await p.stop();
    await this.log.close();
    rmSync(this.dir, { recursive: true, force: true });
    nock.cleanAll();
    nock.enableNetConnect();
  }
}

/** Replies with a StatementResult page. */
export const page = (statements: unknown[], more = '') => ({ statements, more });
