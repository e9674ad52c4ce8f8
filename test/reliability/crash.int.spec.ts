import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteEventLog } from '@lrs/event-log';
import { StatementStore } from '@lrs/service-lrs';
import { anAgent, aStatement } from '@lrs/testkit';
import { expect } from 'chai';
import { auditLog, checkpointCommit, compareWithCleanRebuild, Ledger } from './support/ledger';
import { call, LrsProcess, prng, seedFrom, sleep, tempDataDir } from './support/lrs-process';

/**
 * Crash safety of the Statement API (docs/RELIABILITY.md): the LRS runs as a child process and is killed
 * with SIGKILL at random moments while several clients ingest. CI runs the short default;
 * the long mode is the same file with more kills, e.g.
 *   CRASH_KILLS=200 CRASH_MAX_MS=4000 pnpm exec mocha test/reliability/crash.int.spec.ts
 */
const KILLS = Number(process.env.CRASH_KILLS ?? 20);
const MIN_MS = Number(process.env.CRASH_MIN_MS ?? 100);
const MAX_MS = Number(process.env.CRASH_MAX_MS ?? 600);
const CLIENTS = Number(process.env.CRASH_CLIENTS ?? 4);
const PROJECTION_KILLS = Number(process.env.CRASH_PROJECTION_KILLS ?? 4);
const SEED = seedFrom('CRASH_SEED');

const aStatementWithId = (id: string, client: number) =>
  aStatement()
    .withId(id)
    .withActor(anAgent().withMbox(`mailto:client${client}@example.org`))
    .build() as unknown as Record<string, unknown>;

/** One client: batches, single PUTs and single POSTs, plus re-sends of answers it never got. */
async function ingest(
  url: string,
  client: number,
  ledger: Ledger,
  random: () => number,
  until: () => boolean,
) {
  while (!until()) {
    const roll = random();
    let ids: string[];
    let method = 'POST';
    let path = 'statements';
    const resend = roll < 0.15 && ledger.unanswered.length > 0;
    if (resend) {
      ids = ledger.unanswered.shift()!;
    } else {
      const size = roll < 0.6 ? 1 + Math.floor(random() * 40) : 1;
      ids = Array.from({ length: size }, () => randomUUID());
      for (const id of ids) ledger.sent.set(id, aStatementWithId(id, client));
      if (size > 1) ledger.batches.push(ids);
      else if (roll > 0.8) {
        method = 'PUT';
        path = `statements?statementId=${ids[0]}`;
      }
    }
    const statements = ids.map((id) => ledger.sent.get(id)!);
    const json = method === 'PUT' ? statements[0] : ids.length === 1 && !resend ? statements[0] : statements;
    try {
      const reply = await call(url, method, path, { json, timeoutMs: 20_000 });
      if (reply.status === 200 || reply.status === 204) ledger.record(ids, 'acked');
      else {
        ledger.record(ids, 'unknown');
        ledger.unexpected.push(`${method} ${reply.status} ${reply.text.slice(0, 200)}`);
      }
    } catch {
      // The connection died with the process: the outcome is unknown, both are allowed.
      ledger.record(ids, 'unknown');
      return;
    }
  }
}

