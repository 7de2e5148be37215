// Edges of the rules in policy/ that `npm run mutate` found untested: the boundaries a policy editor
// can hit exactly, the field each refusal points at, and the Chinese a cadre reads. Each case
// asserts what DOMAIN.md and the policy's own comments say, not how the code happens to do it.
import { describe, expect, it } from 'vitest';
import {
  assessStableExit,
  capViolationIssue,
  checkMeasureCaps,
  comparePolicyVersions,
  DEFAULT_POLICY,
  describeIssues,
  escalationStepsReached,
  evaluateVisit,
  factsOfProfile,
  formatYuan,
  GUARANTEE_ITEM_LABELS,
  type HouseholdFacts,
  latestPolicy,
  MEASURE_KIND_LABELS,
  multiLine,
  nextClosingOverdueAt,
  POLICY_2026_1,
  PolicyValidationError,
  parseInstant,
  parsePolicy,
  policyByVersion,
  singleLine,
  summariseVisitForExit,
  UnknownPolicyVersionError,
  type VisitRecord,
  validatePolicy,
  visitRecordSchema,
  wholeMonthsBetween,
} from '../../policy/index.js';
import { compliantRecord } from '../helpers/visit-records.js';

/** The policy with `change` applied to a deep copy, checked: its issues as "path：message". */
const issuesOf = (change: (p: Record<string, unknown> & typeof DEFAULT_POLICY) => void): string[] => {
  const policy = structuredClone(DEFAULT_POLICY) as Record<string, unknown> & typeof DEFAULT_POLICY;
  change(policy);
  const result = validatePolicy(policy);
  return result.ok ? [] : result.issues.map((i) => `${i.path}：${i.message}`);
};

const record = (over: Parameters<typeof compliantRecord>[2] = {}): VisitRecord =>
  visitRecordSchema.parse(compliantRecord('c1', '2025-03-01T09:00:00+08:00', over));

const facts: HouseholdFacts = {
  category: 'MONITORED',
  memberCount: 3,
  labourClass: 'CLASS_2',
  hasLabour: true,
};

describe('text typed by people (policy/plain-text.ts)', () => {
  const name = singleLine('户主姓名', 5);
  const note = multiLine('备注', 10);
  const messages = (schema: typeof name | typeof note, value: unknown) => {
    const result = schema.safeParse(value);
    return result.success ? [] : result.error.issues.map((i) => i.message);
  };

  it('one line: trimmed, required, at most its length', () => {
    expect(name.parse('  王德福 ')).toBe('王德福');
    expect(name.parse('一二三四五')).toBe('一二三四五');
    expect(messages(name, '一二三四五六')).toEqual(['户主姓名最长 5 字']);
    expect(messages(name, '   ')).toEqual(['请填写户主姓名']);
    expect(messages(name, 42)).toEqual(['请填写户主姓名']);
  });

  it('one line: no line break, tab or other control character, C0, DEL, C1 or U+2028/2029', () => {
    for (const bad of [
      '王\n德',
      '王\t德',
      '王\r德',
      '王\u0000德',
      '王\u001f德',
      '王\u007f德',
      '王\u009f德',
      '王\u2028德',
      '王\u2029德',
    ])
      expect(messages(name, bad), JSON.stringify(bad)).toEqual(['户主姓名不能包含换行或控制字符']);
    for (const good of ['王 德', '王\u00a0德', '王~德'])
      expect(messages(name, good), JSON.stringify(good)).toEqual([]);
  });

  it('several lines: empty allowed, line breaks and tabs allowed, other control characters not', () => {
    expect(note.parse('')).toBe('');
    expect(note.parse(' 第一行\r\n\t第二行 ')).toBe('第一行\r\n\t第二行');
    for (const bad of ['甲\u0000乙', '甲\u0007乙', '甲\u007f乙', '甲\u0085乙', '甲\u2028乙'])
      expect(messages(note, bad), JSON.stringify(bad)).toEqual(['备注不能包含控制字符']);
    expect(messages(note, '一二三四五六七八九十')).toEqual([]);
    expect(messages(note, '一二三四五六七八九十一')).toEqual(['备注最长 10 字']);
    expect(messages(note, 7)).toEqual(['备注必须是文字']);
  });
});

