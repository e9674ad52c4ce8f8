import { randomUUID } from 'node:crypto';
import {
  AppendTooLargeError,
  type EventToAppend,
  type ExpectedRevision,
  InvalidAppendError,
  type JsonObject,
  type JsonValue,
  MAX_APPEND_BYTES,
} from './types';

/**
 * An event validated and serialised once, before any adapter touches its store, so that
 * every rejection (bad arguments, too large) happens with nothing written.
 */
export interface PreparedEvent {
  id: string;
  type: string;
  /** The caller's value, for adapters that serialise themselves (EventStoreDB's jsonEvent). */
  value: JsonValue | Uint8Array;
  binary: boolean;
  /** JSON text, or the bytes of a binary event. */
  data: string | Uint8Array;
  metadataValue: JsonObject | undefined;
  /** JSON text, or null when there is no metadata (stored as NULL, read back as {}). */
  metadata: string | null;
}

export interface PreparedRequest {
  stream: string;
  expectedRevision: ExpectedRevision;
  events: PreparedEvent[];
  /** Sum of the UTF-8 bytes of type, data and metadata of every event: the unit of MAX_APPEND_BYTES. */
  bytes: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isExpectedRevision(value: unknown): value is ExpectedRevision {
  if (value === 'no_stream' || value === 'any' || value === 'exists') return true;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Throws InvalidAppendError; the size limit is checked separately (see tooLarge). */
export function prepareRequest(stream: unknown, events: unknown, expectedRevision: unknown): PreparedRequest {
  if (typeof stream !== 'string' || stream.length === 0) {
    throw new InvalidAppendError('stream name must be a non-empty string');
  }
  const expected = expectedRevision === undefined ? 'any' : expectedRevision;
  if (!isExpectedRevision(expected)) {
    throw new InvalidAppendError(
      `append to stream '${stream}': expectedRevision must be 'no_stream', 'any', 'exists' or a non-negative integer, got ${describe(expected)}`,
    );
  }
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidAppendError(`append to stream '${stream}' needs at least one event`);
  }
  let bytes = 0;
  const prepared: PreparedEvent[] = [];
  for (const [index, event] of (events as unknown[]).entries()) {
    const p = prepareEvent(stream, index, event);
    bytes +=
      Buffer.byteLength(p.type) + byteLength(p.data) + (p.metadata === null ? 0 : byteLength(p.metadata));
    prepared.push(p);
  }
  return { stream, expectedRevision: expected, events: prepared, bytes };
}

export function tooLarge(request: PreparedRequest): AppendTooLargeError | null {
  return request.bytes > MAX_APPEND_BYTES ? new AppendTooLargeError(request.stream, request.bytes) : null;
}

function prepareEvent(stream: string, index: number, event: unknown): PreparedEvent {
  const where = `append to stream '${stream}', event ${index}`;
  if (typeof event !== 'object' || event === null) throw new InvalidAppendError(`${where}: not an object`);
  const { id, type, data, metadata } = event as Partial<EventToAppend>;
  if (typeof type !== 'string' || type.length === 0) {
    throw new InvalidAppendError(`${where}: type must be a non-empty string`);
  }
  // '$' types are EventStoreDB system events, which subscriptions always skip: allowing them
  // would make an event visible on SQLite and invisible on EventStoreDB.
  if (type.startsWith('$')) throw new InvalidAppendError(`${where}: type must not start with '$'`);
  if (id !== undefined && (typeof id !== 'string' || !UUID.test(id))) {
    throw new InvalidAppendError(`${where}: id must be a UUID`);
  }
  let metadataText: string | null = null;
  if (metadata !== undefined) {
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new InvalidAppendError(`${where}: metadata must be a JSON object`);
    }
    metadataText = serialise(metadata, `${where}: metadata`);
  }
  if (data instanceof Uint8Array) {
    return {
      id: id ?? randomUUID(),
      type,
      value: data,
      binary: true,
      data,
      metadataValue: metadata,
      metadata: metadataText,
    };
  }
  return {
    id: id ?? randomUUID(),
    type,
    value: data as JsonValue,
    binary: false,
    data: serialise(data, `${where}: data`),
    metadataValue: metadata,
    metadata: metadataText,
  };
}

/**
 * JSON.stringify silently turns NaN/Infinity into null and drops functions, so a value is
 * checked first: what is stored must read back as what the caller appended.
 */
function serialise(value: unknown, where: string): string {
  // The walk that names the offending path runs only for a value that fails the cheap check:
  // building a path string per node cost the hot append path ~10% (bench eventlog).
  if (!serialisable(value, [])) {
    const problem = findUnserialisable(value, [], '$');
    throw new InvalidAppendError(`${where} is not JSON-serialisable: ${problem}`);
  }
  return JSON.stringify(value);
}

/** The same rules as findUnserialisable, without naming the path. */
function serialisable(value: unknown, ancestors: object[]): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (ancestors.includes(value)) return false;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return true;
      ancestors.push(value);
      let ok = true;
      if (Array.isArray(value)) {
        for (let i = 0; ok && i < value.length; i++) {
          const item: unknown = value[i];
          ok = item !== undefined && serialisable(item, ancestors);
        }
      } else {
        for (const key of Object.keys(value)) {
          const item: unknown = (value as Record<string, unknown>)[key];
          if (item !== undefined && !serialisable(item, ancestors)) {
            ok = false;
            break;
          }
        }
      }
      ancestors.pop();
      return ok;
    }
    default:
      return false;
  }
}

function findUnserialisable(value: unknown, ancestors: object[], path: string): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${path} is ${value}`;
    case 'object': {
      if (value === null) return null;
      if (ancestors.includes(value)) return `${path} is a cycle`;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return null;
      ancestors.push(value);
      try {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            const item: unknown = value[i];
            if (item === undefined) return `${path}[${i}] is undefined`;
            const p = findUnserialisable(item, ancestors, `${path}[${i}]`);
            if (p) return p;
          }
          return null;
        }
        for (const key of Object.keys(value)) {
          const item: unknown = (value as Record<string, unknown>)[key];
          // An undefined property is left out by JSON, like an absent optional field.
          if (item === undefined) continue;
          const p = findUnserialisable(item, ancestors, `${path}.${key}`);
          if (p) return p;
        }
        return null;
      } finally {
        ancestors.pop();
      }
    }
    default:
      return `${path} is ${value === undefined ? 'undefined' : `a ${typeof value}`}`;
  }
}

function byteLength(data: string | Uint8Array): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  return String(value);
}
