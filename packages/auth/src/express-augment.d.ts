import type { Principal } from './principal';

declare global {
  namespace Express {
    interface Request {
      /** Set by authenticate(): who is making this request. */
      principal?: Principal;
    }
  }
}