describe('the facts the rules take from the register (policy/household-profile.ts)', () => {
  const member = (labourAbility: 'FULL' | 'PARTIAL' | 'NONE') => ({
    name: '成员',
    relation: '户主',
    age: 40,
    labourAbility,
    inSchool: false,
    chronicIllness: false,
  });

  it('counts the members, and has labour when anyone can work at least in part', () => {
    expect(
      factsOfProfile('MARGINAL', { labourClass: 'CLASS_3', members: [member('NONE'), member('PARTIAL')] }),
    ).toEqual({
      category: 'MARGINAL',
      labourClass: 'CLASS_3',
      memberCount: 2,
      hasLabour: true,
    });
    expect(
      factsOfProfile('UNLIFTED', { labourClass: 'CLASS_4', members: [member('NONE'), member('NONE')] }),
    ).toMatchObject({
      memberCount: 2,
      hasLabour: false,
    });
    expect(
      factsOfProfile('MONITORED', {
        labourClass: 'CLASS_1',
        members: [member('FULL'), member('NONE'), member('NONE')],
      }),
    ).toMatchObject({
      memberCount: 3,
      hasLabour: true,
    });
  });

  it('counts a household with no member listed as one person (a per-person cap is never zero)', () => {
    expect(factsOfProfile('MARGINAL', { labourClass: 'CLASS_1', members: [] }).memberCount).toBe(1);
  });
});

describe('time on the township’s calendar (policy/time-arithmetic.ts)', () => {
  it('refuses a string that is not a time, saying which', () => {
    expect(() => parseInstant('下周一')).toThrow(new RangeError('不是有效的时间：下周一'));
    expect(parseInstant('2025-01-01T08:00:00+08:00')).toBe(Date.UTC(2025, 0, 1));
  });

  it('reaches a month only at the same day and time of day, across a year’s end too', () => {
    // 20 December to 10 January: not yet a month, though the calendar month changed.
    expect(wholeMonthsBetween('2024-12-20T09:00:00+08:00', '2025-01-10T09:00:00+08:00')).toBe(0);
    expect(wholeMonthsBetween('2024-12-20T09:00:00+08:00', '2025-01-20T09:00:00+08:00')).toBe(1);
    // The same day, earlier in the day: not yet.
    expect(wholeMonthsBetween('2025-01-10T15:00:00+08:00', '2025-02-10T10:00:00+08:00')).toBe(0);
    expect(wholeMonthsBetween('2025-01-10T15:00:00+08:00', '2025-02-10T15:00:00+08:00')).toBe(1);
  });
});

describe('the escalation ladder reached (policy/escalation.ts)', () => {
  it('reaches a rung at its hour exactly, none before the due time', () => {
    const ranks = (hours: number) => escalationStepsReached(DEFAULT_POLICY, hours).map((s) => s.rank);
    expect(ranks(-1)).toEqual([]);
    expect(ranks(0)).toEqual(['ASSIGNED']);
    expect(ranks(47)).toEqual(['ASSIGNED']);
    expect(ranks(48)).toEqual(['ASSIGNED', 'VILLAGE_LEADER']);
    expect(ranks(240)).toHaveLength(5);
  });
});

