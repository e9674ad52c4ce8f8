import { Position } from '@lrs/event-log';
import { TestLrs } from '@lrs/server/testing';
import { expect } from 'chai';
import {
  FIXTURE,
  FIXTURE_RESOURCES,
  fixturePath,
  freshDocumentId,
  mutatedDocumentRequest,
} from './support/document-mutations';
import { prng, seedFrom } from './support/lrs-process';

/**
 * Bad input on the document resources (docs/RELIABILITY.md): State, Activity Profile and Agent Profile,
 * every method, with mutated query parameters, headers and bodies. Seeded: a failure reproduces
 * with DOCUMENT_FUZZ_SEED=<printed seed>; DOCUMENT_FUZZ_CASES raises the count for a long run.
 */
const CASES = Number(process.env.DOCUMENT_FUZZ_CASES ?? 1_500);
const SEED = seedFrom('DOCUMENT_FUZZ_SEED');
/** Growth of this process' RSS allowed over the whole run (the LRS runs in-process here). */
const MEMORY_BUDGET_MIB = 384;
/** Answered by Node's HTTP parser before the app sees the request, so they carry no problem body. */
const PARSER_STATUSES = new Set([414, 431]);
/** A small document limit keeps the 413 cases cheap while the inline/attachment split (768 KiB) still runs. */
const MAX_DOCUMENT_BYTES = 1024 * 1024;

describe('fuzz: mutated requests against the document resources', function () {
  this.timeout(300_000);
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start({ LRS_MAX_DOCUMENT_BYTES: String(MAX_DOCUMENT_BYTES) });
    console.log(`      document fuzz seed ${SEED}, ${CASES} cases (DOCUMENT_FUZZ_SEED=${SEED} reproduces)`);
    for (const resource of FIXTURE_RESOURCES)
      for (const doc of FIXTURE.documents) {
        const put = await lrs.call('PUT', fixturePath(resource, doc.id), {
          body: doc.body,
          headers: { 'Content-Type': doc.contentType, 'If-None-Match': '*' },
        });
        expect(put.status, put.text).to.equal(204);
      }
  });
  after(() => lrs.stop());

  it('never answers 5xx, never appends for a rejected request or a read, stays within memory', async () => {
    const random = prng(SEED);
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const fuzz = mutatedDocumentRequest(random, i);
      const before = await lrs.system.log.headPosition();
      const reply = await lrs.call(fuzz.method, fuzz.path, {
        headers: fuzz.headers,
        ...(fuzz.body ? { body: fuzz.body } : {}),
        ...('X-Experience-API-Version' in fuzz.headers ? { version: null } : {}),
      });
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      const after = await lrs.system.log.headPosition();
      const appended = !Position.equals(before, after);
      if (reply.status >= 500)
        failures.push(`${fuzz.description} → ${reply.status} ${reply.text.slice(0, 300)}`);
      else if (reply.status >= 400) {
        if (appended) failures.push(`${fuzz.description} → ${reply.status} but appended`);
        if (typeof reply.error?.rule !== 'string' && !PARSER_STATUSES.has(reply.status))
          failures.push(`${fuzz.description} → ${reply.status} without a rule: ${reply.text.slice(0, 200)}`);
      } else if (fuzz.method === 'GET' && (reply.status !== 200 || appended)) {
        failures.push(`${fuzz.description} → ${reply.status}${appended ? ' and appended' : ''}`);
      } else if (fuzz.method !== 'GET' && reply.status !== 204) {
        failures.push(`${fuzz.description} → unexpected ${reply.status}`);
      } else if ((fuzz.method === 'PUT' || fuzz.method === 'POST') && !appended) {
        failures.push(`${fuzz.description} → ${reply.status} but nothing was written`);
      }
      if (failures.length >= 5) break;
      if (i % 100 === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const growthMiB = Math.round((peakRss - rssBefore) / 2 ** 20);
    console.log(
      `      statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; RSS growth ${growthMiB} MiB`,
    );
    expect(failures, `seed ${SEED}`).to.deep.equal([]);
    expect(growthMiB, 'RSS growth (MiB)').to.be.below(MEMORY_BUDGET_MIB);
    // Prototype pollution would show on every object of this process.
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);

    // Still serving documents: a write, a merge and a read after all that.
    const path = fixturePath('state', freshDocumentId());
    expect((await lrs.call('PUT', path, { json: { a: 1 } })).status).to.equal(204);
    expect((await lrs.call('POST', path, { json: { b: 2 } })).status).to.equal(204);
    const read = await lrs.call('GET', path);
    expect(read.status).to.equal(200);
    expect(read.body).to.deep.equal({ a: 1, b: 2 });
  });
});

describe('documents: merging into stored content the merge cannot rebuild', function () {
  this.timeout(30_000);
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(() => lrs.stop());

  it('a POST into a stored JSON document nested 200,000 deep is 400 document.merge-target and writes nothing', async () => {
    const path = fixturePath('state', freshDocumentId());
    const deep = `{"deep":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    // PUT stores any bytes (Communication 2.2); only a merge has to parse them.
    const put = await lrs.call('PUT', path, { body: deep, headers: { 'Content-Type': 'application/json' } });
    expect(put.status, put.text).to.equal(204);
    const before = await lrs.system.log.headPosition();
    const post = await lrs.call('POST', path, { json: { page: 1 } });
    expect(post.status, post.text).to.equal(400);
    expect(post.error?.rule).to.equal('document.merge-target');
    expect(post.error?.message).to.match(/deeper than 512/);
    expect(Position.equals(before, await lrs.system.log.headPosition())).to.equal(true);
    const read = await lrs.call('GET', path);
    expect(read.text).to.equal(deep);
  });
});
