import { describe, expect, it } from 'vitest';
import { noticeReason } from '../../domain/queries/identification-notice.js';
import {
  addTownshipDays,
  identificationLimitAt,
  identificationStepDeadline,
  POLICY_2026_2,
  POLICY_2026_3,
  parsePolicy,
  townshipDaysBetween,
  validatePolicy,
} from '../../policy/index.js';

const TZ = 'Asia/Shanghai';

describe('识别纳入 in the policy (2026.3)', () => {
  const rules = POLICY_2026_3.identification;
  it('has the county defaults: 15 days in all, a notice of 5, calendar days; older versions have none', () => {
    expect(rules).toMatchObject({ dayCount: 'CALENDAR', publicNoticeDays: 5, totalLimitDays: 15 });
    expect(POLICY_2026_2.identification).toBeUndefined();
  });

  it('refuses a notice under 5 days and steps that cannot fit in the limit, in Chinese', () => {
    if (!rules) throw new Error('2026.3 has identification rules');
    const short = validatePolicy({ ...POLICY_2026_3, identification: { ...rules, publicNoticeDays: 4 } });
    expect(short.ok).toBe(false);
    if (!short.ok) expect(short.issues.map((i) => i.message).join()).toContain('识别公示期不能少于 5 天');
    const tight = validatePolicy({ ...POLICY_2026_3, identification: { ...rules, totalLimitDays: 10 } });
    expect(tight.ok).toBe(false);
    if (!tight.ok) expect(tight.issues.map((i) => i.message).join()).toContain('超过了总时限 10 天');
    expect(() =>
      parsePolicy({ ...POLICY_2026_3, identification: { ...rules, dayCount: 'SOMETIMES' } }),
    ).toThrow(/天数计法/);
  });

  it('counts calendar days as whole days and working days as Monday to Friday in the township zone', () => {
    // Friday 2026-11-27 15:00 in Shanghai.
    const friday = '2026-11-27T07:00:00.000Z';
    expect(addTownshipDays(friday, 3, 'CALENDAR', TZ)).toBe('2026-11-30T07:00:00.000Z');
    // 2 working days after a Friday: the end of Tuesday (Shanghai), 2026-12-02 00:00 +08:00.
    expect(addTownshipDays(friday, 2, 'WORKING', TZ)).toBe('2026-12-01T16:00:00.000Z');
    expect(townshipDaysBetween(friday, '2026-12-01T03:00:00.000Z', 'WORKING', TZ)).toBe(2);
    expect(townshipDaysBetween(friday, '2026-11-28T08:00:00.000Z', 'CALENDAR', TZ)).toBe(2);
    expect(townshipDaysBetween(friday, friday, 'CALENDAR', TZ)).toBe(0);
  });

  it('gives each step its deadline and the whole procedure its limit', () => {
    if (!rules) throw new Error('2026.3 has identification rules');
    const raised = '2026-11-02T02:00:00.000Z';
    expect(identificationStepDeadline(rules, 'HOME_CHECK', raised, TZ)).toBe('2026-11-05T02:00:00.000Z');
    expect(identificationStepDeadline(rules, 'PUBLIC_NOTICE', raised, TZ)).toBe('2026-11-07T02:00:00.000Z');
    expect(identificationLimitAt(rules, raised, TZ)).toBe('2026-11-17T02:00:00.000Z');
    const working = { ...rules, dayCount: 'WORKING' as const };
    // Monday 10:00 + 15 working days: the end of Monday three weeks later.
    expect(identificationLimitAt(working, raised, TZ)).toBe('2026-11-23T16:00:00.000Z');
  });
});

describe('the 公示 reason', () => {
  it('masks digit runs that could be an ID card, phone or bank number; keeps years and amounts', () => {
    expect(noticeReason('身份证 11010119900307123X 电话 139-1234-5678')).toBe(
      '身份证 ****************3X 电话 *********78',
    );
    expect(noticeReason('6222 0202 0000 1234 567 的账户')).toBe('*****************67 的账户');
    expect(noticeReason('2024年医疗支出 35000 元')).toBe('2024年医疗支出 35000 元');
  });
});