describe('policy versions (policy/policy-registry.ts, policy-schema.ts)', () => {
  it('orders versions by year, then by number within the year', () => {
    expect(comparePolicyVersions('2024.10', '2024.9')).toBeGreaterThan(0);
    expect(comparePolicyVersions('2024.9', '2024.10')).toBeLessThan(0);
    expect(comparePolicyVersions('2025.1', '2024.9')).toBeGreaterThan(0);
    expect(comparePolicyVersions('2024.2', '2025.1')).toBeLessThan(0);
    expect(comparePolicyVersions('2026.1', '2026.1')).toBe(0);
  });

  it('the latest built-in is 2026.3; an unknown version is refused naming those there are', () => {
    expect(latestPolicy().version).toBe('2026.3');
    expect(() => policyByVersion('2099.1')).toThrow(UnknownPolicyVersionError);
    try {
      policyByVersion('2099.1');
    } catch (error) {
      expect((error as Error).name).toBe('UnknownPolicyVersionError');
      expect((error as Error).message).toBe(
        '没有版本为 2099.1 的督战策略；已有版本：2024.1、2024.2、2026.1、2026.2、2026.3',
      );
    }
  });

  it('a policy that does not parse throws PolicyValidationError listing every problem', () => {
    try {
      parsePolicy({ ...DEFAULT_POLICY, visitTaskDueDays: 40 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyValidationError);
      expect((error as Error).name).toBe('PolicyValidationError');
      expect((error as Error).message).toMatch(
        /^督战策略不合规：visitTaskDueDays：走访任务办理期限（40 天）/,
      );
    }
  });
});

describe('a policy’s own checks point at the field to correct (policy/policy-schema.ts)', () => {
  it('the ladder: the assignee first and only first, then strictly more senior ranks', () => {
    expect(
      issuesOf((p) => {
        p.escalationLadder = [{ rank: 'VILLAGE_LEADER', graceHours: 0 }];
      }),
    ).toEqual(['escalationLadder.0.rank：督战升级阶梯的第一级必须是任务承办人（ASSIGNED）']);
    expect(
      issuesOf((p) => {
        p.escalationLadder = [
          { rank: 'ASSIGNED', graceHours: 0 },
          { rank: 'VILLAGE_LEADER', graceHours: 24 },
          { rank: 'ASSIGNED', graceHours: 24 },
        ];
      }),
    ).toEqual(['escalationLadder.2.rank：任务承办人（ASSIGNED）只能是升级阶梯的第一级']);
    const same = issuesOf((p) => {
      p.escalationLadder = [
        { rank: 'ASSIGNED', graceHours: 0 },
        { rank: 'VILLAGE_LEADER', graceHours: 24 },
        { rank: 'VILLAGE_LEADER', graceHours: 24 },
      ];
    });
    expect(same).toHaveLength(1);
    expect(same[0]).toMatch(/^escalationLadder\.2\.rank：升级阶梯必须逐级向上/);
    // Any leader may come straight after the assignee, the 党委书记 too.
    expect(
      issuesOf((p) => {
        p.escalationLadder = [
          { rank: 'ASSIGNED', graceHours: 0 },
          { rank: 'PARTY_SECRETARY', graceHours: 24 },
        ];
      }),
    ).toEqual([]);
  });

  it('caps: a per-person cap may equal the per-household one, not exceed it', () => {
    const withCap = (cap: object) =>
      issuesOf((p) => {
        (p.measureCaps as Record<string, unknown>).INDUSTRY_SUBSIDY = cap;
      });
    expect(withCap({ perHouseholdYuan: 5000, perPersonYuan: 5000 })).toEqual([]);
    expect(withCap({ perHouseholdYuan: 5000, perPersonYuan: 5001 })).toEqual([
      'measureCaps.INDUSTRY_SUBSIDY.perPersonYuan：每人上限不能高于每户上限',
    ]);
    expect(withCap({ perPersonYuan: 9000 })).toEqual([]);
    expect(withCap({ onlyCategories: ['MARGINAL'] })).toEqual([]);
    expect(withCap({})).toEqual([
      'measureCaps.INDUSTRY_SUBSIDY：资金上限至少要规定每户上限、每人上限或适用户类别之一',
    ]);
    expect(withCap({ perHouseholdYuan: 5000, onlyCategories: ['MARGINAL', 'MARGINAL'] })).toEqual([
      'measureCaps.INDUSTRY_SUBSIDY.onlyCategories：适用户类别有重复',
    ]);
    expect(withCap({ perHouseholdYuan: 5000, perYr: true })).toEqual([
      'measureCaps.INDUSTRY_SUBSIDY：资金上限中有无法识别的字段：perYr',
    ]);
    expect(withCap({ perHouseholdYuan: 5000, perYr: true, perMonth: 1 })).toEqual([
      'measureCaps.INDUSTRY_SUBSIDY：资金上限中有无法识别的字段：perYr、perMonth',
    ]);
  });

  it('caps: a measure not on the menu, or caps that are not an object', () => {
    expect(
      issuesOf((p) => {
        (p.measureCaps as Record<string, unknown>).HOUSE_PURCHASE = { perHouseholdYuan: 1 };
      }),
    ).toEqual(['measureCaps：资金上限中有不在措施菜单里的措施：HOUSE_PURCHASE']);
    expect(
      issuesOf((p) => {
        (p.measureCaps as Record<string, unknown>).HOUSE_PURCHASE = { perHouseholdYuan: 1 };
        (p.measureCaps as Record<string, unknown>).CAR = { perHouseholdYuan: 1 };
      }),
    ).toEqual(['measureCaps：资金上限中有不在措施菜单里的措施：HOUSE_PURCHASE、CAR']);
    expect(
      issuesOf((p) => {
        (p as Record<string, unknown>).measureCaps = 5;
      }),
    ).toEqual(['measureCaps：资金上限必须是“措施 → 上限”的对象']);
  });

  it('the visit task may last as long as the shortest cadence, not longer', () => {
    expect(
      issuesOf((p) => {
        p.visitTaskDueDays = 14;
      }),
    ).toEqual([]);
    const longer = issuesOf((p) => {
      p.visitTaskDueDays = 15;
    });
    expect(longer).toHaveLength(1);
    expect(longer[0]).toMatch(/^visitTaskDueDays：走访任务办理期限（15 天）不能长于最短的走访周期（14 天）/);
  });

  it('the reminder comes before the shortest task’s whole length', () => {
    const at = (hours: number) =>
      issuesOf((p) => {
        p.reminderLeadHours = hours;
      });
    expect(at(7 * 24 - 1)).toEqual([]);
    expect(at(7 * 24)).toEqual([
      'reminderLeadHours：到期提醒提前量（168 小时）必须短于最短的任务期限（7 天）',
    ]);
  });

  it('a shock lasts at least one of its own visit intervals', () => {
    const shock = (extraVisitEveryDays: number, durationDays: number) =>
      issuesOf((p) => {
        p.shock = { extraVisitEveryDays, durationDays };
      });
    expect(shock(7, 7)).toEqual([]);
    expect(shock(7, 6)).toEqual([
      'shock.durationDays：突发风险加密走访持续时间不能短于加密走访周期，否则一次加密走访也不会发生',
    ]);
  });
});

describe('problems as one sentence (policy/validation-issues.ts)', () => {
  it('names each field before its message, and a whole-value problem alone', () => {
    expect(
      describeIssues([
        { path: 'shock.durationDays', message: '太短' },
        { path: '', message: '整体有误' },
      ]),
    ).toBe('shock.durationDays：太短；整体有误');
  });
});

describe('money, caps and their messages (policy/money.ts, measure-caps.ts, visit-record-validation.ts)', () => {
  it('prints whole yuan plainly and fen to two places', () => {
    expect(formatYuan(2024)).toBe('2024 元');
    expect(formatYuan(12.5)).toBe('12.50 元');
  });

  it('a measure only for some categories says which, and points at the measure’s kind', () => {
    const [violation, ...rest] = checkMeasureCaps(DEFAULT_POLICY, facts, [
      { kind: 'INDUSTRY_SUBSIDY', amountYuan: 100 },
      { kind: 'MARGINAL_PROJECT', amountYuan: 100 },
    ]);
    expect(rest).toEqual([]);
    expect(violation?.message).toBe(
      `${MEASURE_KIND_LABELS.MARGINAL_PROJECT}只适用于边缘户，该户是脱贫监测户，不能享受`,
    );
    const twoCategories = {
      ...DEFAULT_POLICY,
      measureCaps: {
        MARGINAL_PROJECT: { perHouseholdYuan: 20_000, onlyCategories: ['MARGINAL', 'UNLIFTED'] as const },
      },
    } as unknown as typeof DEFAULT_POLICY;
    expect(
      checkMeasureCaps(twoCategories, facts, [{ kind: 'MARGINAL_PROJECT', amountYuan: 1 }])[0]?.message,
    ).toMatch(/只适用于边缘户、未脱贫户，/);
    expect(violation && capViolationIssue(violation)).toEqual({
      path: 'measures.1.kind',
      message: violation?.message,
    });
  });

  it('more persons than the household has is refused at the persons field', () => {
    const [violation] = checkMeasureCaps(DEFAULT_POLICY, facts, [
      { kind: 'LABOUR_TRANSFER_TIANJIN', amountYuan: 100, persons: 2 },
      { kind: 'LABOUR_TRANSFER_TIANJIN', amountYuan: 100, persons: 2 },
    ]);
    expect(violation?.reason).toBe('PERSONS_EXCEED_MEMBERS');
    expect(violation?.message).toMatch(/受益人数合计 4 人，超过家庭人口 3 人$/);
    expect(violation && capViolationIssue(violation).path).toBe('measures.0.persons');
  });

  it('over a per-person cap: the hint to give the persons only when none was given', () => {
    const post = MEASURE_KIND_LABELS.PUBLIC_WELFARE_POST;
    const over = (persons?: number) =>
      checkMeasureCaps(DEFAULT_POLICY, facts, [
        { kind: 'PUBLIC_WELFARE_POST', amountYuan: 9000, ...(persons ? { persons } : {}) },
      ]).map((v) => v.message);
    expect(over()).toEqual([
      `${post}合计 9000 元，超过每人 8000 元 × 1 人 = 8000 元的上限（如惠及多人，请填写受益人数）`,
    ]);
    expect(over(1)).toEqual([`${post}合计 9000 元，超过每人 8000 元 × 1 人 = 8000 元的上限`]);
    expect(over(2)).toEqual([]);
    const mixed = checkMeasureCaps(DEFAULT_POLICY, facts, [
      { kind: 'PUBLIC_WELFARE_POST', amountYuan: 9000, persons: 1 },
      { kind: 'PUBLIC_WELFARE_POST', amountYuan: 7100 },
    ]).map((v) => v.message);
    expect(mixed).toEqual([expect.not.stringContaining('请填写受益人数')]);
    const [amount] = checkMeasureCaps(DEFAULT_POLICY, facts, [
      { kind: 'INDUSTRY_SUBSIDY', amountYuan: 30_001 },
    ]);
    expect(amount && capViolationIssue({ ...amount, measureIndexes: [] }).path).toBe('measures.0.amountYuan');
  });

  it('persons are checked against the household only for a per-person cap', () => {
    expect(
      checkMeasureCaps(DEFAULT_POLICY, facts, [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 100, persons: 5 }]),
    ).toEqual([]);
  });

  it('a per-household cap is reached at its amount exactly, passed above it', () => {
    const at = (amountYuan: number) =>
      checkMeasureCaps(DEFAULT_POLICY, facts, [{ kind: 'INDUSTRY_SUBSIDY', amountYuan }]).map(
        (v) => v.reason,
      );
    expect(at(30_000)).toEqual([]);
    expect(at(30_000.01)).toEqual(['PER_HOUSEHOLD']);
  });
});

