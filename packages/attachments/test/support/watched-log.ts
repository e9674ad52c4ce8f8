import type { AppendOptions, AppendResult, EventLog, EventToAppend } from '@lrs/event-log';

export interface AppendRecord {
  stream: string;
  events: number;
  /** type + data + metadata bytes: the unit of the event log's per-append limit. */
  bytes: number;
}

/**
 * Wraps a real event log to record every append's size, and optionally to "crash" (throw,
 * writing nothing) once a number of appends have gone through.
 */
export function watchedLog(log: EventLog, options: { crashAfterAppends?: number } = {}) {
  const appends: AppendRecord[] = [];
  let remaining = options.crashAfterAppends ?? Number.POSITIVE_INFINITY;
  const watched: EventLog = {
    kind: log.kind,
    async append(
      stream: string,
      events: EventToAppend[],
      appendOptions?: AppendOptions,
    ): Promise<AppendResult> {
      if (remaining <= 0) throw new Error('simulated crash: the process died before this append');
      remaining--;
      const result = await log.append(stream, events, appendOptions);
      appends.push({ stream, events: events.length, bytes: events.reduce((sum, e) => sum + sizeOf(e), 0) });
      return result;
    },
    appendMany: (requests) => log.appendMany(requests),
    identity: () => log.identity(),
    readStream: (stream, readOptions) => log.readStream(stream, readOptions),
    streamRevision: (stream) => log.streamRevision(stream),
    readAll: (readOptions) => log.readAll(readOptions),
    subscribe: (subscribeOptions) => log.subscribe(subscribeOptions),
    headPosition: () => log.headPosition(),
    close: () => log.close(),
  };
  return { log: watched, appends };
}

function sizeOf(event: EventToAppend): number {
  const data =
    event.data instanceof Uint8Array ? event.data.length : Buffer.byteLength(JSON.stringify(event.data));
  const metadata = event.metadata === undefined ? 0 : Buffer.byteLength(JSON.stringify(event.metadata));
  return Buffer.byteLength(event.type) + data + metadata;
}
