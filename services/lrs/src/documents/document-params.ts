import { BadRequest } from '@lrs/http';
import type { Agent } from '@lrs/xapi';
import { agentIfiKey, isAbsoluteIri, isUuid, parseAgentParameter, timestampMillis } from '@lrs/xapi';
import type { XapiParams } from '../xapi/params';
import type { DocumentKey, DocumentResource, DocumentScope } from './document-key';

/** What each document resource is keyed by (xAPI Communication 2.3, 2.6, 2.7). */
export interface ResourceShape {
  resource: DocumentResource;
  path: string;
  /** The parameter naming one document. */
  idParam: 'stateId' | 'profileId';
  scopeParams: readonly ('activityId' | 'agent' | 'registration')[];
}

export const STATE: ResourceShape = {
  resource: 'state',
  path: '/activities/state',
  idParam: 'stateId',
  scopeParams: ['activityId', 'agent', 'registration'],
};
export const ACTIVITY_PROFILE: ResourceShape = {
  resource: 'activity-profile',
  path: '/activities/profile',
  idParam: 'profileId',
  scopeParams: ['activityId'],
};
export const AGENT_PROFILE: ResourceShape = {
  resource: 'agent-profile',
  path: '/agents/profile',
  idParam: 'profileId',
  scopeParams: ['agent'],
};

export function parseScope(shape: ResourceShape, params: XapiParams): DocumentScope {
  const scope: DocumentScope = { resource: shape.resource };
  if (shape.scopeParams.includes('activityId')) scope.activityId = parseActivityId(params);
  if (shape.scopeParams.includes('agent')) scope.agent = agentIfiKey(parseAgent(params))!;
  if (shape.scopeParams.includes('registration')) {
    const registration = params.get('registration');
    if (registration !== undefined) {
      if (!isUuid(registration)) {
        throw new BadRequest({
          rule: 'parameter.uuid',
          pointer: '/query/registration',
          message: 'registration must be a UUID (xAPI Communication 2.3).',
        });
      }
      scope.registration = registration.toLowerCase();
    }
  }
  return scope;
}

export function parseKey(shape: ResourceShape, params: XapiParams, scope: DocumentScope): DocumentKey {
  return { ...scope, id: parseDocumentId(shape, params) };
}

export function parseDocumentId(shape: ResourceShape, params: XapiParams): string {
  const id = params.require(shape.idParam);
  if (id === '') {
    throw new BadRequest({
      rule: 'parameter.empty',
      pointer: `/query/${shape.idParam}`,
      message: `${shape.idParam} must not be empty.`,
    });
  }
  return id;
}

export function parseActivityId(params: XapiParams): string {
  const activityId = params.require('activityId');
  if (!isAbsoluteIri(activityId)) {
    throw new BadRequest({
      rule: 'parameter.iri',
      pointer: '/query/activityId',
      message: 'activityId must be an absolute IRI (xAPI Data 2.4.4.1).',
    });
  }
  return activityId;
}

/** The `agent` parameter: an Agent (not a Group) with exactly one IFI (Communication 2.3, 2.4, 2.6). */
export function parseAgent(params: XapiParams): Agent {
  const parsed = parseAgentParameter(params.require('agent'), { allowGroup: false });
  if (Array.isArray(parsed)) {
    const first = parsed[0]!;
    throw new BadRequest({
      rule: first.rule,
      pointer: `/query/agent${first.pointer}`,
      message: `agent: ${first.message}`,
      details: { issues: parsed.slice(0, 20) },
    });
  }
  return parsed as Agent;
}

export function parseSince(params: XapiParams): number | undefined {
  const since = params.get('since');
  if (since === undefined) return undefined;
  const ms = timestampMillis(since);
  if (ms === null) {
    throw new BadRequest({
      rule: 'parameter.timestamp',
      pointer: '/query/since',
      message: 'since must be an ISO 8601 timestamp (xAPI Data 4.5).',
    });
  }
  return ms;
}