describe('findings and the visit as the exit sees it (policy/findings.ts, visit-compliance.ts)', () => {
  it('a failed guarantee’s note is quoted trimmed; a cap passed gives its own due days', () => {
    const findings = evaluateVisit(
      DEFAULT_POLICY,
      facts,
      record({
        guarantees: { ...compliantRecord('c1', '').guarantees, water: { ok: false, note: '水管冻裂' } },
        measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 30_001 }],
      }),
    );
    expect(findings.map((f) => f.message)).toEqual([
      `${GUARANTEE_ITEM_LABELS.water}未达标：水管冻裂，请在 7 天内落实帮扶`,
      `${MEASURE_KIND_LABELS.INDUSTRY_SUBSIDY}合计 30001 元，超过每户 30000 元的上限，请在 7 天内核实纠正`,
    ]);
    const untrimmed = record({
      guarantees: { ...compliantRecord('c1', '').guarantees, water: { ok: false } },
    });
    untrimmed.guarantees.water.note = '  水管冻裂  ';
    expect(evaluateVisit(DEFAULT_POLICY, facts, untrimmed)[0]?.message).toBe(
      `${GUARANTEE_ITEM_LABELS.water}未达标：水管冻裂，请在 7 天内落实帮扶`,
    );
  });

  it('a visit with a failed guarantee is not a secured one for the exit', () => {
    const failed = record({
      guarantees: { ...compliantRecord('c1', '').guarantees, housing: { ok: false } },
    });
    expect(summariseVisitForExit(DEFAULT_POLICY, failed)).toMatchObject({
      guaranteesSecured: false,
      compliant: false,
    });
    expect(summariseVisitForExit(DEFAULT_POLICY, record())).toMatchObject({
      guaranteesSecured: true,
      compliant: true,
    });
  });
});

