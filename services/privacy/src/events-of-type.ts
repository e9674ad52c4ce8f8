import type { EventLog, RecordedEvent } from '@lrs/event-log';

/** Every event of one type in the log, in log order, read in pages of 500. */
export async function readAllOfType(log: EventLog, type: string): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let after: RecordedEvent['position'] | undefined;
  for (;;) {
    const page = await log.readAll({
      ...(after ? { after } : {}),
      filter: { typePrefixes: [type] },
      maxCount: 500,
    });
    for (const e of page) if (e.type === type) out.push(e);
    if (page.length < 500) return out;
    after = page[page.length - 1]!.position;
  }
}
