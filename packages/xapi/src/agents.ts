import { normalizeMbox } from './mbox';
import { schemaIssues } from './schema-issues';
import { actorSchemaValidator, agentSchemaValidator } from './schemas';
import { actorRuleIssues } from './statement-rules';
import type { Actor, Agent, Group, InverseFunctionalIdentifiers, ValidationIssue } from './types';

export interface AgentParameterOptions {
  /**
   * Accept an Identified Group (the `agent` filter of GET statements: "Agent or Identified Group").
   * The Agents resource and the document resources take an Agent only. Default true.
   */
  allowGroup?: boolean;
}

export function isValidationIssues(value: unknown): value is ValidationIssue[] {
  return Array.isArray(value);
}

/**
 * Parses and validates an `agent` query parameter (a JSON string). xAPI Data 2.2: parameter values are
 * validated to the same standards as the same types in Statements. Pointers are relative to the agent.
 */
export function parseAgentParameter(
  json: string,
  options: AgentParameterOptions = {},
): Actor | ValidationIssue[] {
  const allowGroup = options.allowGroup ?? true;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [
      {
        pointer: '',
        rule: 'agent-parameter.invalid-json',
        message: 'The agent parameter must be a JSON object (xAPI Communication 2.1.3).',
      },
    ];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [
      {
        pointer: '',
        rule: 'agent-parameter.not-an-object',
        message: 'The agent parameter must be a JSON object (xAPI Communication 2.1.3).',
      },
    ];
  }
  const isGroup = (value as { objectType?: unknown }).objectType === 'Group';
  if (isGroup && !allowGroup) {
    return [
      {
        pointer: '/objectType',
        rule: 'agent-parameter.group-not-allowed',
        message: 'This parameter takes an Agent, not a Group (xAPI Communication 2.3, 2.4, 2.6).',
      },
    ];
  }
  const validate = allowGroup ? actorSchemaValidator() : agentSchemaValidator();
  const issues = validate(value) ? [] : schemaIssues(validate.errors);
  const taken = new Set(issues.map((i) => i.pointer));
  for (const issue of actorRuleIssues(value, '1.0.3')) if (!taken.has(issue.pointer)) issues.push(issue);
  if (isGroup && issues.length === 0 && agentIfiKey(value as Group) === undefined) {
    issues.push({
      pointer: '',
      rule: 'agent-parameter.group-needs-ifi',
      message: 'A Group used as a parameter must be an Identified Group (xAPI Communication 2.1.3).',
    });
  }
  return issues.length > 0 ? issues : (value as Actor);
}

/**
 * The index key of an Agent's or Identified Group's Inverse Functional Identifier (xAPI Data 2.4.2.3), or
 * undefined for an Anonymous Group. Keys: `mbox:mailto:a@b.c` (domain lowercased, 2.3.1),
 * `mbox_sha1sum:<lowercase hex>`, `openid:<uri>`, `account:<homePage>|<name>`.
 */
export function agentIfiKey(actor: InverseFunctionalIdentifiers): string | undefined {
  if (actor.mbox !== undefined) return `mbox:${normalizeMbox(actor.mbox)}`;
  if (actor.mbox_sha1sum !== undefined) return `mbox_sha1sum:${actor.mbox_sha1sum.toLowerCase()}`;
  if (actor.openid !== undefined) return `openid:${actor.openid}`;
  if (actor.account !== undefined) return `account:${actor.account.homePage}|${actor.account.name}`;
  return undefined;
}

/** The actor's own IFI key(s): one for an Agent or Identified Group, none for an Anonymous Group. */
export function agentIfiKeys(actor: Actor): string[] {
  const key = agentIfiKey(actor);
  return key === undefined ? [] : [key];
}

/**
 * The IFI keys of a Group's members (xAPI Communication 2.1.3: a Group whose members match the agent
 * filter matches it). Empty for an Agent.
 */
export function groupMemberIfiKeys(actor: Actor): string[] {
  if (actor.objectType !== 'Group' || !actor.member) return [];
  return actor.member.map((m: Agent) => agentIfiKey(m)).filter((k): k is string => k !== undefined);
}
