import type { EventLog, LogPosition, RecordedEvent } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import { BadRequest } from '@lrs/http';
import { timestampMillis } from '@lrs/xapi';

/** What an audit asks for: the log as known at a record time, or up to a log position. */
export type CutOffRequest = { asOf: string } | { position: string };

/**
 * A resolved cut-off: the last event of the log with a record time at or before `asOf`
 * (ARCHITECTURE-BRIEF, Time: audits cut on record time). `asOf` is the requested instant, or
 * the record time of the event at `position` when a position was asked for.
 */
export interface CutOff {
  asOf: string;
  position: string;
  /** Record time of the event at `position`. */
  recorded: string;
}

/** Reads `asOf` / `position` of a JSON body or a query; exactly one of them. */
export function cutOffRequest(
  source: Record<string, unknown>,
  where: 'body' | 'query',
  names = { asOf: 'asOf', position: 'position' },
): CutOffRequest {
  const asOf = source[names.asOf];
  const position = source[names.position];
  if ((asOf === undefined) === (position === undefined))
    throw new BadRequest({
      rule: 'audit.cut-off.required',
      message: `give exactly one of ${names.asOf} (an ISO 8601 instant with offset) or ${names.position} (a log position)`,
      pointer: `/${where}/${names.asOf}`,
    });
  if (asOf !== undefined) {
    if (typeof asOf !== 'string' || timestampMillis(asOf) === null)
      throw new BadRequest({
        rule: 'audit.cut-off.instant',
        message: `${names.asOf} must be an ISO 8601 instant with offset, e.g. 2025-12-15T00:00:00+09:00`,
        pointer: `/${where}/${names.asOf}`,
      });
    return { asOf };
  }
  if (typeof position !== 'string' || Position.parse(position) === null)
    throw new BadRequest({
      rule: 'audit.cut-off.position',
      message: `${names.position} must be a log position such as "1234" (as returned in a manifest)`,
      pointer: `/${where}/${names.position}`,
    });
  return { position };
}

/** Resolves a cut-off against the log; a future instant or one before the first event is refused. */
export async function resolveCutOff(
  log: EventLog,
  request: CutOffRequest,
  options: { now?: number; pointer?: string } = {},
): Promise<CutOff> {
  const now = options.now ?? Date.now();
  const pointer = options.pointer ?? ('asOf' in request ? '/body/asOf' : '/body/position');
  const first = (await log.readAll({ maxCount: 1 }))[0];
  const head = await log.headPosition();
  if (!first || !head)
    throw new BadRequest({ rule: 'audit.cut-off.empty-log', message: 'the log is empty', pointer });
  if ('position' in request) {
    const wanted = Position.parse(request.position)!;
    if (Position.compare(wanted, first.position) < 0 || Position.compare(wanted, head) > 0)
      throw new BadRequest({
        rule: 'audit.cut-off.position-range',
        message: `position ${request.position} is outside the log (${Position.toString(first.position)} … ${Position.toString(head)})`,
        pointer,
      });
    const event = await lastAtOrBefore(log, (e) => Position.compare(e.position, wanted) <= 0, wanted);
    return {
      asOf: event.recorded.toISOString(),
      position: Position.toString(event.position),
      recorded: event.recorded.toISOString(),
    };
  }
  const ms = timestampMillis(request.asOf)!;
  if (ms > now)
    throw new BadRequest({
      rule: 'audit.cut-off.future',
      message: `asOf ${request.asOf} is in the future: the log cannot say what it will know`,
      pointer,
    });
  if (ms < first.recorded.getTime())
    throw new BadRequest({
      rule: 'audit.cut-off.before-log',
      message: `asOf ${request.asOf} is before the first event of the log (${first.recorded.toISOString()})`,
      pointer,
    });
  const event = await lastAtOrBefore(log, (e) => e.recorded.getTime() <= ms, null);
  return {
    asOf: new Date(ms).toISOString(),
    position: Position.toString(event.position),
    recorded: event.recorded.toISOString(),
  };
}

/**
 * The last event for which `within` holds (a prefix of the log: positions and record times both
 * grow along it). SQLite positions are the dense row ids, so a binary search reads ~log2(n)
 * events; other adapters are scanned page by page.
 */
async function lastAtOrBefore(
  log: EventLog,
  within: (e: RecordedEvent) => boolean,
  exact: LogPosition | null,
): Promise<RecordedEvent> {
  if (log.kind === 'sqlite') {
    const at = async (id: bigint) =>
      (await log.readAll({ after: Position.of(id - 1n), maxCount: 1 }))[0] ?? null;
    const head = (await log.headPosition())!;
    let lo = 1n; // first id with an event ≤ the answer
    let hi = head.commit;
    let best: RecordedEvent | null = null;
    if (exact) hi = exact.commit;
    while (lo <= hi) {
      const mid = (lo + hi) / 2n;
      const e = await at(mid);
      if (e && within(e)) {
        best = e;
        lo = e.position.commit + 1n;
      } else hi = mid - 1n;
    }
    if (best) return best;
  }
  let last: RecordedEvent | null = null;
  let after: LogPosition | undefined;
  for (;;) {
    const page = await log.readAll({ ...(after ? { after } : {}), maxCount: 2000 });
    for (const e of page) {
      if (!within(e)) return last!;
      last = e;
    }
    const tail = page[page.length - 1];
    if (!tail) return last!;
    after = tail.position;
  }
}