describe('the exit criteria’s details (policy/stable-exit.ts)', () => {
  const base = {
    admittedAt: '2024-01-01T00:00:00+08:00',
    now: '2025-03-01T00:00:00+08:00',
    openFollowUps: 0,
    hasLabour: true,
    labourClass: 'CLASS_2' as const,
  };
  const detail = (
    key: string,
    input: Partial<Parameters<typeof assessStableExit>[1]> = {},
    policy = DEFAULT_POLICY,
  ) => assessStableExit(policy, { ...base, visits: [], ...input }).criteria.find((c) => c.key === key);

  it('says when there is no visit yet, and what the last visit found', () => {
    expect(detail('GUARANTEES_SECURED')).toMatchObject({ met: false, detail: '还没有走访记录' });
    const visitedAt = '2025-02-10T09:00:00+08:00';
    const visit = { visitedAt, compliant: true, measuresCount: 1, guaranteesSecured: true };
    expect(detail('GUARANTEES_SECURED', { visits: [visit] })).toMatchObject({
      met: true,
      detail: `${visitedAt} 走访时各项保障均达标`,
    });
  });

  it('says so when the last visit found a guarantee not secured', () => {
    const visitedAt = '2025-02-10T09:00:00+08:00';
    const visit = { visitedAt, compliant: false, measuresCount: 1, guaranteesSecured: false };
    expect(detail('GUARANTEES_SECURED', { visits: [visit] })).toMatchObject({
      met: false,
      detail: `${visitedAt} 走访时有保障项目未达标`,
    });
  });

  it('counts a visit made at this very moment', () => {
    const visit = { visitedAt: base.now, compliant: true, measuresCount: 1, guaranteesSecured: true };
    expect(detail('GUARANTEES_SECURED', { visits: [visit] })?.met).toBe(true);
  });

  it('says how many follow-ups are still open', () => {
    expect(detail('NO_OPEN_FOLLOW_UPS')).toMatchObject({ met: true, detail: '没有未完成的整改任务' });
    expect(detail('NO_OPEN_FOLLOW_UPS', { openFollowUps: 2 })).toMatchObject({
      met: false,
      detail: '还有 2 项整改任务未完成',
    });
  });

  it('a household without labour may leave only where the policy allows it, and is told so', () => {
    const allowing = {
      ...DEFAULT_POLICY,
      stableExit: { ...DEFAULT_POLICY.stableExit, neverCloseWithoutLabour: false },
    };
    const criterion = detail('HAS_LABOUR', { hasLabour: false, labourClass: 'CLASS_4' }, allowing);
    expect(criterion?.met).toBe(true);
    expect(criterion?.detail).toMatch(/^四类（.+），家庭无劳动力，但现行策略允许无劳动力户退出$/);
  });
});

describe('closing deadlines only for the steps someone decides (policy/closing-procedure.ts)', () => {
  it('the 公示 ends by itself: it is never overdue', () => {
    expect(
      nextClosingOverdueAt(POLICY_2026_1, 'PUBLIC_NOTICE', '2026-03-01T00:00:00.000Z', 0),
    ).toBeUndefined();
  });
});
