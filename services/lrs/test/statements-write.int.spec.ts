import { randomUUID } from 'node:crypto';
import {
  expectNothingWritten,
  expectProblem,
  type StatementResult,
  TestLrs,
  UUID_RE,
} from '@lrs/server/testing';
import { anActivity, aStatement, verbs } from '@lrs/testkit';
import { expect } from 'chai';

// xAPI Communication 2.1.1 (PUT) and 2.1.2 (POST): storing statements.
describe('Statements resource: PUT and POST (xAPI Communication 2.1.1, 2.1.2)', () => {
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(async () => {
    await lrs.stop();
  });

  const get = async (id: string) => lrs.call('GET', `statements?statementId=${id}`);

  describe('PUT', () => {
    it('stores a statement under the statementId parameter and answers 204 with no body', async () => {
      const id = randomUUID();
      const res = await lrs.call('PUT', `statements?statementId=${id}`, { json: aStatement().build() });
      expect(res.status, res.text).to.equal(204);
      expect(res.text).to.equal('');
      const back = await get(id);
      expect(back.status).to.equal(200);
      expect((back.body as { id: string }).id).to.equal(id);
    });

    it('accepts a statement carrying the same id as the parameter', async () => {
      const id = randomUUID();
      const res = await lrs.call('PUT', `statements?statementId=${id}`, {
        json: aStatement().withId(id).build(),
      });
      expect(res.status, res.text).to.equal(204);
    });

    it('rejects a PUT without statementId with 400 and writes nothing', async () => {
      const before = await lrs.statementCount();
      const res = await lrs.call('PUT', 'statements', { json: aStatement().build() });
      expectProblem(res, 400, 'parameter.required', '/query/statementId');
      await expectNothingWritten(lrs, before);
    });

    it('rejects a statement whose id differs from the statementId parameter with 400', async () => {
      const before = await lrs.statementCount();
      const res = await lrs.call('PUT', `statements?statementId=${randomUUID()}`, {
        json: aStatement().withId(randomUUID()).build(),
      });
      expectProblem(res, 400, 'statement.id-mismatch', '/id');
      await expectNothingWritten(lrs, before);
    });

    it('rejects a statementId that is not a UUID with 400', async () => {
      const res = await lrs.call('PUT', 'statements?statementId=not-a-uuid', { json: aStatement().build() });
      expectProblem(res, 400, 'parameter.uuid', '/query/statementId');
    });

    it('rejects an array body with 400', async () => {
      const res = await lrs.call('PUT', `statements?statementId=${randomUUID()}`, {
        json: [aStatement().build()],
      });
      expectProblem(res, 400, 'put.single');
    });

    it('answers 204 to a repeat of an equivalent statement and stores nothing new', async () => {
      const id = randomUUID();
      const statement = aStatement().withId(id).build();
      expect((await lrs.call('PUT', `statements?statementId=${id}`, { json: statement })).status).to.equal(
        204,
      );
      const stored = (await get(id)).body;
      const before = await lrs.statementCount();
      const again = await lrs.call('PUT', `statements?statementId=${id}`, { json: statement });
      expect(again.status, again.text).to.equal(204);
      await expectNothingWritten(lrs, before);
      expect((await get(id)).body).to.deep.equal(stored);
    });

    it('answers 409 to a different statement under an existing id and keeps the first', async () => {
      const id = randomUUID();
      await lrs.call('PUT', `statements?statementId=${id}`, { json: aStatement().build() });
      const before = await lrs.statementCount();
      const res = await lrs.call('PUT', `statements?statementId=${id}`, {
        json: aStatement().withVerb(verbs.failed).build(),
      });
      expectProblem(res, 409, 'statement.conflict', '/id');
      await expectNothingWritten(lrs, before);
      expect((await get(id)).body).to.have.nested.property('verb.id', verbs.completed.id);
    });
  });

  describe('POST', () => {
    it('stores a single statement and answers 200 with an array of its generated UUID id', async () => {
      const res = await lrs.call('POST', 'statements', { json: aStatement().build() });
      expect(res.status, res.text).to.equal(200);
      const ids = res.body as string[];
      expect(ids).to.have.length(1);
      expect(ids[0]).to.match(UUID_RE);
      expect((await get(ids[0]!)).status).to.equal(200);
    });

    it('stores a batch and answers the ids in the order of the statements', async () => {
      const given = randomUUID();
      const batch = [aStatement().build(), aStatement().withId(given).build(), aStatement().build()];
      const res = await lrs.call('POST', 'statements', { json: batch });
      expect(res.status, res.text).to.equal(200);
      const ids = res.body as string[];
      expect(ids).to.have.length(3);
      expect(ids[1]).to.equal(given);
      for (const id of ids) expect(id).to.match(UUID_RE);
      expect(new Set(ids).size).to.equal(3);
      for (const [i, id] of ids.entries()) {
        const back = await get(id);
        expect(back.status, `statement ${i}`).to.equal(200);
      }
    });

    it('rejects a batch with the same id twice with 400 and writes none of it', async () => {
      const id = randomUUID();
      const before = await lrs.statementCount();
      const res = await lrs.call('POST', 'statements', {
        json: [aStatement().build(), aStatement().withId(id).build(), aStatement().withId(id).build()],
      });
      expect(res.status, res.text).to.equal(400);
      expect(res.error?.rule).to.be.a('string');
      expect(res.error?.pointer).to.equal('/2/id');
      await expectNothingWritten(lrs, before);
      expect((await get(id)).status).to.equal(404);
    });

    it('rejects a batch with one invalid statement with 400, naming it, and writes none of it', async () => {
      const good = randomUUID();
      const before = await lrs.statementCount();
      const res = await lrs.call('POST', 'statements', {
        json: [aStatement().withId(good).build(), aStatement().unset('/verb').build()],
      });
      expect(res.status, res.text).to.equal(400);
      expect(res.error?.pointer).to.match(/^\/1(\/|$)/);
      await expectNothingWritten(lrs, before);
      expect((await get(good)).status).to.equal(404);
    });

    it('rejects an empty batch with 400', async () => {
      expectProblem(await lrs.call('POST', 'statements', { json: [] }), 400, 'batch.empty');
    });

    it('rejects POST with a statementId parameter (POST takes none) with 400', async () => {
      const res = await lrs.call('POST', `statements?statementId=${randomUUID()}`, {
        json: aStatement().build(),
      });
      expectProblem(res, 400, 'parameter.unknown', '/query/statementId');
    });

    it('answers 200 to a batch repeating a stored statement, and 409 when one differs, writing nothing', async () => {
      const id = randomUUID();
      const first = aStatement().withId(id).build();
      await lrs.call('POST', 'statements', { json: first });
      const repeat = await lrs.call('POST', 'statements', { json: [first, aStatement().build()] });
      expect(repeat.status, repeat.text).to.equal(200);
      expect((repeat.body as string[])[0]).to.equal(id);
      const before = await lrs.statementCount();
      const changed = aStatement().withId(id).withActivity(anActivity('https://example.org/other')).build();
      const conflict = await lrs.call('POST', 'statements', { json: [aStatement().build(), changed] });
      expectProblem(conflict, 409, 'statement.conflict');
      await expectNothingWritten(lrs, before);
    });

    it('answers 204 to a POST that only repeats stored statements (Communication 2.1.2), writing nothing', async () => {
      const id = randomUUID();
      const statement = aStatement().withId(id).build();
      expect((await lrs.call('PUT', `statements?statementId=${id}`, { json: statement })).status).to.equal(
        204,
      );
      const before = await lrs.statementCount();
      const again = await lrs.call('POST', 'statements', { json: statement });
      expect(again.status, again.text).to.equal(204);
      await expectNothingWritten(lrs, before);
      const changed = await lrs.call('POST', 'statements', {
        json: aStatement().withId(id).withVerb(verbs.passed).build(),
      });
      expectProblem(changed, 409, 'statement.conflict');
      expect((await get(id)).body).to.have.nested.property('verb.id', verbs.completed.id);
    });

    it('sets stored, authority, version and timestamp on what it returns', async () => {
      const res = await lrs.call('POST', 'statements', { json: aStatement().build() });
      const back = (await get((res.body as string[])[0]!)).body as Record<string, unknown>;
      expect(back.stored).to.be.a('string');
      expect(back.timestamp).to.be.a('string');
      expect(back.version).to.match(/^1\.0\.\d+$/);
      expect(back.authority).to.have.property('objectType');
    });

    it('lists stored statements newest first with a more property', async () => {
      const res = await lrs.call('GET', 'statements?limit=2');
      expect(res.status).to.equal(200);
      const result = res.body as StatementResult;
      expect(result.statements).to.have.length(2);
      expect(result.more).to.be.a('string');
      expect(result.statements[0]!.stored! >= result.statements[1]!.stored!).to.equal(true);
    });
  });
});
