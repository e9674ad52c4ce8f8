import type { LogPosition, OpenEventLogOptions } from '@lrs/event-log';
import type { ProjectorOptions } from '../projector';
import type { ProjectionState, ProjectionSubscription } from '../types';

/** An Error as it crosses threads: the fields the health page and the restart watchdog read. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  cause?: { name?: string; message?: string; code?: string };
}

/**
 * Main → worker. One worker serves every ProjectorThread of the process; each has its own log
 * (its `session`), so a process that starts several systems (tests) pays the thread's start-up once.
 */
export type ToWorker =
  | {
      t: 'open';
      id: number;
      session: number;
      /** The same store the main thread writes to. */
      log: OpenEventLogOptions;
      /** A module whose `projections` export lists every projection this session may run. */
      catalog: string;
      /** Key store file to open on the thread (sealed personal values, decision 065). */
      keyStore?: string;
    }
  | {
      t: 'start';
      id: number;
      session: number;
      name: string;
      version: number;
      schemaHash: string;
      options: ProjectorOptions;
    }
  | { t: 'restart'; session: number; name: string }
  | { t: 'stop'; id: number; session: number; name: string }
  | { t: 'wake'; session: number }
  | { t: 'close'; id: number; session: number };

export interface ProgressUpdate {
  session: number;
  name: string;
  position: LogPosition;
  eventsApplied: number;
}

/** Worker → main. */
export type FromWorker =
  | { t: 'ready' }
  | {
      t: 'started';
      id: number;
      defers: boolean;
      position: LogPosition | null;
      eventsApplied: number;
    }
  | { t: 'progress'; updates: ProgressUpdate[] }
  | {
      t: 'status';
      session: number;
      name: string;
      state: ProjectionState;
      error?: WireError;
      failedAt?: LogPosition | null;
      subscription?: ProjectionSubscription;
    }
  | { t: 'done'; id: number; error?: WireError };

export function toWireError(error: unknown): WireError {
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  const cause = (e as { cause?: { name?: string; message?: string; code?: string } }).cause;
  return {
    name: e.name,
    message: e.message,
    ...(e.stack ? { stack: e.stack } : {}),
    ...(typeof code === 'string' ? { code } : {}),
    ...(cause && typeof cause === 'object'
      ? { cause: { name: cause.name, message: cause.message, code: cause.code } }
      : {}),
  };
}

export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message, wire.cause ? { cause: wire.cause } : undefined);
  error.name = wire.name;
  if (wire.stack) error.stack = wire.stack;
  if (wire.code) (error as { code?: string }).code = wire.code;
  return error;
}
