import { describe, expect, it } from 'vitest';
import { diffPolicies } from '../../domain/policy-diff.js';
import { DEFAULT_POLICY, type Policy, parsePolicy } from '../../policy/index.js';

const edited = (change: (p: Policy) => void): Policy => {
  const copy = structuredClone(DEFAULT_POLICY) as Policy;
  change(copy);
  return parsePolicy(copy);
};

describe('a policy draft against the current policy, field by field', () => {
  it('lists nothing for the same policy', () => {
    expect(diffPolicies(DEFAULT_POLICY, structuredClone(DEFAULT_POLICY) as Policy)).toEqual([]);
  });

  it('names each changed field in words, with both values as a cadre reads them', () => {
    const draft = edited((p) => {
      p.version = '2026.3';
      p.incomeLineYuanPerPersonYear = 4500;
      p.visitEveryDays.UNLIFTED = 10;
      (p.escalationLadder[1] as { graceHours: number }).graceHours = 24;
      p.stableExit.neverCloseWithoutLabour = false;
      p.measureCaps.PUBLIC_WELFARE_POST = { perPersonYuan: 8000, perYear: true };
      delete p.measureCaps.INDUSTRY_SUBSIDY;
      p.measureCaps.MARGINAL_PROJECT = {
        ...p.measureCaps.MARGINAL_PROJECT,
        onlyCategories: ['MARGINAL', 'MONITORED'],
      };
    });
    const changes = diffPolicies(DEFAULT_POLICY, draft);
    const byPath = Object.fromEntries(changes.map((c) => [c.path, c]));
    expect(byPath.version).toEqual({ path: 'version', label: '版本号', from: '2024.1', to: '2026.3' });
    expect(byPath.incomeLineYuanPerPersonYear).toMatchObject({
      label: '收入线（元/人/年）',
      from: '4,000',
      to: '4,500',
    });
    expect(byPath['visitEveryDays.UNLIFTED']).toMatchObject({
      label: '走访周期（天） · 未脱贫户',
      from: '14',
      to: '10',
    });
    expect(byPath['escalationLadder.1.graceHours']).toMatchObject({
      label: '督战升级阶梯 · 第 2 级 · 宽限时间（小时）',
      from: '48',
      to: '24',
    });
    expect(byPath['stableExit.neverCloseWithoutLabour']).toMatchObject({ from: '是', to: '否' });
    expect(byPath['measureCaps.PUBLIC_WELFARE_POST.perYear']).toMatchObject({ from: '（无）', to: '是' });
    expect(byPath['measureCaps.INDUSTRY_SUBSIDY.perHouseholdYuan']).toMatchObject({
      from: '30,000',
      to: '（无）',
    });
    expect(byPath['measureCaps.MARGINAL_PROJECT.onlyCategories']).toMatchObject({
      from: '边缘户',
      to: '边缘户、脱贫监测户',
    });
    expect(changes).toHaveLength(8);
  });

  it('shows a rung added to the ladder by its rank', () => {
    const shorter = edited((p) => {
      p.escalationLadder = p.escalationLadder.slice(0, 4);
    });
    expect(diffPolicies(shorter, DEFAULT_POLICY)).toEqual([
      {
        path: 'escalationLadder.4.rank',
        label: '督战升级阶梯 · 第 5 级 · 升级对象',
        from: '（无）',
        to: '党委书记',
      },
      {
        path: 'escalationLadder.4.graceHours',
        label: '督战升级阶梯 · 第 5 级 · 宽限时间（小时）',
        from: '（无）',
        to: '72',
      },
    ]);
  });
});
