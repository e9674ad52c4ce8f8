import { type Principal, principalKey } from '@lrs/auth';
import type { Statement } from '@lrs/xapi';
import { agentIfiKey } from '@lrs/xapi';

/**
 * The writer a statement is filed under for statements/read/mine (Communication 4.2 scope
 * `statements/read/mine`; decision 086), one rule for the index and the query. A credential: its
 * key. A token: its own agent's identifier (the agent the LRS sets as the statement's authority,
 * Data 2.4.9, sealed under that person's key) and its issuer, as `agent:<ifi>|<issuer>`; the event
 * records only `token:<issuer>` (`storedWriterOf`), so the subject is kept nowhere but inside that
 * sealed agent. Events written before decision 086 carry `token:<issuer>:<subject>` and are filed
 * the same way (the issuer taken from it, the subject from their authority).
 */
export function writerKey(credential: string | undefined, statement: Statement): string | undefined {
  if (credential === undefined || !credential.startsWith('token:')) return credential;
  const issuer = credential.split(':')[1] ?? '';
  const ifi = agentIfiKey(statement.authority as never);
  return ifi === undefined ? undefined : `agent:${ifi}|${issuer}`;
}

/** The writer key of the principal asking (the same filing as `writerKey`). */
export function writerKeyOfPrincipal(principal: Principal): string {
  if (principal.identity.kind !== 'token') return principalKey(principal);
  const ifi = agentIfiKey(principal.authority as never);
  return `agent:${ifi ?? ''}|${encodeURIComponent(principal.identity.issuer ?? '')}`;
}

/** The first and past-the-last filter keys of the token writers filed under one identifier (erasure). */
export const writerKeyRange = (ifi: string): [string, string] => [`w:agent:${ifi}|`, `w:agent:${ifi}}`];
