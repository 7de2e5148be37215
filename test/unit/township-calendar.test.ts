import { describe, expect, it } from 'vitest';
import { endOfLocalDay, localDate, townshipDay } from '../../policy/township-calendar.js';

describe('the township calendar', () => {
  it('puts 23:30 UTC on the next day in China Standard Time, and bounds that day at local midnights', () => {
    const day = townshipDay(new Date('2025-03-01T23:30:00Z'), 'Asia/Shanghai');
    expect(day).toEqual({
      date: '2025-03-02',
      start: new Date('2025-03-01T16:00:00Z'),
      end: new Date('2025-03-02T16:00:00Z'),
    });
  });

  it('follows the zone it is given, not the machine: the same instant is still 1 March in Berlin', () => {
    expect(localDate(new Date('2025-03-01T23:30:00Z'), 'Europe/Berlin')).toBe('2025-03-02');
    expect(localDate(new Date('2025-03-01T22:30:00Z'), 'Europe/Berlin')).toBe('2025-03-01');
    expect(localDate(new Date('2025-03-01T22:30:00Z'), 'Asia/Shanghai')).toBe('2025-03-02');
  });

  it('gives a day of 23 hours where daylight saving starts', () => {
    const day = townshipDay(new Date('2025-03-30T12:00:00Z'), 'Europe/Berlin');
    expect(day.start).toEqual(new Date('2025-03-29T23:00:00Z'));
    expect(day.end).toEqual(new Date('2025-03-30T22:00:00Z'));
    expect(endOfLocalDay('2025-03-30', 'Europe/Berlin')).toEqual(day.end);
  });
});