describe('crash safety: SIGKILL during ingestion and projection work', function () {
  this.timeout(600_000);
  const data = tempDataDir('lrs-crash-');
  const scratch = join(data.dir, 'scratch');
  const dataDir = join(data.dir, 'data');
  const ledger = new Ledger();
  const random = prng(SEED);
  const rounds: { ms: number; acked: number }[] = [];

  before(() => {
    console.log(`      crash seed ${SEED} (CRASH_SEED=${SEED} reproduces the kill schedule)`);
  });
  after(() => data.cleanup());

  it(`every statement acknowledged before ${KILLS} kills is stored exactly once and retrievable`, async () => {
    for (let round = 0; round < KILLS; round++) {
      const lrs = await LrsProcess.start(dataDir);
      let stopped = false;
      const before = ledger.acked.size;
      const clients = Array.from({ length: CLIENTS }, (_, c) =>
        ingest(lrs.url, c, ledger, random, () => stopped),
      );
      const ms = MIN_MS + Math.floor(random() * (MAX_MS - MIN_MS));
      await sleep(ms);
      await lrs.kill();
      stopped = true;
      await Promise.all(clients);
      rounds.push({ ms, acked: ledger.acked.size - before });
    }
    expect(ledger.unexpected, 'non-2xx answers while the LRS was up').to.deep.equal([]);

    // Restart once more: every acknowledged statement must come back by id.
    const lrs = await LrsProcess.start(dataDir);
    try {
      await lrs.projectionsCaughtUp();
      const ids = [...ledger.acked];
      const missing: string[] = [];
      for (let i = 0; i < ids.length; i += 16) {
        await Promise.all(
          ids.slice(i, i + 16).map(async (id) => {
            const reply = await lrs.call('GET', `statements?statementId=${id}`);
            if (reply.status !== 200 || (reply.body as { id?: string }).id !== id) missing.push(id);
          }),
        );
      }
      expect(missing, 'acknowledged statements not retrievable by id').to.deep.equal([]);
    } finally {
      await lrs.stop();
    }

    const audit = await auditLog(dataDir, scratch);
    const duplicated = [...audit.eventsPerId].filter(([, n]) => n > 1).map(([id]) => id);
    const lost = [...ledger.acked].filter((id) => !audit.eventsPerId.has(id));
    const neverSent = [...audit.eventsPerId.keys()].filter((id) => !ledger.sent.has(id));
    // The SQLite adapter commits a batch in one transaction: a batch is all there or not at all.
    const torn = ledger.batches.filter((batch) => {
      const stored = batch.filter((id) => audit.eventsPerId.has(id)).length;
      return stored !== 0 && stored !== batch.length;
    });
    console.log(
      `      ${KILLS} kills survived; ${ledger.acked.size} statements acknowledged, ${ledger.unknown.size} unanswered; ` +
        `${audit.events} statement events in the log; rounds acked min ${Math.min(...rounds.map((r) => r.acked))}`,
    );
    expect(audit.malformed, 'half-stored statement events').to.deep.equal([]);
    expect(lost, 'acknowledged but not in the log').to.deep.equal([]);
    expect(duplicated, 'stored more than once').to.deep.equal([]);
    expect(neverSent, 'stored but never sent').to.deep.equal([]);
    expect(torn.length, 'batches partly stored').to.equal(0);
    expect(ledger.acked.size, 'the clients got statements through').to.be.greaterThan(KILLS * 10);

    const prints = await compareWithCleanRebuild(dataDir, scratch);
    expect(prints.live, 'statements index after the crashes vs a clean rebuild').to.equal(prints.clean);
  });

  /** Spawns, kills as soon as the checkpoint moves (mid-work), repeats; returns the checkpoints seen. */
  async function killWhileProjecting(kills: number): Promise<bigint[]> {
    const seen: bigint[] = [];
    for (let k = 0; k < kills; k++) {
      const start = checkpointCommit(dataDir);
      const lrs = await LrsProcess.spawn(dataDir);
      const deadline = Date.now() + 30_000;
      while (lrs.alive && checkpointCommit(dataDir) === start && Date.now() < deadline) await sleep(5);
      // A short random delay: projection batches now take a few milliseconds each, so a
      // longer one would let the whole catch-up finish before the kill.
      await sleep(Math.floor(random() * 15));
      await lrs.kill();
      seen.push(checkpointCommit(dataDir));
    }
    return seen;
  }

  async function finishAndCompare(): Promise<void> {
    const lrs = await LrsProcess.start(dataDir);
    await lrs.projectionsCaughtUp();
    await lrs.stop();
    const prints = await compareWithCleanRebuild(dataDir, scratch);
    expect(prints.live).to.equal(prints.clean);
  }

  /** Appends statements through the service's own store while the service is down. */
  async function appendOffline(count: number): Promise<bigint> {
    const log = await openSqliteEventLog({ file: join(dataDir, 'events.sqlite') });
    try {
      const store = new StatementStore(log);
      for (let i = 0; i < count; i += 500) {
        const statements = Array.from({ length: Math.min(500, count - i) }, () =>
          aStatementWithId(randomUUID(), 99),
        );
        await store.store({
          statements,
          version: '1.0.3',
          writer: 'offline',
          authority: anAgent().withMbox('mailto:offline@example.org').build(),
          source: 'crash-test',
        });
      }
      return (await log.headPosition())?.commit ?? 0n;
    } finally {
      await log.close();
    }
  }

  it(`a rebuild of the statements index killed ${PROJECTION_KILLS} times equals a clean rebuild`, async () => {
    const head = await appendOffline(8_000);
    rmSync(join(dataDir, 'projections'), { recursive: true, force: true });
    const seen = await killWhileProjecting(PROJECTION_KILLS);
    const midway = seen.filter((c) => c > 0n && c < head);
    console.log(`      rebuild: checkpoints after kills ${seen.join(', ')} (head ${head})`);
    expect(midway.length, 'kills that landed mid-rebuild').to.be.at.least(Math.min(3, PROJECTION_KILLS));
    await finishAndCompare();
  });

  it(`live catch-up killed ${PROJECTION_KILLS} times equals a clean rebuild`, async () => {
    const from = checkpointCommit(dataDir);
    const head = await appendOffline(16_000);
    const seen = await killWhileProjecting(PROJECTION_KILLS);
    const midway = seen.filter((c) => c > from && c < head);
    console.log(`      catch-up: from ${from}, checkpoints after kills ${seen.join(', ')} (head ${head})`);
    expect(midway.length, 'kills that landed mid-catch-up').to.be.at.least(Math.min(3, PROJECTION_KILLS));
    await finishAndCompare();
  });
});
