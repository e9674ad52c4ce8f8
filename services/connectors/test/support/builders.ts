import type { Agent } from '@lrs/xapi';
import type { Catalog, OfficialDirectory, SessionInput } from '../../src';

export const HOME = 'https://officials.gov.example';
export const COURSE = 'https://training.gov.example/courses/ethics-101';

/** A directory of officials KR-0001 … KR-n with Korean, Chinese and Vietnamese names. */
export function aDirectory(count = 50): OfficialDirectory & { names: Map<string, string> } {
  const names = new Map<string, string>();
  const samples = ['김민준', '王小明', 'Nguyễn Thị Lan', '이서연', '陈静'];
  for (let i = 1; i <= count; i++) names.set(officialId(i), samples[i % samples.length]!);
  return {
    names,
    resolve(id: string): Agent | null {
      const name = names.get(id);
      return name === undefined ? null : { objectType: 'Agent', name, account: { homePage: HOME, name: id } };
    },
  };
}

export const officialId = (i: number) => `KR-${String(i).padStart(4, '0')}`;

export const aCatalog = (...ids: string[]): Catalog => ({ has: (id) => [COURSE, ...ids].includes(id) });

export function aSession(overrides: Partial<SessionInput> = {}): SessionInput {
  return {
    activityId: COURSE,
    title: { ko: '공직윤리 교육', en: 'Public service ethics' },
    start: '2024-05-02T09:00:00+09:00',
    end: '2024-05-02T12:00:00+09:00',
    timeZone: 'Asia/Seoul',
    location: '서울 인재개발원 3강의실',
    instructor: officialId(1),
    offeringId: 'ETH-2024-05-A',
    ...overrides,
  };
}

/** CSV text: a header and one line per [official, minutes, status]. */
export function aCsv(
  rows: [string, string, string][],
  options: { bom?: boolean; name?: boolean } = {},
): string {
  const header = options.name ? 'official_id,name,minutes,status' : 'official_id,minutes,status';
  const lines = rows.map(([id, minutes, status]) =>
    options.name ? `${id},"${id} 이름",${minutes},${status}` : `${id},${minutes},${status}`,
  );
  return `${options.bom ? '\uFEFF' : ''}${[header, ...lines].join('\r\n')}\r\n`;
}
