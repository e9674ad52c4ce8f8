import { randomUUID } from 'node:crypto';
import { ADMIN, basic, expectProblem, TestLrs } from '@lrs/server/testing';
import { anActivity, anAgent, aStatement } from '@lrs/testkit';
import { expect } from 'chai';

const agentQuery = (agent: unknown) => `agents?agent=${encodeURIComponent(JSON.stringify(agent))}`;
const activityQuery = (id: string) => `activities?activityId=${encodeURIComponent(id)}`;

describe('Agents (Communication 2.4) and Activities (2.5) resources', () => {
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(async () => {
    await lrs?.stop();
  });

  describe('GET agents: the Person object', () => {
    it('an Agent never seen still gets a Person with what the request said', async () => {
      const mbox = `mailto:${randomUUID()}@example.org`;
      const reply = await lrs.call('GET', agentQuery({ name: 'Ann', mbox }));
      expect(reply.status, reply.text).to.equal(200);
      expect(reply.body).to.deep.equal({ objectType: 'Person', name: ['Ann'], mbox: [mbox] });
    });

    it('combines the names the Agent was sent with in statements', async () => {
      const mbox = `mailto:${randomUUID()}@example.org`;
      for (const name of ['Ann Smith', 'A. Smith']) {
        const stored = await lrs.call('POST', 'statements', {
          json: aStatement().withActor(anAgent().withMbox(mbox).named(name)).build(),
        });
        expect(stored.status, stored.text).to.equal(200);
      }
      const reply = await lrs.call('GET', agentQuery({ mbox }));
      expect(reply.body).to.deep.include({ objectType: 'Person', mbox: [mbox] });
      expect((reply.body as { name: string[] }).name).to.have.members(['Ann Smith', 'A. Smith']);
    });

    it('an account Agent is returned as an account array', async () => {
      const account = { homePage: 'https://hr.example.gov', name: randomUUID() };
      expect((await lrs.call('GET', agentQuery({ account }))).body).to.deep.equal({
        objectType: 'Person',
        account: [account],
      });
    });

    it('combines the identifiers the officials registry links to one official, used or not', async () => {
      const mbox = `mailto:${randomUUID()}@welfare.example.kr`;
      const account = { homePage: 'https://elms.example.kr', name: randomUUID() };
      const stored = await lrs.call('POST', 'statements', {
        json: aStatement().withActor(anAgent().withMbox(mbox).named('Kim Minji')).build(),
      });
      expect(stored.status, stored.text).to.equal(200);
      // Before the registry links them, the account is a person of its own.
      expect((await lrs.call('GET', agentQuery({ account }))).body).to.deep.equal({
        objectType: 'Person',
        account: [account],
      });
      const official = {
        officialId: `kim-${randomUUID().slice(0, 8)}`,
        name: 'Kim Minji',
        orgUnit: 'district-a',
        staffGroup: 'social-welfare',
        jurisdiction: 'city',
        identifiers: [{ mbox }, { account }],
      };
      const imported = await fetch(`${lrs.url}/api/admin/training/officials`, {
        method: 'POST',
        headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
        body: JSON.stringify([official]),
      });
      expect(imported.status, await imported.text()).to.equal(200);
      await lrs.system.completion.catchUp();
      for (const asked of [{ account }, { mbox }]) {
        const reply = await lrs.call('GET', agentQuery(asked));
        expect(reply.status, reply.text).to.equal(200);
        expect(reply.body).to.deep.include({ objectType: 'Person', name: ['Kim Minji'], mbox: [mbox] });
        expect((reply.body as { account: unknown[] }).account).to.deep.equal([account]);
      }
    });

    it('bad agent parameters are 400 naming the parameter', async () => {
      expectProblem(await lrs.call('GET', 'agents'), 400, 'parameter.required', '/query/agent');
      expectProblem(
        await lrs.call('GET', 'agents?agent=%7Bnope'),
        400,
        'agent-parameter.invalid-json',
        '/query/agent',
      );
      const two = await lrs.call(
        'GET',
        agentQuery({ mbox: 'mailto:a@example.org', openid: 'https://id.example.org/a' }),
      );
      expect(two.status).to.equal(400);
      expect(two.error?.pointer).to.match(/^\/query\/agent/);
    });

    it('needs a reading scope: a state-only credential is refused with 403', async () => {
      const state = await lrs.issueCredential('state-only-agents', ['state']);
      expectProblem(
        await lrs.call('GET', agentQuery({ mbox: 'mailto:a@example.org' }), { as: state }),
        403,
        'auth.scope',
      );
    });
  });

  describe('GET activities: the canonical definition', () => {
    it('an Activity never seen is still returned, without a definition', async () => {
      const id = `https://example.org/unknown/${randomUUID()}`;
      expect((await lrs.call('GET', activityQuery(id))).body).to.deep.equal({ objectType: 'Activity', id });
    });

    it('merges definitions seen in statements: language maps merge, newest wording wins, correct responses stay', async () => {
      const id = `https://example.org/quiz/${randomUUID()}`;
      const first = anActivity(id)
        .named({ 'en-US': 'Fire safety quiz' })
        .ofType('http://adlnet.gov/expapi/activities/cmi.interaction')
        .withDefinition({ interactionType: 'true-false', correctResponsesPattern: ['true'] });
      const second = anActivity(id)
        .named({ 'fr-FR': 'Quiz sécurité incendie', 'en-US': 'Fire Safety Quiz' })
        .described({ 'en-US': 'Ten questions' })
        .withDefinition({ interactionType: 'true-false', correctResponsesPattern: ['false'] });
      for (const activity of [first, second]) {
        const stored = await lrs.call('POST', 'statements', {
          json: aStatement().withActivity(activity).build(),
        });
        expect(stored.status, stored.text).to.equal(200);
      }
      const reply = await lrs.call('GET', activityQuery(id));
      expect(reply.status).to.equal(200);
      expect(reply.body).to.deep.equal({
        objectType: 'Activity',
        id,
        definition: {
          name: { 'en-US': 'Fire Safety Quiz', 'fr-FR': 'Quiz sécurité incendie' },
          description: { 'en-US': 'Ten questions' },
          type: 'http://adlnet.gov/expapi/activities/cmi.interaction',
          interactionType: 'true-false',
          correctResponsesPattern: ['true'],
        },
      });
    });

    it('definitions of context activities count too', async () => {
      const parent = `https://example.org/course/${randomUUID()}`;
      const statement = aStatement()
        .withContext({
          contextActivities: { parent: [anActivity(parent).named({ 'en-GB': 'Induction' }).build()] },
        })
        .build();
      await lrs.call('POST', 'statements', { json: statement });
      expect((await lrs.call('GET', activityQuery(parent))).body).to.deep.equal({
        objectType: 'Activity',
        id: parent,
        definition: { name: { 'en-GB': 'Induction' } },
      });
    });

    it('missing or invalid activityId → 400 naming it; unknown parameters → 400', async () => {
      expectProblem(await lrs.call('GET', 'activities'), 400, 'parameter.required', '/query/activityId');
      expectProblem(
        await lrs.call('GET', activityQuery('not an iri')),
        400,
        'parameter.iri',
        '/query/activityId',
      );
      expectProblem(
        await lrs.call('GET', `${activityQuery('https://example.org/a')}&x=1`),
        400,
        'parameter.unknown',
        '/query/x',
      );
    });
  });
});
