// Completion over a period week by week (issue 22): how many of a report's officials had completed
// by the end of each ISO week, from the completion read model's completion dates.
import { DateTime } from 'luxon';

export interface CompletionWeek {
  /** ISO week, e.g. 2024-W05. */
  week: string;
  /** The week's first and last day within the period (YYYY-MM-DD): a period may start or end mid-week. */
  from: string;
  to: string;
  /** Officials who became complete in this week. */
  completed: number;
  /** Officials complete by the end of this week. */
  cumulative: number;
  /** cumulative / due (the officials the requirement applies to), 0–1; 1 when nobody is due. */
  rate: number;
}

/**
 * The weeks of a period (first to last day, inclusive, as the policy's zone reads them) with the
 * completions dated in each. `dates` are the completion dates of the officials in scope; `due` is
 * how many officials the rate is of (the report's population without the exempt).
 */
export function completionWeeks(
  firstDay: string,
  lastDay: string,
  dates: Iterable<string>,
  due: number,
): CompletionWeek[] {
  const perDay = new Map<string, number>();
  for (const d of dates) perDay.set(d, (perDay.get(d) ?? 0) + 1);
  const end = DateTime.fromISO(lastDay, { zone: 'UTC' });
  const weeks: CompletionWeek[] = [];
  let cumulative = 0;
  for (let day = DateTime.fromISO(firstDay, { zone: 'UTC' }); day <= end; ) {
    const sunday = day.plus({ days: 7 - day.weekday });
    const to = DateTime.min(sunday, end);
    let completed = 0;
    for (let d = day; d <= to; d = d.plus({ days: 1 })) completed += perDay.get(d.toISODate()!) ?? 0;
    cumulative += completed;
    weeks.push({
      week: `${day.weekYear}-W${String(day.weekNumber).padStart(2, '0')}`,
      from: day.toISODate()!,
      to: to.toISODate()!,
      completed,
      cumulative,
      rate: due > 0 ? Math.min(1, cumulative / due) : 1,
    });
    day = to.plus({ days: 1 });
  }
  return weeks;
}
