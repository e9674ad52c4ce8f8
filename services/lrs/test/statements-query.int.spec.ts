import { randomUUID } from 'node:crypto';
import { type StatementResult, TestLrs } from '@lrs/server/testing';
import { aGroup, anActivity, anAgent, aStatement, verbs } from '@lrs/testkit';
import type { Statement } from '@lrs/xapi';
import { expect } from 'chai';

// xAPI Communication 2.1.3 (GET statements) and 2.1.4 (voided statements).
describe('Statements resource: GET and its filters (xAPI Communication 2.1.3)', () => {
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(async () => {
    await lrs.stop();
  });

  /** A learner no other test uses, so a filter on them sees only this test's statements. */
  const freshLearner = () => anAgent().withMbox(`mailto:${randomUUID()}@example.org`);
  const agentParam = (agent: { build(): unknown }) => encodeURIComponent(JSON.stringify(agent.build()));

  const post = async (...statements: Statement[]): Promise<string[]> => {
    const res = await lrs.call('POST', 'statements', { json: statements });
    expect(res.status, res.text).to.equal(200);
    return res.body as string[];
  };
  const query = async (params: string, headers: Record<string, string> = {}) => {
    const res = await lrs.call('GET', `statements?${params}`, { headers });
    expect(res.status, res.text).to.equal(200);
    return res.body as StatementResult;
  };
  const idsOf = (result: StatementResult) => result.statements.map((s) => s.id as string);

  describe('single statement', () => {
    it('returns the statement by statementId with Last-Modified equal to its stored time', async () => {
      const [id] = await post(aStatement().build());
      const res = await lrs.call('GET', `statements?statementId=${id}`);
      expect(res.status).to.equal(200);
      const statement = res.body as { id: string; stored: string };
      expect(statement.id).to.equal(id);
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(new Date(res.headers.get('last-modified')!).getTime()).to.equal(
        Math.floor(new Date(statement.stored).getTime() / 1000) * 1000,
      );
    });

    it('answers 404 for an unknown id', async () => {
      const res = await lrs.call('GET', `statements?statementId=${randomUUID()}`);
      expect(res.status).to.equal(404);
      expect(res.error?.rule).to.equal('statement.not-found');
    });

    it('rejects statementId with a filter parameter with 400', async () => {
      const res = await lrs.call(
        'GET',
        `statements?statementId=${randomUUID()}&verb=${encodeURIComponent(verbs.completed.id)}`,
      );
      expect(res.status).to.equal(400);
      expect(res.error?.pointer).to.equal('/query/verb');
    });

    it('rejects statementId together with voidedStatementId with 400', async () => {
      const res = await lrs.call(
        'GET',
        `statements?statementId=${randomUUID()}&voidedStatementId=${randomUUID()}`,
      );
      expect(res.status).to.equal(400);
      expect(res.error?.rule).to.equal('parameter.exclusive');
    });
  });

  describe('filters', () => {
    it('agent matches the actor and an Agent object, not context agents unless related_agents=true', async () => {
      const learner = freshLearner();
      const [asActor, asObject, asInstructor] = await post(
        aStatement().withActor(learner).build(),
        aStatement().withObject(learner).build(),
        aStatement().withContext({ instructor: learner.build() }).build(),
      );
      expect(idsOf(await query(`agent=${agentParam(learner)}`))).to.have.members([asActor, asObject]);
      expect(idsOf(await query(`agent=${agentParam(learner)}&related_agents=true`))).to.have.members([
        asActor,
        asObject,
        asInstructor,
      ]);
    });

    it('agent matches a Group actor by one of its members (Communication 2.1.3)', async () => {
      const member = freshLearner();
      const group = aGroup()
        .identifiedByMbox(`mailto:${randomUUID()}@example.org`)
        .withMembers(member, freshLearner());
      const [byGroup] = await post(aStatement().withActor(group).build());
      expect(idsOf(await query(`agent=${agentParam(member)}`))).to.deep.equal([byGroup]);
      expect(idsOf(await query(`agent=${agentParam(group)}`))).to.deep.equal([byGroup]);
    });

    it('agent matches a SubStatement actor only with related_agents=true', async () => {
      const learner = freshLearner();
      const [id] = await post(aStatement().withObject(aStatement().withActor(learner)).build());
      expect(idsOf(await query(`agent=${agentParam(learner)}`))).to.deep.equal([]);
      expect(idsOf(await query(`agent=${agentParam(learner)}&related_agents=true`))).to.deep.equal([id]);
    });

    it('verb, activity and registration combine with AND', async () => {
      const learner = freshLearner();
      const registration = randomUUID();
      const course = `https://example.org/course/${randomUUID()}`;
      const [match, , ,] = await post(
        aStatement()
          .withActor(learner)
          .withVerb(verbs.passed)
          .withActivity(course)
          .inRegistration(registration)
          .build(),
        aStatement()
          .withActor(learner)
          .withVerb(verbs.failed)
          .withActivity(course)
          .inRegistration(registration)
          .build(),
        aStatement().withActor(learner).withVerb(verbs.passed).withActivity(course).build(),
        aStatement().withActor(learner).withVerb(verbs.passed).inRegistration(registration).build(),
      );
      const verb = encodeURIComponent(verbs.passed.id);
      const params = `agent=${agentParam(learner)}&verb=${verb}&activity=${encodeURIComponent(course)}&registration=${registration}`;
      expect(idsOf(await query(params))).to.deep.equal([match]);
      expect(idsOf(await query(`registration=${registration}`))).to.have.length(3);
    });

    it('activity matches context activities and SubStatement objects only with related_activities=true', async () => {
      const course = `https://example.org/course/${randomUUID()}`;
      const [direct, parent, sub] = await post(
        aStatement().withActivity(course).build(),
        aStatement().withParent(course).build(),
        aStatement().withObject(aStatement().withActivity(course)).build(),
      );
      const activity = encodeURIComponent(course);
      expect(idsOf(await query(`activity=${activity}`))).to.deep.equal([direct]);
      expect(idsOf(await query(`activity=${activity}&related_activities=true`))).to.have.members([
        direct,
        parent,
        sub,
      ]);
    });

    it('since is exclusive and until inclusive on stored; ascending reverses the order', async () => {
      const learner = freshLearner();
      const [a] = await post(aStatement().withActor(learner).build());
      const [b] = await post(aStatement().withActor(learner).build());
      const [c] = await post(aStatement().withActor(learner).build());
      const all = await query(`agent=${agentParam(learner)}`);
      expect(idsOf(all)).to.deep.equal([c, b, a]);
      const storedOf = (id: string) => all.statements.find((s) => s.id === id)!.stored as string;
      const window = await query(
        `agent=${agentParam(learner)}&since=${encodeURIComponent(storedOf(a!))}&until=${encodeURIComponent(storedOf(b!))}`,
      );
      expect(idsOf(window)).to.deep.equal([b]);
      expect(idsOf(await query(`agent=${agentParam(learner)}&ascending=true`))).to.deep.equal([a, b, c]);
    });

    it('rejects bad filter values with 400 naming the parameter', async () => {
      const cases: [string, string][] = [
        ['agent=%7B%22name%22%3A%22nobody%22%7D', '/query/agent'],
        ['agent=not-json', '/query/agent'],
        ['verb=not%20an%20iri', '/query/verb'],
        ['activity=relative/path', '/query/activity'],
        ['registration=123', '/query/registration'],
        ['since=yesterday', '/query/since'],
        ['limit=-1', '/query/limit'],
        ['ascending=yes', '/query/ascending'],
        ['format=full', '/query/format'],
        ['attachments=1', '/query/attachments'],
      ];
      for (const [params, pointer] of cases) {
        const res = await lrs.call('GET', `statements?${params}`);
        expect(res.status, params).to.equal(400);
        expect(res.error?.pointer, params).to.match(new RegExp(`^${pointer}`));
      }
    });
  });

  describe('format and languages', () => {
    const course = () =>
      anActivity(`https://example.org/course/${randomUUID()}`).named({
        'en-US': 'Fire safety',
        'fr-FR': 'Sécurité incendie',
      });

    it('ids reduces agents, activities and verbs to their identifiers', async () => {
      const learner = freshLearner().named('Ann Learner');
      const [id] = await post(aStatement().withActor(learner).withActivity(course()).build());
      const result = await query(`agent=${agentParam(learner)}&format=ids`);
      const s = result.statements[0]!;
      expect(s.id).to.equal(id);
      expect(s.actor).to.not.have.property('name');
      expect(s.object).to.not.have.property('definition');
      expect(s.verb).to.not.have.property('display');
    });

    it('canonical keeps one language per language map, chosen by Accept-Language', async () => {
      const [id] = await post(aStatement().withActivity(course()).build());
      const res = await lrs.call('GET', `statements?statementId=${id}&format=canonical`, {
        headers: { 'Accept-Language': 'fr-FR, en;q=0.5' },
      });
      expect(res.body)
        .to.have.nested.property('object.definition.name')
        .that.deep.equals({ 'fr-FR': 'Sécurité incendie' });
    });

    it('exact returns every language', async () => {
      const [id] = await post(aStatement().withActivity(course()).build());
      const res = await lrs.call('GET', `statements?statementId=${id}&format=exact`);
      expect(res.body).to.have.nested.property('object.definition.name').that.has.all.keys('en-US', 'fr-FR');
    });
  });

  describe('more (paging)', () => {
    it('pages with relative more links until more is empty, and new statements do not shift pages', async () => {
      const learner = freshLearner();
      const ids = await post(...Array.from({ length: 5 }, () => aStatement().withActor(learner).build()));
      const first = await query(`agent=${agentParam(learner)}&limit=2`);
      expect(first.statements).to.have.length(2);
      expect(first.more).to.match(/^\/xapi\/statements\/more\//);
      // Statements stored while a client pages must not appear in, or shift, its later pages.
      await post(aStatement().withActor(learner).build(), aStatement().withActor(learner).build());
      const seen = idsOf(first);
      let more = first.more;
      while (more !== '') {
        const res = await lrs.call('GET', more);
        expect(res.status, res.text).to.equal(200);
        expect(res.headers.get('x-experience-api-consistent-through')).to.be.a('string');
        const page = res.body as StatementResult;
        seen.push(...idsOf(page));
        more = page.more;
      }
      expect(seen).to.deep.equal([...ids].reverse());
    });

    it('answers 404 for a more link that is not one', async () => {
      const res = await lrs.call('GET', 'statements/more/garbage');
      expect(res.status).to.equal(404);
    });

    it('limit=0 means the server maximum', async () => {
      const learner = freshLearner();
      await post(aStatement().withActor(learner).build(), aStatement().withActor(learner).build());
      expect((await query(`agent=${agentParam(learner)}&limit=0`)).statements).to.have.length(2);
    });
  });

  describe('voiding (xAPI Data 2.3.2, Communication 2.1.4)', () => {
    it('excludes a voided statement from queries but returns it by voidedStatementId', async () => {
      const learner = freshLearner();
      const [target] = await post(aStatement().withActor(learner).build());
      const [voider] = await post(aStatement().withActor(learner).voiding(target!).build());
      expect(idsOf(await query(`agent=${agentParam(learner)}`))).to.deep.equal([voider]);
      expect((await lrs.call('GET', `statements?statementId=${target}`)).status).to.equal(404);
      const voided = await lrs.call('GET', `statements?voidedStatementId=${target}`);
      expect(voided.status).to.equal(200);
      expect((voided.body as { id: string }).id).to.equal(target);
      expect((await lrs.call('GET', `statements?voidedStatementId=${voider}`)).status).to.equal(404);
    });

    it('voids a statement that arrives after its voiding statement', async () => {
      const learner = freshLearner();
      const target = randomUUID();
      await post(aStatement().withActor(learner).voiding(target).build());
      await post(aStatement().withActor(learner).withId(target).build());
      expect((await lrs.call('GET', `statements?statementId=${target}`)).status).to.equal(404);
      expect((await lrs.call('GET', `statements?voidedStatementId=${target}`)).status).to.equal(200);
    });

    it('voiding a voiding statement has no effect', async () => {
      const learner = freshLearner();
      const [target] = await post(aStatement().withActor(learner).build());
      const [voider] = await post(aStatement().withActor(learner).voiding(target!).build());
      const [voider2] = await post(aStatement().withActor(learner).voiding(voider!).build());
      expect((await lrs.call('GET', `statements?statementId=${voider}`)).status).to.equal(200);
      expect(idsOf(await query(`agent=${agentParam(learner)}`))).to.have.members([voider, voider2]);
      expect((await lrs.call('GET', `statements?voidedStatementId=${target}`)).status).to.equal(200);
    });

    it('a statement referencing X matches the filters X matches (StatementRef filter conditions)', async () => {
      const learner = freshLearner();
      const course = `https://example.org/course/${randomUUID()}`;
      const [x] = await post(aStatement().withActor(learner).withActivity(course).build());
      const reviewer = freshLearner();
      const [ref] = await post(
        aStatement().withActor(reviewer).withVerb(verbs.attended).referencing(x!).build(),
      );
      const [voider] = await post(aStatement().withActor(reviewer).voiding(x!).build());
      // X is voided: the voiding statement and the reference still match X's agent and activity.
      expect(idsOf(await query(`activity=${encodeURIComponent(course)}`))).to.have.members([ref, voider]);
      expect(idsOf(await query(`agent=${agentParam(learner)}`))).to.have.members([ref, voider]);
      // Filtering on the reference's own verb still works.
      expect(
        idsOf(await query(`agent=${agentParam(learner)}&verb=${encodeURIComponent(verbs.attended.id)}`)),
      ).to.deep.equal([ref]);
    });
  });

  describe('headers', () => {
    it('X-Experience-API-Consistent-Through is on every statements response and not in the future', async () => {
      const responses = [
        await lrs.call('POST', 'statements', { json: aStatement().build() }),
        await lrs.call('PUT', `statements?statementId=${randomUUID()}`, { json: aStatement().build() }),
        await lrs.call('GET', 'statements'),
        await lrs.call('GET', `statements?statementId=${randomUUID()}`),
        // "regardless of the code returned": rejected requests carry it too.
        await lrs.call('GET', 'statements', { version: null }),
        await lrs.call('GET', 'statements?limit=x'),
        await lrs.call('GET', 'statements', { as: null }),
        await lrs.call('POST', 'statements', { json: { verb: 'invalid' } }),
      ];
      for (const res of responses) {
        const header = res.headers.get('x-experience-api-consistent-through');
        expect(header, `${res.status} ${res.text}`).to.be.a('string');
        expect(Date.parse(header!)).to.be.at.most(Date.now());
      }
    });

    it('consistent-through is at or after the stored time of a statement just written', async () => {
      const [id] = await post(aStatement().build());
      const res = await lrs.call('GET', `statements?statementId=${id}`);
      const stored = Date.parse((res.body as { stored: string }).stored);
      expect(Date.parse(res.headers.get('x-experience-api-consistent-through')!)).to.be.at.least(stored);
    });

    it('GET statements carries Last-Modified', async () => {
      await post(aStatement().build());
      const res = await lrs.call('GET', 'statements?limit=1');
      expect(res.headers.get('last-modified')).to.be.a('string');
    });

    it('HEAD answers the headers of GET without a body (Communication 1.1)', async () => {
      const [id] = await post(aStatement().build());
      const res = await lrs.call('HEAD', `statements?statementId=${id}`);
      expect(res.status).to.equal(200);
      expect(res.text).to.equal('');
      expect(res.headers.get('x-experience-api-consistent-through')).to.be.a('string');
      expect(res.headers.get('last-modified')).to.be.a('string');
      expect(res.headers.get('x-experience-api-version')).to.equal('1.0.3');
      const list = await lrs.call('HEAD', 'statements');
      expect(list.status).to.equal(200);
      expect(list.text).to.equal('');
    });
  });
});
