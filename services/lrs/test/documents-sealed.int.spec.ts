import { createHash, randomUUID } from 'node:crypto';
import type { JsonObject } from '@lrs/event-log';
import { keyStoreFile, openKeyStore, releaseKeyStore } from '@lrs/privacy';
import { TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import { DOCUMENT_WRITTEN } from '../src/documents/document-events';
import { type DocumentKey, documentStream } from '../src/documents/document-key';
import { documentEventSealer, openDocumentState } from '../src/documents/document-seal';

// Decision 079: documents written before sealing (plaintext events under the plain key's stream)
// stay readable, and the first write seals them into the pseudonymous stream; the migration's
// sealer gives the same stream and the same content.
const ACTIVITY = 'https://example.org/courses/filing';
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const q = (params: Record<string, unknown>) =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&');

describe('agent documents written before sealing (decision 079)', function () {
  this.timeout(30_000);
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(() => lrs.stop());

  /** A State document as the LRS stored it before decision 079: plaintext, under the plain key. */
  async function anOlderDocument(email: string, stateId: string, content: string) {
    const key: DocumentKey = {
      resource: 'state',
      activityId: ACTIVITY,
      agent: `mbox:mailto:${email}`,
      id: stateId,
    };
    const event = {
      type: DOCUMENT_WRITTEN,
      data: new Uint8Array(Buffer.from(content)),
      metadata: {
        key,
        contentType: 'application/json',
        etag: sha1(content),
        length: content.length,
      } as unknown as JsonObject,
    };
    await lrs.system.log.append(documentStream(key), [event], { expectedRevision: 'no_stream' });
    return { key, event, stream: documentStream(key) };
  }

  it('reads an older document, and a write with its ETag supersedes it with a sealed one', async () => {
    const email = `${randomUUID()}@example.org`;
    const agent = { mbox: `mailto:${email}` };
    const content = JSON.stringify({ page: 4 });
    const older = await anOlderDocument(email, 'bookmark', content);
    await lrs.caughtUp();
    const path = `activities/state?${q({ activityId: ACTIVITY, agent, stateId: 'bookmark' })}`;
    const got = await lrs.call('GET', path);
    expect(got.status).to.equal(200);
    expect(got.body).to.deep.equal({ page: 4 });
    expect(got.headers.get('etag')).to.equal(`"${sha1(content)}"`);
    expect(
      (await lrs.call('GET', `activities/state?${q({ activityId: ACTIVITY, agent })}`)).body,
    ).to.deep.equal(['bookmark']);

    const stale = await lrs.call('POST', path, { json: { chapter: 2 }, headers: { 'If-Match': '"abc"' } });
    expect(stale.status).to.equal(412);
    const merged = await lrs.call('POST', path, {
      json: { chapter: 2 },
      headers: { 'If-Match': `"${sha1(content)}"` },
    });
    expect(merged.status, merged.text).to.equal(204);
    await lrs.caughtUp();
    expect((await lrs.call('GET', path)).body).to.deep.equal({ page: 4, chapter: 2 });
    // One document, listed once, now in a stream the e-mail address cannot name.
    expect(
      (await lrs.call('GET', `activities/state?${q({ activityId: ACTIVITY, agent })}`)).body,
    ).to.deep.equal(['bookmark']);
    const written = (await lrs.system.log.readAll()).filter((e) => e.type === 'xapi.document.merged').at(-1)!;
    expect(written.stream).to.not.equal(older.stream);
    expect(JSON.stringify(written.metadata)).to.not.include(email);
    expect(Buffer.from(written.data as Uint8Array).toString('latin1')).to.not.include('chapter');

    // Deleting it leaves nothing to read, in either stream.
    expect((await lrs.call('DELETE', path)).status).to.equal(204);
    expect((await lrs.call('GET', path)).status).to.equal(404);
  });

  it("the migration's sealer puts an older event where the LRS reads it, sealed", async () => {
    const email = `${randomUUID()}@example.org`;
    const content = JSON.stringify({ note: 'kept' });
    const older = await anOlderDocument(email, 'notes', content);
    // The system's key store (shared on this thread), as the migration runner opens it.
    const file = keyStoreFile(lrs.system.config.dataDir);
    const keys = openKeyStore(file);
    try {
      const sealed = documentEventSealer({ stream: older.stream, ...older.event }, keys)!;
      expect(sealed.stream).to.not.equal(older.stream);
      expect(JSON.stringify(sealed.metadata)).to.not.include(email);
      expect(Buffer.from(sealed.data).toString('latin1')).to.not.include('kept');
      await keys.durable();
      await lrs.system.log.append(sealed.stream, [
        { type: DOCUMENT_WRITTEN, data: sealed.data, metadata: sealed.metadata },
      ]);
      const path = `activities/state?${q({ activityId: ACTIVITY, agent: { mbox: `mailto:${email}` }, stateId: 'notes' })}`;
      const got = await lrs.call('GET', path);
      expect(got.body).to.deep.equal({ note: 'kept' });
      expect(got.headers.get('etag')).to.equal(`"${sha1(content)}"`);
      // Sealed already, or not an agent's document: nothing to do.
      expect(documentEventSealer({ ...sealed, type: DOCUMENT_WRITTEN }, keys)).to.equal(null);
      const opened = openDocumentState(
        {
          type: DOCUMENT_WRITTEN,
          revision: 0,
          data: sealed.data,
          metadata: sealed.metadata,
          recorded: new Date(),
        },
        () => undefined,
      );
      expect(opened.exists).to.equal(false);
    } finally {
      releaseKeyStore(file);
    }
  });
});
