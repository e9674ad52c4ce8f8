import { randomUUID } from 'node:crypto';
import { aStatement } from '@lrs/testkit';

/**
 * Every authenticated route of the service, in one place: the authentication tests run each
 * case against each entry. A new resource (documents, training services)
 * joins the suite by adding its routes here.
 */
export interface ProtectedRoute {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Path from the server root. */
  path: string;
  json?: () => unknown;
  /** Scopes one of which is needed (for the authorisation tests); 'admin' for the admin API. */
  needs: readonly string[];
  /** Whether a successful request appends events (so a rejected one must not). */
  writes: boolean;
}

const statement = () => aStatement().withId(randomUUID()).build();
const agent = encodeURIComponent(JSON.stringify({ mbox: 'mailto:learner@example.org' }));
const activity = encodeURIComponent('https://example.org/course/1');

export const PROTECTED_ROUTES: readonly ProtectedRoute[] = [
  {
    method: 'GET',
    path: '/xapi/statements',
    needs: ['statements/read', 'statements/read/mine'],
    writes: false,
  },
  {
    method: 'GET',
    path: `/xapi/statements?statementId=${randomUUID()}`,
    needs: ['statements/read', 'statements/read/mine'],
    writes: false,
  },
  {
    method: 'GET',
    path: '/xapi/statements/more/abc',
    needs: ['statements/read', 'statements/read/mine'],
    writes: false,
  },
  { method: 'POST', path: '/xapi/statements', json: statement, needs: ['statements/write'], writes: true },
  {
    method: 'PUT',
    path: `/xapi/statements?statementId=${randomUUID()}`,
    json: () => ({ ...statement(), id: undefined }),
    needs: ['statements/write'],
    writes: true,
  },
  // Documents.
  {
    method: 'GET',
    path: `/xapi/activities/state?activityId=${activity}&agent=${agent}&stateId=s1`,
    needs: ['state'],
    writes: false,
  },
  {
    method: 'PUT',
    path: `/xapi/activities/state?activityId=${activity}&agent=${agent}&stateId=s1`,
    json: () => ({ progress: 1 }),
    needs: ['state'],
    writes: true,
  },
  {
    method: 'GET',
    path: `/xapi/activities/profile?activityId=${activity}&profileId=p1`,
    needs: ['profile'],
    writes: false,
  },
  {
    method: 'GET',
    path: `/xapi/agents/profile?agent=${agent}&profileId=p1`,
    needs: ['profile'],
    writes: false,
  },
  // Admin API.
  { method: 'GET', path: '/api/admin/credentials', needs: ['admin'], writes: false },
  {
    method: 'POST',
    path: '/api/admin/credentials',
    json: () => ({ name: 'attempt', scopes: ['all'] }),
    needs: ['admin'],
    writes: true,
  },
  { method: 'GET', path: '/api/admin/credentials/bootstrap', needs: ['admin'], writes: false },
  { method: 'DELETE', path: '/api/admin/credentials/some-key', needs: ['admin'], writes: true },
];

/** Routes that need no credentials, by design (xAPI Communication 2.8: About; health checks). */
export const PUBLIC_ROUTES = [
  { method: 'GET', path: '/xapi/about' },
  { method: 'GET', path: '/health' },
] as const;
