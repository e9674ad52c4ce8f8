import type { Agent } from '@lrs/xapi';

type Params = Record<string, string | undefined>;

/**
 * Where a document request goes: resource path plus parameters, built one change at a time
 * (`aState().withStateId('x').withoutParam('agent').path()`).
 */
export class DocumentAddress {
  constructor(
    private readonly resource: string,
    private readonly params: Params,
  ) {}

  with(name: string, value: string | Agent): DocumentAddress {
    return new DocumentAddress(this.resource, {
      ...this.params,
      [name]: typeof value === 'string' ? value : JSON.stringify(value),
    });
  }
  withoutParam(name: string): DocumentAddress {
    return new DocumentAddress(this.resource, { ...this.params, [name]: undefined });
  }
  forAgent(agent: Agent): DocumentAddress {
    return this.with('agent', agent);
  }
  forActivity(activityId: string): DocumentAddress {
    return this.with('activityId', activityId);
  }
  withStateId(stateId: string): DocumentAddress {
    return this.with('stateId', stateId);
  }
  withProfileId(profileId: string): DocumentAddress {
    return this.with('profileId', profileId);
  }
  inRegistration(registration: string): DocumentAddress {
    return this.with('registration', registration);
  }
  /** The same context without the document id: the id list / multi-document DELETE. */
  all(): DocumentAddress {
    return this.withoutParam('stateId').withoutParam('profileId');
  }
  path(): string {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(this.params)) if (value !== undefined) query.set(name, value);
    const q = query.toString();
    return q === '' ? this.resource : `${this.resource}?${q}`;
  }
}

export const LEARNER: Agent = { objectType: 'Agent', mbox: 'mailto:learner@example.org' };
export const COURSE = 'https://example.org/course/1';

export const aState = () =>
  new DocumentAddress('activities/state', {}).forActivity(COURSE).forAgent(LEARNER).withStateId('bookmark');
export const anActivityProfile = () =>
  new DocumentAddress('activities/profile', {}).forActivity(COURSE).withProfileId('settings');
export const anAgentProfile = () =>
  new DocumentAddress('agents/profile', {}).forAgent(LEARNER).withProfileId('preferences');
