import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type EventLog, MAX_APPEND_BYTES, openSqliteEventLog } from '@lrs/event-log';
import { expect } from 'chai';
import {
  ATTACHMENT_CHUNK,
  AttachmentIntegrityError,
  AttachmentStore,
  chunkStream,
  manifestStream,
} from '../src';
import { randomishBytes, sha256 } from './support/builders';
import { expectAttachmentError } from './support/expectations';
import { watchedLog } from './support/watched-log';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('AttachmentStore over the SQLite event log', function () {
  this.timeout(120_000);
  let dir: string;
  let log: EventLog;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lrs-attachments-'));
    log = await openSqliteEventLog({ file: join(dir, 'events.sqlite') });
  });

  afterEach(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores an attachment once under its sha2 and gives back the same bytes and content type', async () => {
    const store = new AttachmentStore(log);
    const bytes = Buffer.from('Certificate of completion: data protection 2025');

    const first = await store.put(sha256(bytes), 'text/plain', bytes);
    const second = await store.put(sha256(bytes).toUpperCase(), 'text/plain', Buffer.from(bytes));

    expect([first.created, second.created]).to.deep.equal([true, false]);
    expect(await store.has(sha256(bytes))).to.equal(true);
    expect(await store.get(sha256(bytes))).to.deep.equal({
      contentType: 'text/plain',
      length: bytes.length,
      bytes,
    });
    expect(await log.streamRevision(manifestStream(sha256(bytes)))).to.equal(0);
    expect(await log.streamRevision(chunkStream(sha256(bytes)))).to.equal(0);
  });

  it('answers null for content it does not hold', async () => {
    const store = new AttachmentStore(log);
    expect(await store.has(sha256('absent'))).to.equal(false);
    expect(await store.get(sha256('absent'))).to.equal(null);
    expect(await store.open('not-a-hash')).to.equal(null);
  });

  it('stores an empty attachment', async () => {
    const store = new AttachmentStore(log);
    await store.put(sha256(''), 'text/plain', Buffer.alloc(0));
    expect(await store.get(sha256(''))).to.deep.equal({
      contentType: 'text/plain',
      length: 0,
      bytes: Buffer.alloc(0),
    });
  });

  it('refuses bytes that do not hash to the sha2, writing nothing', async () => {
    const store = new AttachmentStore(log);
    const err = await expectAttachmentError(
      store.put(sha256('original'), 'text/plain', Buffer.from('tampered')),
      400,
      'attachment.hash-mismatch',
    );
    expect(err.message).to.contain(sha256('tampered'));
    expect(await log.headPosition()).to.equal(null);
  });

  it('refuses an attachment over the configured limit with 413', async () => {
    const store = new AttachmentStore(log, { maxAttachmentBytes: MiB });
    const bytes = randomishBytes(MiB + 1);
    await expectAttachmentError(
      store.put(sha256(bytes), 'application/octet-stream', bytes),
      413,
      'attachment.too-large',
    );
    await expectAttachmentError(
      store.put(sha256(bytes), 'application/octet-stream', Readable.from([bytes])),
      413,
      'attachment.too-large',
    );
  });

  it('splits a 5 MiB attachment into chunks of at most 768 KiB, one per append, every append under 1 MiB', async () => {
    const { log: watched, appends } = watchedLog(log);
    const store = new AttachmentStore(watched);
    const bytes = randomishBytes(5 * MiB, 21);

    await store.put(
      sha256(bytes),
      'video/mp4',
      Readable.from([bytes.subarray(0, 3 * MiB), bytes.subarray(3 * MiB)]),
    );

    const chunks = await log.readStream(chunkStream(sha256(bytes)));
    expect(chunks.map((e) => e.type)).to.deep.equal(Array(7).fill(ATTACHMENT_CHUNK));
    expect(chunks.every((e) => (e.data as Uint8Array).length <= 768 * KiB)).to.equal(true);
    expect(appends).to.have.length(8); // 7 chunks, then the manifest
    expect(appends.at(-1)!.stream).to.equal(manifestStream(sha256(bytes)));
    expect(Math.max(...appends.map((a) => a.bytes))).to.be.lessThan(MAX_APPEND_BYTES);
    expect(Buffer.compare((await store.get(sha256(bytes)))!.bytes, bytes)).to.equal(0);
  });

  it('shows nothing of a put that crashed before its manifest, and a retry completes it reusing the chunks', async () => {
    const bytes = randomishBytes(3 * MiB, 33);
    const crashing = watchedLog(log, { crashAfterAppends: 2 });
    await new AttachmentStore(crashing.log).put(sha256(bytes), 'application/pdf', bytes).then(
      () => expect.fail('the put should have crashed'),
      (error: Error) => expect(error.message).to.contain('simulated crash'),
    );

    const store = new AttachmentStore(log);
    expect(await store.has(sha256(bytes))).to.equal(false);
    expect(await store.get(sha256(bytes))).to.equal(null);
    expect(await log.streamRevision(chunkStream(sha256(bytes)))).to.equal(1); // two chunks written

    const retry = watchedLog(log);
    const result = await new AttachmentStore(retry.log).put(sha256(bytes), 'application/pdf', bytes);

    expect(result.created).to.equal(true);
    expect(result.manifest.firstRevision).to.equal(0);
    expect(retry.appends.map((a) => a.stream)).to.deep.equal([
      chunkStream(sha256(bytes)),
      chunkStream(sha256(bytes)),
      manifestStream(sha256(bytes)),
    ]);
    expect(Buffer.compare((await store.get(sha256(bytes)))!.bytes, bytes)).to.equal(0);
  });

  it('writes a fresh run after chunks that are not a clean prefix of the content', async () => {
    const bytes = randomishBytes(2 * MiB, 44);
    await log.append(chunkStream(sha256(bytes)), [
      {
        type: ATTACHMENT_CHUNK,
        data: randomishBytes(1000, 1),
        metadata: { index: 0, chunkBytes: 768 * KiB },
      },
    ]);
    const store = new AttachmentStore(log);
    const result = await store.put(sha256(bytes), 'application/pdf', bytes);
    expect(result.manifest.firstRevision).to.equal(1);
    expect(Buffer.compare((await store.get(sha256(bytes)))!.bytes, bytes)).to.equal(0);
  });

  it('stores concurrent puts of the same content once', async () => {
    const bytes = randomishBytes(2 * MiB, 55);
    const store = new AttachmentStore(log);
    const results = await Promise.all(
      [1, 2, 3].map(() => store.put(sha256(bytes), 'application/pdf', bytes)),
    );
    expect(results.filter((r) => r.created)).to.have.length(1);
    expect(await log.streamRevision(chunkStream(sha256(bytes)))).to.equal(2);
    expect(Buffer.compare((await store.get(sha256(bytes)))!.bytes, bytes)).to.equal(0);
  });

  it('detects chunks that no longer hash to the address on read', async () => {
    const store = new AttachmentStore(log);
    const sha2 = sha256('the real content');
    // A manifest pointing at other bytes: what a damaged or hand-edited log would look like.
    await log.append(chunkStream(sha2), [
      { type: ATTACHMENT_CHUNK, data: Buffer.from('other content!!!'), metadata: { index: 0 } },
    ]);
    await log.append(manifestStream(sha2), [
      {
        type: 'attachment.stored',
        data: {
          sha2,
          length: 16,
          chunkCount: 1,
          contentType: 'text/plain',
          chunkBytes: 768 * KiB,
          chunkStream: chunkStream(sha2),
          firstRevision: 0,
        },
      },
    ]);
    const error = await store.get(sha2).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AttachmentIntegrityError);
    const opened = await store.open(sha2);
    const streamed = await (async () => {
      for await (const _ of opened!.stream) {
      }
    })().catch((e: unknown) => e);
    expect(streamed).to.be.instanceOf(AttachmentIntegrityError);
  });

  it('round-trips a 50 MB attachment (put from a stream, get and open)', async () => {
    const { log: watched, appends } = watchedLog(log);
    const store = new AttachmentStore(watched, { maxAttachmentBytes: 64 * MiB, tempDir: dir });
    const bytes = randomishBytes(50 * 1000 * 1000, 77);
    const sha2 = sha256(bytes);
    const chunks = Array.from({ length: Math.ceil(bytes.length / (64 * KiB)) }, (_, i) =>
      bytes.subarray(i * 64 * KiB, (i + 1) * 64 * KiB),
    );

    const t0 = performance.now();
    await store.put(sha2, 'video/mp4', Readable.from(chunks));
    const t1 = performance.now();
    const got = await store.get(sha2);
    const t2 = performance.now();
    let streamedLength = 0;
    for await (const chunk of (await store.open(sha2))!.stream) streamedLength += (chunk as Buffer).length;
    const t3 = performance.now();

    expect(got!.length).to.equal(bytes.length);
    expect(Buffer.compare(got!.bytes, bytes)).to.equal(0);
    expect(streamedLength).to.equal(bytes.length);
    expect(Math.max(...appends.map((a) => a.bytes))).to.be.lessThan(MAX_APPEND_BYTES);
    console.log(
      `      50 MB attachment: put ${(t1 - t0).toFixed(0)} ms (${appends.length} appends), get ${(t2 - t1).toFixed(0)} ms, open+stream ${(t3 - t2).toFixed(0)} ms`,
    );
  });
});
