import { randomUUID } from 'node:crypto';
import type { EventLog, JsonValue } from '@lrs/event-log';
import { anActivity, anAgent, aStatement, verbs } from '@lrs/testkit';
import { OFFICIAL_RECORDED, officialStream } from '@lrs/training';

const LMS = 'https://lms.example.kr';

/** Appends n statements of official-<i % 10>, 100 per appendMany, with their officials first. */
export async function aLogWith(log: EventLog, n: number): Promise<void> {
  await log.appendMany(
    Array.from({ length: 10 }, (_, i) => ({
      stream: officialStream(`o${i}`),
      events: [
        {
          type: OFFICIAL_RECORDED,
          data: {
            officialId: `o${i}`,
            name: `o${i}`,
            orgUnit: 'city',
            orgUnitFrom: null,
            staffGroup: 'social-welfare',
            jurisdiction: 'city',
            employedFrom: null,
            employedTo: null,
            identifiers: [{ account: { homePage: LMS, name: `o${i}` } }],
          },
        },
      ],
    })),
  );
  for (let done = 0; done < n; done += 100)
    await log.appendMany(
      Array.from({ length: Math.min(100, n - done) }, (_, k) => {
        const statement = aStatement()
          .withId(randomUUID())
          .withActor(anAgent().withAccount(LMS, `o${(done + k) % 10}`))
          .withVerb(verbs.completed)
          .withActivity(anActivity(`${LMS}/courses/c${k % 7}`))
          .lasting('PT1H')
          .at('2025-03-01T10:00:00+09:00')
          .build();
        return {
          stream: `statement-${statement.id}`,
          events: [{ type: 'xapi.statement.stored', data: { statement } as unknown as JsonValue }],
        };
      }),
    );
}
