import { randomUUID } from 'node:crypto';
import { TestLrs } from '@lrs/server/testing';
import { activityTypes, aGroup, anActivity, anAgent, aStatement } from '@lrs/testkit';
import { expect } from 'chai';

// ADL suite XAPI-00168..00172 (Communication 2.1.3 `format` and Accept-Language), run under both versions.
describe('conformance: GET statements format=ids|exact|canonical', () => {
  let lrs: TestLrs;
  before(async () => {
    lrs = await TestLrs.start();
  });
  after(async () => {
    await lrs.stop();
  });

  const twoLanguages = (text: string) => ({
    'en-GB': `${text} (GB)`,
    'en-US': `${text} (US)`,
    ko: `${text} (KO)`,
  });
  const activity = () =>
    anActivity(`https://example.org/unicode/${randomUUID()}`)
      .named(twoLanguages('Map exercise'))
      .described(twoLanguages('Mark Franklin, TN on the map'))
      .withDefinition({
        name: twoLanguages('Map exercise'),
        description: twoLanguages('Mark Franklin, TN on the map'),
        type: activityTypes.interaction,
        moreInfo: 'https://example.org/more',
        interactionType: 'other',
        correctResponsesPattern: ['(35.937432,-86.868896)'],
        extensions: { 'https://example.org/ext/location': 'X:\\meetings\\minutes' },
      })
      .build();

  /** A statement about a SubStatement whose actor is an identified Group, as the ADL suite builds it. */
  const stored = async (version: string) => {
    const id = randomUUID();
    const inner = activity();
    const statement = aStatement()
      .withId(id)
      .withActor(aGroup().named('Inspectors').identifiedByMbox(`mailto:group-${id}@example.org`))
      .withVerb({ id: 'http://adlnet.gov/expapi/verbs/attended', display: twoLanguages('attended') })
      .withObject(
        aStatement()
          .withActor(aGroup().named('Team').identifiedByMbox(`mailto:team-${id}@example.org`))
          .withVerb({ id: 'http://adlnet.gov/expapi/verbs/completed', display: twoLanguages('completed') })
          .withActivity(inner),
      )
      .build();
    const res = await lrs.call('POST', 'statements', { version, json: statement });
    expect(res.status, res.text).to.equal(200);
    return { id, statement, inner };
  };

  for (const version of ['1.0.3', '2.0.0']) {
    describe(`under ${version}`, () => {
      it('ids keeps only identifiers: an Activity is its id, a Verb its id, a Group its objectType and IFI', async () => {
        const { id, statement } = await stored(version);
        for (const path of [`statements?statementId=${id}&format=ids`, `statements?format=ids&limit=1`]) {
          const res = await lrs.call('GET', path, { version });
          expect(res.status, res.text).to.equal(200);
          const got = (res.body as { statements?: Record<string, never>[] }).statements?.[0] ?? res.body;
          const object = (got as { object: Record<string, unknown> }).object;
          expect(got).to.have.property('id', id);
          expect((got as { actor: unknown }).actor).to.deep.equal({
            objectType: 'Group',
            mbox: statement.actor.mbox,
          });
          expect((got as { verb: unknown }).verb).to.deep.equal({ id: statement.verb.id });
          expect(object['verb']).to.deep.equal({ id: 'http://adlnet.gov/expapi/verbs/completed' });
          expect(object['actor']).to.have.all.keys('objectType', 'mbox');
          expect(object['object']).to.have.all.keys('id');
        }
      });

      it('an Anonymous Group keeps what identifies each member under ids', async () => {
        const id = randomUUID();
        const member = anAgent().named('Kim').withMbox(`mailto:kim-${id}@example.org`);
        await lrs.call('POST', 'statements', {
          version,
          json: aStatement().withId(id).withActor(aGroup().withMembers(member)).build(),
        });
        const res = await lrs.call('GET', `statements?statementId=${id}&format=ids`, { version });
        expect((res.body as { actor: unknown }).actor).to.deep.equal({
          objectType: 'Group',
          member: [{ objectType: 'Agent', mbox: `mailto:kim-${id}@example.org` }],
        });
      });

      it('canonical with Accept-Language en-GB returns one language per map and keeps the rest of the definition', async () => {
        const { id, statement, inner } = await stored(version);
        const res = await lrs.call('GET', `statements?statementId=${id}&format=canonical`, {
          version,
          headers: { 'Accept-Language': 'en-GB' },
        });
        expect(res.status, res.text).to.equal(200);
        const got = res.body as { actor: unknown; verb: unknown; object: Record<string, unknown> };
        expect(got.actor).to.deep.equal(statement.actor);
        expect(got.verb).to.deep.equal({ id: statement.verb.id, display: { 'en-GB': 'attended (GB)' } });
        const definition = inner.definition!;
        expect(got.object['object']).to.deep.equal({
          objectType: 'Activity',
          id: inner.id,
          definition: {
            ...definition,
            name: { 'en-GB': 'Map exercise (GB)' },
            description: { 'en-GB': 'Mark Franklin, TN on the map (GB)' },
          },
        });
      });

      it('exact (the default) returns every language as received, whatever Accept-Language says', async () => {
        const { id, statement } = await stored(version);
        const res = await lrs.call('GET', `statements?statementId=${id}`, {
          version,
          headers: { 'Accept-Language': 'en-GB' },
        });
        expect((res.body as { verb: unknown }).verb).to.deep.equal(statement.verb);
        expect((res.body as { object: unknown }).object).to.deep.equal(statement.object);
      });
    });
  }
});
