// A sealing thread of `pnpm privacy migrate` (decision 080; migration-pool.ts is the other end).
// It seals the statements of a batch with the sealer ingest uses and computes every event's
// digests; the key store stays with the main thread (one writer): subjects the thread has not
// met yet are asked of it, once per batch, before any statement of the batch is sealed.
import { parentPort } from 'node:worker_threads';
import { decodeRawEvent, type RawEvent, type RecordedEvent } from '@lrs/event-log';
import { usePersonalDataCodec } from '@lrs/events';
import type { KeyStore, Subject } from './key-store';
import {
  migrateEvent,
  PLAINTEXT_OPENERS,
  PLAINTEXT_SEALERS,
  type PlaintextEvent,
  plaintextEventOf,
} from './migration';
import { storedDigest } from './migration-events';
import type { FromSealingThread, ToSealingThread } from './migration-pool';
import { openStatement } from './seal';

const port = parentPort;
if (!port) throw new Error('migration-worker runs only as a worker thread');
const send = (message: FromSealingThread, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

/** Subjects handed over by the main thread, by identifier key and by pseudonym (bounded). */
const byIfi = new Map<string, Subject>();
const byPseudonym = new Map<string, Buffer>();
const CACHED = 200_000;

/** The part of the key store a statement's sealer and opener use, answered from what was handed over. */
const keys = {
  subjects(ifis: Iterable<string>): Map<string, Subject> {
    const found = new Map<string, Subject>();
    for (const ifi of ifis) {
      const subject = byIfi.get(ifi);
      // prepareBatch named every identifier of the batch, so this is a programming error.
      if (!subject) throw new Error('migration thread: an identifier without its subject');
      found.set(ifi, subject);
    }
    return found;
  },
  find: (ifi: string) => byIfi.get(ifi),
  key: (pseudonym: string) => byPseudonym.get(pseudonym),
  keyChecked: (pseudonym: string) => byPseudonym.get(pseudonym),
  refresh: () => {},
} as unknown as KeyStore;
usePersonalDataCodec({ open: (statement) => openStatement(statement, (p) => byPseudonym.get(p)) });

let answer: ((subjects: [string, string, Uint8Array][]) => void) | null = null;

async function migrateBatch(rows: RawEvent[], types: readonly string[], mainTypes: readonly string[]) {
  const sealers = new Map([...PLAINTEXT_SEALERS].filter(([t]) => types.includes(t)));
  const openers = new Map([...PLAINTEXT_OPENERS].filter(([t]) => types.includes(t)));
  const decoded: ({ event: RecordedEvent; input: PlaintextEvent } | undefined)[] = new Array(rows.length);
  // The subjects this batch needs that this thread has not been given yet.
  if (byIfi.size > CACHED) {
    byIfi.clear();
    byPseudonym.clear();
  }
  const missing = new Set<string>();
  const recorder = {
    subjects(ifis: Iterable<string>) {
      for (const ifi of ifis) if (!byIfi.has(ifi)) missing.add(ifi);
      return new Map();
    },
  } as unknown as KeyStore;
  for (const [type, sealer] of sealers) {
    if (!sealer.prepareBatch) continue;
    const ofType: PlaintextEvent[] = [];
    for (let i = 0; i < rows.length; i++) {
      if (rows[i]![4] !== type) continue;
      const event = decodeRawEvent(rows[i]!);
      decoded[i] = { event, input: plaintextEventOf(event) };
      ofType.push(decoded[i]!.input);
    }
    if (ofType.length > 0) sealer.prepareBatch(ofType, recorder);
  }
  if (missing.size > 0) {
    const given = await new Promise<[string, string, Uint8Array][]>((resolve) => {
      answer = resolve;
      send({ t: 'need', ifis: [...missing] });
    });
    for (const [ifi, pseudonym, key] of given) {
      const subject = { pseudonym, key: Buffer.from(key.buffer, key.byteOffset, key.byteLength) };
      byIfi.set(ifi, subject);
      byPseudonym.set(pseudonym, subject.key);
    }
  }
  const out: (RawEvent | null | 0)[] = new Array(rows.length);
  const digests = new Uint8Array(rows.length * 96);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    // A type the main thread seals or opens (documents, registry records, ...): it does it.
    if (!types.includes(row[4]) && mainTypes.includes(row[4])) {
      out[i] = 0;
      continue;
    }
    const r = migrateEvent(row, sealers, openers, keys, decoded[i]);
    out[i] = r.row === row ? null : r.row;
    digests.set(r.before, i * 96);
    digests.set(r.after, i * 96 + 32);
    digests.set(r.stored, i * 96 + 64);
  }
  return { out, digests };
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (m: ToSealingThread) => {
  if (m.t === 'subjects') {
    const resolve = answer;
    answer = null;
    resolve?.(m.subjects);
    return;
  }
  if (m.t === 'digest') {
    const digests = new Uint8Array(m.rows.length * 32);
    for (let i = 0; i < m.rows.length; i++) digests.set(storedDigest(m.rows[i]!), i * 32);
    queue = queue.then(() => send({ t: 'digested', seq: m.seq, digests }, [digests.buffer as ArrayBuffer]));
    return;
  }
  // One batch at a time: a batch waiting for its subjects holds the next one back.
  queue = queue.then(() =>
    migrateBatch(m.rows, m.types, m.mainTypes).then(
      ({ out, digests }) => send({ t: 'done', seq: m.seq, out, digests }, [digests.buffer as ArrayBuffer]),
      (error: unknown) =>
        send({ t: 'failed', seq: m.seq, message: error instanceof Error ? error.message : String(error) }),
    ),
  );
});
