// Writes the public-holiday tables the workflow calendars use, from date-holidays (a well-kept library). The
// tables are committed so that the workflow bundle stays small and the data is reviewed in diffs; a test checks
// that they still equal the library's output. Run with: npx tsx dev/holidays.ts
import { writeFileSync } from 'node:fs';
import Holidays from 'date-holidays';

export const HOLIDAY_YEARS = { first: 2020, last: 2040 } as const;

export const HOLIDAY_TABLES = {
  // US federal holidays, with their observed days (5 U.S.C. 6103; EO 11582): the SEC's business days.
  'us-federal': { country: 'US' },
  // Brazilian national holidays (Lei 662/1949 and amendments; Lei 14.759/2023 for 20 Nov): ANPD's dias úteis.
  'br-national': { country: 'BR' },
  // State legal holidays, for the state breach laws that count business days: Vermont's preliminary notice to the
  // Attorney General (9 V.S.A. 2435(b)(3)) and Iowa's notice to the Attorney General (Iowa Code 715C.2(8)).
  'us-vt': { country: 'US', state: 'VT' },
  'us-ia': { country: 'US', state: 'IA' },
} as const;

export type HolidayTable = Record<string, string>;

/** Day → holiday name, public holidays only, for every year of HOLIDAY_YEARS. */
export function holidayTable(country: string, state?: string): HolidayTable {
  const holidays = state ? new Holidays(country, state, { types: ['public'] }) : new Holidays(country, { types: ['public'] });
  const table: HolidayTable = {};
  for (let year = HOLIDAY_YEARS.first; year <= HOLIDAY_YEARS.last; year++) {
    for (const holiday of holidays.getHolidays(year)) {
      const day = holiday.date.slice(0, 10);
      table[day] = table[day] ? `${table[day]}; ${holiday.name}` : holiday.name;
    }
  }
  return Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b)));
}

export function holidayFile(id: keyof typeof HOLIDAY_TABLES): string {
  const table: { country: string; state?: string } = HOLIDAY_TABLES[id];
  const where = table.state ? `country ${table.country}, state ${table.state}` : `country ${table.country}`;
  const body = { source: `date-holidays, ${where}, type public`, years: HOLIDAY_YEARS, holidays: holidayTable(table.country, table.state) };
  return `${JSON.stringify(body, null, 1)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const id of Object.keys(HOLIDAY_TABLES) as (keyof typeof HOLIDAY_TABLES)[]) {
    const path = new URL(`../workflows/domain/holidays/${id}.json`, import.meta.url);
    writeFileSync(path, holidayFile(id));
    console.log(`wrote ${path.pathname}`);
  }
}
