import { pointerTokens } from './pointer';

// Which clause of the spec governs a value, judged from the nearest named property on its path.
const CLAUSE_BY_PROPERTY: Record<string, string> = {
  actor: 'xAPI Data 2.4.2',
  member: 'xAPI Data 2.4.2.2',
  account: 'xAPI Data 2.4.2.4',
  mbox: 'xAPI Data 2.4.2.3',
  mbox_sha1sum: 'xAPI Data 2.4.2.3',
  openid: 'xAPI Data 2.4.2.3',
  verb: 'xAPI Data 2.4.3',
  object: 'xAPI Data 2.4.4',
  definition: 'xAPI Data 2.4.4.1',
  interactionType: 'xAPI Data 2.4.4.1 Interaction Activities',
  correctResponsesPattern: 'xAPI Data 2.4.4.1 Interaction Activities',
  choices: 'xAPI Data 2.4.4.1 Interaction Components',
  scale: 'xAPI Data 2.4.4.1 Interaction Components',
  source: 'xAPI Data 2.4.4.1 Interaction Components',
  target: 'xAPI Data 2.4.4.1 Interaction Components',
  steps: 'xAPI Data 2.4.4.1 Interaction Components',
  result: 'xAPI Data 2.4.5',
  score: 'xAPI Data 2.4.5.1',
  duration: 'xAPI Data 4.6',
  context: 'xAPI Data 2.4.6',
  registration: 'xAPI Data 2.4.6, 4.4',
  instructor: 'xAPI Data 2.4.6',
  team: 'xAPI Data 2.4.6',
  language: 'xAPI Data 2.4.6',
  statement: 'xAPI Data 2.4.6',
  contextActivities: 'xAPI Data 2.4.6.2',
  contextAgents: 'xAPI 2.0 Context (contextAgents)',
  contextGroups: 'xAPI 2.0 Context (contextGroups)',
  relevantTypes: 'xAPI 2.0 Context (relevantTypes)',
  timestamp: 'xAPI Data 2.4.7, 4.5',
  stored: 'xAPI Data 2.4.8, 4.5',
  authority: 'xAPI Data 2.4.9',
  version: 'xAPI Data 2.4.10',
  attachments: 'xAPI Data 2.4.11',
  extensions: 'xAPI Data 4.1',
  display: 'xAPI Data 4.2',
  name: 'xAPI Data 4.2',
  description: 'xAPI Data 4.2',
};

export function clauseFor(pointer: string): string {
  const tokens = pointerTokens(pointer);
  for (let i = tokens.length - 1; i >= 0; i--) {
    const token = tokens[i]!;
    // Inside a language map or extensions the keys are data, not spec properties.
    const parent = tokens[i - 1];
    if (parent === 'extensions' || parent === 'display' || parent === 'description') continue;
    if (token === 'name' && tokens[i - 1] !== 'definition') continue;
    const clause = CLAUSE_BY_PROPERTY[token];
    if (clause) return clause;
  }
  return 'xAPI Data 2.4';
}
