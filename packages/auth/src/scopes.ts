/**
 * Scopes a credential or token can hold: the xAPI scope values (xAPI Communication 4.2)
 * plus `admin` for this LRS's admin API.
 *
 * Decision: `all` is "unrestricted access" to the xAPI resources only; it does NOT grant
 * `admin`. Managing credentials is a separate power that must be granted explicitly (the
 * bootstrap credential holds both), so an LMS given `all` cannot mint itself more keys.
 */
export const XAPI_SCOPES = [
  'statements/write',
  'statements/read',
  'statements/read/mine',
  'state',
  'define',
  'profile',
  'all/read',
  'all',
] as const;

export const ADMIN_SCOPE = 'admin';
/**
 * Face-to-face rosters (services/connectors): a training centre's credential imports attendance,
 * and becomes the authority of the statements it produces, without admin or any xAPI scope.
 */
export const ROSTERS_IMPORT_SCOPE = 'rosters/import';
export const ALL_SCOPES = [...XAPI_SCOPES, ADMIN_SCOPE, ROSTERS_IMPORT_SCOPE] as const;

export type Scope = (typeof ALL_SCOPES)[number];

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (ALL_SCOPES as readonly string[]).includes(value);
}

/** What each scope implies besides itself. */
const IMPLIES: Record<Scope, readonly Scope[]> = {
  all: [
    'statements/write',
    'statements/read',
    'statements/read/mine',
    'state',
    'define',
    'profile',
    'all/read',
  ],
  'all/read': ['statements/read', 'statements/read/mine'],
  'statements/read': ['statements/read/mine'],
  'statements/write': [],
  'statements/read/mine': [],
  state: [],
  define: [],
  profile: [],
  admin: [],
  'rosters/import': [],
};

/** The granted scopes with everything they imply, so `scopes.has(x)` answers "may I do x". */
export function expandScopes(granted: Iterable<Scope>): ReadonlySet<string> {
  const result = new Set<string>();
  for (const scope of granted) {
    result.add(scope);
    for (const implied of IMPLIES[scope]) result.add(implied);
  }
  return result;
}
