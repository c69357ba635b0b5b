// Calendar days in a regime's time zone, and the days its regulator is closed. Pure and deterministic: usable
// inside the workflow sandbox. Instants are epoch milliseconds in UTC; days are ISO dates ("2026-12-29").
import holidayJp from '@holiday-jp/holiday_jp';
import { DateTime } from 'luxon';

export type IsoDate = string;

export interface Calendar {
  id: string;
  zone: string;
  /** Why the regulator is closed on this day, or undefined when it is open. */
  closedBecause(day: IsoDate): string | undefined;
}

function weekday(day: IsoDate): number {
  return DateTime.fromISO(day, { zone: 'UTC' }).weekday; // 1 = Monday … 7 = Sunday
}

function requireCovered(calendar: string, day: IsoDate, firstYear: number, lastYear: number): void {
  const year = Number(day.slice(0, 4));
  if (year < firstYear || year > lastYear) {
    throw new RangeError(`${calendar} has holiday data for ${firstYear}–${lastYear} only; ${day} is outside it`);
  }
}

const japanHolidays: Readonly<Record<IsoDate, { name_en: string } | undefined>> = holidayJp.holidays;
const JP_HOLIDAY_FIRST_YEAR = 1970;
const JP_HOLIDAY_LAST_YEAR = Number(Object.keys(japanHolidays).sort().at(-1)!.slice(0, 4));

/**
 * Japanese government offices: closed on Saturdays, Sundays, national holidays (Cabinet Office list, via
 * @holiday-jp/holiday_jp) and the year-end closure 29 Dec – 3 Jan (行政機関の休日に関する法律 Art. 1).
 */
export const japanGovernment: Calendar = {
  id: 'JP-gov',
  zone: 'Asia/Tokyo',
  closedBecause(day) {
    requireCovered('JP-gov', day, JP_HOLIDAY_FIRST_YEAR, JP_HOLIDAY_LAST_YEAR);
    const holiday = japanHolidays[day];
    if (holiday) return `national holiday (${holiday.name_en})`;
    const monthDay = day.slice(5);
    if (monthDay >= '12-29' || monthDay <= '01-03') return 'year-end closure of government offices (29 Dec – 3 Jan)';
    const dow = weekday(day);
    if (dow === 6) return 'Saturday';
    if (dow === 7) return 'Sunday';
    return undefined;
  },
};

/** The calendar day an instant falls on in a zone. */
export function dayOf(instantMs: number, zone: string): IsoDate {
  return DateTime.fromMillis(instantMs, { zone }).toISODate()!;
}

export function addDays(day: IsoDate, days: number): IsoDate {
  return DateTime.fromISO(day, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

/** The end of a calendar day in a zone: 23:59:59.999 local time, as an instant. */
export function endOfDay(day: IsoDate, zone: string): number {
  return DateTime.fromISO(day, { zone }).endOf('day').toMillis();
}

export interface RolledDay {
  day: IsoDate;
  /** The closed days passed over, with the reason each was closed; empty when none. */
  skipped: { day: IsoDate; reason: string }[];
}

/** The first day on or after `day` on which the calendar's regulator is open. */
export function rollForward(day: IsoDate, calendar: Calendar): RolledDay {
  const skipped: RolledDay['skipped'] = [];
  let current = day;
  for (let reason = calendar.closedBecause(current); reason; reason = calendar.closedBecause(current)) {
    skipped.push({ day: current, reason });
    current = addDays(current, 1);
  }
  return { day: current, skipped };
}

/** Renders an instant for people, in the regime's zone with its offset: "2026-12-28T23:59:59.999+09:00". */
export function inZone(instantMs: number, zone: string): string {
  return DateTime.fromMillis(instantMs, { zone }).toISO()!;
}
