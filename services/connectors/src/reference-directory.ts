import {
  type EventLog,
  Position,
  PositionFollower,
  type RecordedEvent,
  type Subscription,
} from '@lrs/event-log';
import { payloadOf } from '@lrs/events';
import { CATALOG_ENTRY_RECORDED, identifierKey, OFFICIAL_RECORDED, type Official } from '@lrs/training';
import type { Agent } from '@lrs/xapi';
import { normalizeMbox } from '@lrs/xapi';
import type { Catalog, OfficialDirectory } from './ports';

/**
 * The officials registry and course catalog of @lrs/training, read from their events into memory
 * (each record's latest event holds the whole record). Kept current by a subscription, so an
 * official recorded a moment ago can attend a session imported now.
 */
export class ReferenceDirectory implements OfficialDirectory, Catalog {
  private readonly officials = new Map<string, Official>();
  private readonly byIdentifier = new Map<string, string>();
  private readonly activities = new Set<string>();
  private subscription: Subscription | null = null;
  private readonly follower = new PositionFollower();

  private constructor(private readonly log: EventLog) {}

  static async start(log: EventLog): Promise<ReferenceDirectory> {
    const directory = new ReferenceDirectory(log);
    const caughtUp = new Promise<void>((resolve, reject) => {
      directory.subscription = log.subscribe({
        filter: { typePrefixes: [OFFICIAL_RECORDED, CATALOG_ENTRY_RECORDED] },
        handle: (events) => {
          for (const event of events) {
            directory.apply(event);
            directory.follower.advance(event.position);
          }
        },
        onCheckpoint: (position) => directory.follower.advance(position),
        onCaughtUp: () => resolve(),
        onError: reject,
      });
    });
    await caughtUp;
    return directory;
  }

  /**
   * Read-your-writes for imports: waits (bounded) until the directory has applied the log as it is
   * now, so an official or course recorded before a roster arrives is known when the roster is
   * checked. On time-out the check runs on what the directory has.
   */
  async catchUp(timeoutMs = 2_000): Promise<void> {
    const head = await this.log.headPosition();
    if (head === null) return;
    // Another process's commit (an import CLI, a second server) is seen at the next poll; look now.
    if (!this.follower.position || Position.compare(this.follower.position, head) < 0)
      this.log.wakeSubscriptions?.();
    await this.follower.waitFor(head, timeoutMs);
  }

  private apply(event: RecordedEvent): void {
    if (event.type === OFFICIAL_RECORDED) {
      const official = payloadOf(event, OFFICIAL_RECORDED);
      const before = this.officials.get(official.officialId);
      for (const identifier of before?.identifiers ?? []) this.byIdentifier.delete(identifierKey(identifier));
      this.officials.set(official.officialId, official);
      for (const identifier of official.identifiers)
        this.byIdentifier.set(identifierKey(identifier), official.officialId);
    } else if (event.type === CATALOG_ENTRY_RECORDED) {
      this.activities.add(payloadOf(event, CATALOG_ENTRY_RECORDED).activityId);
    }
  }

  /** An official id, `mailto:…`, or `account:<homePage>|<name>` (the registry's identifier keys). */
  resolve(officialIdOrIdentifier: string): Agent | null {
    const given = officialIdOrIdentifier.trim();
    let official = this.officials.get(given);
    let key: string | undefined;
    if (!official) {
      key = given.startsWith('mailto:')
        ? `mbox:${normalizeMbox(given)}`
        : given.startsWith('account:')
          ? given
          : undefined;
      const id = key === undefined ? undefined : this.byIdentifier.get(key);
      official = id === undefined ? undefined : this.officials.get(id);
    }
    if (!official) return null;
    // The identifier the row named, or the official's first one (accounts first: they do not change with email).
    const identifier =
      (key && official.identifiers.find((i) => identifierKey(i) === key)) ||
      official.identifiers.find((i) => 'account' in i) ||
      official.identifiers[0];
    if (!identifier) return null;
    return { objectType: 'Agent', name: official.name, ...identifier };
  }

  has(activityId: string): boolean {
    return this.activities.has(activityId);
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}
