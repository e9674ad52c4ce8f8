import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventLog, openSqliteEventLog } from '@lrs/event-log';
import type { Statement } from '@lrs/xapi';
import { expect } from 'chai';
import { CryptoShredder } from '../src/erasure';
import { KeyStore } from '../src/key-store';
import { ERASED_HOME_PAGE, openStatement, sealStatements } from '../src/seal';

// Decision 087. An erasure appends its event and then destroys the keys. A statement of the same
// person sealed by a request in flight (with the key the HTTP thread had cached) can land in the
// log just after the erasure event; the read models purge on that event and then apply the
// statement. If its key still opened then, the person's name would be back in the read models
// after their erasure, and a rebuild (keys gone) would read it as erased: live ≠ rebuild.
const PERSON = { name: 'Ilse Marrow', mbox: 'mailto:ilse.marrow@example.org' };
const REQUEST = {
  subject: { agent: { mbox: PERSON.mbox } },
  reason: 'the official asked to be forgotten',
  legalBasis: 'PIPA art. 36',
  requestedBy: 'admin',
};

describe('an erasure withholds the person’s keys before its event is in the log (decision 087)', () => {
  let dir: string;
  let log: EventLog;
  let writer: KeyStore; // the HTTP thread's connection, which seals and erases
  let projector: KeyStore; // a projector thread's connection, which opens
  let racing: Statement;
  const actorAsProjected = () =>
    openStatement(racing, (p) => projector.key(p)).statement.actor as Record<string, unknown>;
  /** The log, with `beforeErasureEvent` run at the moment the erasure event is appended. */
  const watched = (beforeErasureEvent: () => void): EventLog =>
    new Proxy(log, {
      get(target, name) {
        if (name === 'append')
          return async (stream: string, ...rest: unknown[]) => {
            if (stream.startsWith('privacy-')) beforeErasureEvent();
            return (target.append as (...a: unknown[]) => unknown)(stream, ...rest);
          };
        const value = Reflect.get(target, name);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'erasure-withhold-'));
    log = await openSqliteEventLog({ file: join(dir, 'events.sqlite') });
    writer = KeyStore.open(join(dir, 'keys.sqlite'));
    projector = KeyStore.open(join(dir, 'keys.sqlite'));
    const statement = {
      id: randomUUID(),
      actor: PERSON,
      verb: { id: 'http://adlnet.gov/expapi/verbs/attended' },
      object: { id: 'https://city.example.kr/courses/welfare-law-basics' },
    } as unknown as Statement;
    [racing] = (await sealStatements([statement], writer)) as [Statement];
    // The projector has read the person's statements before: their key is in its cache.
    expect(actorAsProjected().name).to.equal(PERSON.name);
  });
  afterEach(async () => {
    writer.close();
    projector.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('from the moment its event is appended, a statement sealed for the person reads as erased on every connection', async () => {
    let atAppend: Record<string, unknown> | undefined;
    await new CryptoShredder(
      watched(() => {
        atAppend = actorAsProjected();
      }),
      writer,
    ).erase(REQUEST);
    expect(
      atAppend,
      'the statement as a projector opens it when the erasure event is appended',
    ).to.not.have.property('name');
    expect((atAppend!.account as { homePage: string }).homePage).to.equal(ERASED_HOME_PAGE);
    expect(actorAsProjected()).to.not.have.property('name');
  });

  it('an erasure whose event cannot be appended gives the keys back: nothing was erased', async () => {
    const failing = watched(() => {
      throw new Error('disk full');
    });
    let failure: unknown;
    await new CryptoShredder(failing, writer).erase(REQUEST).catch((error: unknown) => {
      failure = error;
    });
    expect(String(failure)).to.contain('disk full');
    expect(actorAsProjected().name).to.equal(PERSON.name);
    expect(writer.withheld()).to.deep.equal([]);
  });

  it('keys withheld by an erasure a crash stopped before its event are given back at the next start', async () => {
    const pseudonym = writer.find(`mbox:${PERSON.mbox}`)!.pseudonym;
    writer.withhold([pseudonym]); // … and the process dies before appending
    expect(actorAsProjected()).to.not.have.property('name');
    const restarted = KeyStore.open(join(dir, 'keys.sqlite'));
    try {
      await new CryptoShredder(log, restarted).reconcile();
      expect(restarted.withheld()).to.deep.equal([]);
    } finally {
      restarted.close();
    }
    expect(actorAsProjected().name).to.equal(PERSON.name);
  });
});
