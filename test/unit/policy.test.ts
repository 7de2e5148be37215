import { describe, expect, it } from 'vitest';
import {
  assessStableExit,
  CLOSING_STEP_APPROVERS,
  checkMeasureCaps,
  closingStepDeadline,
  DEFAULT_POLICY,
  type ExitVisit,
  escalationSchedule,
  escalationStepsReached,
  evaluateVisit,
  FIRST_IDENTIFICATION_RULES,
  FIRST_VISIT_EVIDENCE_RULES,
  type HouseholdFacts,
  identificationRules,
  isCompliantVisit,
  latestPolicy,
  NATIONAL_CATEGORY_LABELS,
  nextClosingOverdueAt,
  POLICY_2024_2,
  POLICY_2026_1,
  POLICY_2026_2,
  POLICY_2026_3,
  type Policy,
  PolicyValidationError,
  parsePolicy,
  policyByVersion,
  policyRegistry,
  policySchema,
  type StableExitInput,
  summariseVisitForExit,
  UnknownPolicyVersionError,
  type VisitRecord,
  type VisitRecordInput,
  validatePolicy,
  validateVisitRecord,
  visitEvidenceRules,
  visitRecordSchema,
  wholeMonthsBetween,
} from '../../policy/index.js';

const CHINESE = /[\u4e00-\u9fff]/;

/** A mutable deep copy of the default policy, to derive variants from. */
function defaultPolicyCopy(): Policy {
  return structuredClone(DEFAULT_POLICY);
}

function messagesOf(input: unknown): string[] {
  const result = validatePolicy(input);
  if (result.ok) {
    throw new Error('expected the policy to be refused');
  }
  for (const issue of result.issues) {
    expect(issue.message).toMatch(CHINESE);
  }
  return result.issues.map((issue) => issue.message);
}

function withPolicy(change: (policy: Policy) => void): Policy {
  const policy = defaultPolicyCopy();
  change(policy);
  return policy;
}

const allGuaranteesOk = {
  food: { ok: true },
  clothing: { ok: true },
  education: { ok: true },
  medical: { ok: true },
  housing: { ok: true },
  water: { ok: true },
};

function visitRecord(overrides: Partial<VisitRecordInput> = {}): VisitRecord {
  return visitRecordSchema.parse({
    visitedAt: '2024-05-01T09:30:00+08:00',
    visitorCadreId: 'cadre-1',
    perCapitaIncomeYuan: 5200,
    guarantees: allGuaranteesOk,
    measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 10000 }],
    largeCosts: [],
    notes: '',
    ...overrides,
  });
}

const marginalHousehold: HouseholdFacts = {
  category: 'MARGINAL',
  memberCount: 4,
  labourClass: 'CLASS_1',
  hasLabour: true,
};
const monitoredHousehold: HouseholdFacts = { ...marginalHousehold, category: 'MONITORED' };

describe('DEFAULT_POLICY carries the numbers of DOMAIN.md and the seed', () => {
  it('is a valid, frozen policy of version 2024.1', () => {
    expect(DEFAULT_POLICY.version).toBe('2024.1');
    expect(parsePolicy(structuredClone(DEFAULT_POLICY))).toEqual(DEFAULT_POLICY);
    expect(Object.isFrozen(DEFAULT_POLICY)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.measureCaps.INDUSTRY_SUBSIDY)).toBe(true);
  });

  it('has the income line and the caps of the seed', () => {
    expect(DEFAULT_POLICY.incomeLineYuanPerPersonYear).toBe(4000);
    expect(DEFAULT_POLICY.measureCaps).toEqual({
      INDUSTRY_SUBSIDY: { perHouseholdYuan: 30000 },
      MARGINAL_PROJECT: { perPersonYuan: 5000, perHouseholdYuan: 20000, onlyCategories: ['MARGINAL'] },
      LABOUR_TRANSFER_TIANJIN: { perPersonYuan: 2024 },
      LABOUR_TRANSFER_OUT_OF_PROVINCE: { perPersonYuan: 1800 },
      LABOUR_TRANSFER_IN_PROVINCE: { perPersonYuan: 1500 },
      PUBLIC_WELFARE_POST: { perPersonYuan: 8000 },
    });
  });

  it('has the county rules for closing a case', () => {
    expect(DEFAULT_POLICY.stableExit).toEqual({
      minCompliantVisits: 6,
      minStableMonths: 6,
      minMonitoredMonths: 6,
      minMeasures: 1,
      neverCloseWithoutLabour: true,
    });
    expect(DEFAULT_POLICY.closingProcedureDays.PUBLIC_NOTICE).toBeGreaterThanOrEqual(5);
  });

  it('climbs assignee → 包村领导 → 分管负责人 → 乡长 → 党委书记', () => {
    expect(DEFAULT_POLICY.escalationLadder.map((rung) => rung.rank)).toEqual([
      'ASSIGNED',
      'VILLAGE_LEADER',
      'LEADER_IN_CHARGE',
      'TOWNSHIP_HEAD',
      'PARTY_SECRETARY',
    ]);
    expect(escalationSchedule(DEFAULT_POLICY).map((step) => step.hoursAfterDue)).toEqual([
      0, 48, 96, 168, 240,
    ]);
    expect(escalationStepsReached(DEFAULT_POLICY, 100).map((step) => step.rank)).toEqual([
      'ASSIGNED',
      'VILLAGE_LEADER',
      'LEADER_IN_CHARGE',
    ]);
    expect(escalationStepsReached(DEFAULT_POLICY, -1)).toEqual([]);
  });

  it('visits 未脱贫户 more often than the others', () => {
    expect(DEFAULT_POLICY.visitEveryDays).toEqual({ UNLIFTED: 14, MONITORED: 30, MARGINAL: 30 });
  });

  it('maps the seed categories onto the national ones', () => {
    expect(NATIONAL_CATEGORY_LABELS).toEqual({
      UNLIFTED: '脱贫不稳定户',
      MONITORED: '脱贫不稳定户',
      MARGINAL: '边缘易致贫户',
    });
  });

  it('is in the registry, and the latest', () => {
    expect(policyRegistry.get('2024.1')).toBe(DEFAULT_POLICY);
    expect(policyByVersion('2024.1')).toBe(DEFAULT_POLICY);
    expect(policyByVersion('2024.2')).toBe(POLICY_2024_2);
    expect(policyByVersion('2026.1')).toBe(POLICY_2026_1);
    expect(policyByVersion('2026.2')).toBe(POLICY_2026_2);
    expect(latestPolicy()).toBe(POLICY_2026_3); // new workflows start on the newest version
    expect(() => policyByVersion('1999.1')).toThrow(UnknownPolicyVersionError);
  });
});

describe('policySchema refuses nonsense, in Chinese', () => {
  it('refuses negative, fractional and zero durations', () => {
    expect(
      messagesOf(
        withPolicy((p) => {
          p.visitEveryDays.MARGINAL = -30;
        }),
      ),
    ).toContain('边缘户走访周期不能少于 1 天');
    expect(
      messagesOf(
        withPolicy((p) => {
          p.followUpDueDays.LARGE_COST = 1.5;
        }),
      ),
    ).toContain('大额支出整改期限必须是整数（单位：天）');
    expect(
      messagesOf(
        withPolicy((p) => {
          p.shock.extraVisitEveryDays = 0;
        }),
      ).length,
    ).toBeGreaterThan(0);
  });

  it('refuses an empty ladder', () => {
    expect(
      messagesOf(
        withPolicy((p) => {
          p.escalationLadder = [];
        }),
      ),
    ).toContain('督战升级阶梯不能为空');
  });

  it('refuses a ladder that does not start at the assignee', () => {
    expect(
      messagesOf(
        withPolicy((p) => {
          p.escalationLadder = [{ rank: 'VILLAGE_LEADER', graceHours: 0 }];
        }),
      ),
    ).toContain('督战升级阶梯的第一级必须是任务承办人（ASSIGNED）');
  });

  it('refuses a ladder that goes down or repeats the assignee', () => {
    const downwards = messagesOf(
      withPolicy((p) => {
        p.escalationLadder = [
          { rank: 'ASSIGNED', graceHours: 0 },
          { rank: 'TOWNSHIP_HEAD', graceHours: 48 },
          { rank: 'VILLAGE_LEADER', graceHours: 48 },
        ];
      }),
    );
    expect(downwards.join()).toContain('升级阶梯必须逐级向上');
    const assigneeTwice = messagesOf(
      withPolicy((p) => {
        p.escalationLadder = [
          { rank: 'ASSIGNED', graceHours: 0 },
          { rank: 'ASSIGNED', graceHours: 48 },
        ];
      }),
    );
    expect(assigneeTwice).toContain('任务承办人（ASSIGNED）只能是升级阶梯的第一级');
  });

  it('refuses a negative grace period', () => {
    expect(
      messagesOf(
        withPolicy((p) => {
          p.escalationLadder = [
            { rank: 'ASSIGNED', graceHours: 0 },
            { rank: 'VILLAGE_LEADER', graceHours: -1 },
          ];
        }),
      ),
    ).toContain('宽限时间不能少于 0 小时');
  });

  it('refuses a public notice shorter than five days', () => {
    expect(
      messagesOf(
        withPolicy((p) => {
          p.closingProcedureDays.PUBLIC_NOTICE = 4;
        }),
      ),
    ).toContain('公示期不能少于 5 天');
  });

  it('refuses misspelt fields and unknown measures', () => {
    const misspelt = { ...defaultPolicyCopy(), visitEveryDay: 30 };
    expect(messagesOf(misspelt).join()).toContain('无法识别的字段：visitEveryDay');
    const unknownMeasure = withPolicy((p) => {
      Object.assign(p.measureCaps, { HOUSE_PURCHASE: { perHouseholdYuan: 1 } });
    });
    expect(messagesOf(unknownMeasure).join()).toContain('HOUSE_PURCHASE');
  });

  it('refuses an empty cap, a non-positive cap and a per-person cap above the household cap', () => {
    expect(
      messagesOf(
        withPolicy((p) => {
          p.measureCaps.DIBAO = {};
        }),
      ),
    ).toContain('资金上限至少要规定每户上限、每人上限或适用户类别之一');
    expect(
      messagesOf(
        withPolicy((p) => {
          p.measureCaps.INDUSTRY_SUBSIDY = { perHouseholdYuan: 0 };
        }),
      ),
    ).toContain('每户上限必须大于 0 元');
    expect(
      messagesOf(
        withPolicy((p) => {
          p.measureCaps.MARGINAL_PROJECT = { perPersonYuan: 30000, perHouseholdYuan: 20000 };
        }),
      ),
    ).toContain('每人上限不能高于每户上限');
  });

  it('refuses deadlines that contradict each other', () => {
    const taskLongerThanCadence = messagesOf(
      withPolicy((p) => {
        p.visitTaskDueDays = 20;
      }),
    );
    expect(taskLongerThanCadence.join()).toContain(
      '走访任务办理期限（20 天）不能长于最短的走访周期（14 天）',
    );
    const reminderAfterDue = messagesOf(
      withPolicy((p) => {
        p.reminderLeadHours = 7 * 24;
      }),
    );
    expect(reminderAfterDue.join()).toContain('到期提醒提前量');
    const shockTooShort = messagesOf(
      withPolicy((p) => {
        p.shock = { extraVisitEveryDays: 14, durationDays: 7 };
      }),
    );
    expect(shockTooShort.join()).toContain('突发风险加密走访持续时间不能短于加密走访周期');
  });

  it('refuses a bad version and a missing section', () => {
    expect(messagesOf({ ...defaultPolicyCopy(), version: 'latest' })).toContain(
      '策略版本号格式应为“年份.序号”，例如 2024.1',
    );
    const { shock: _shock, ...withoutShock } = defaultPolicyCopy();
    expect(messagesOf(withoutShock)).toContain('突发风险必须是一个对象');
  });

  it('parsePolicy throws every problem at once', () => {
    const bad = withPolicy((p) => {
      p.incomeLineYuanPerPersonYear = -1;
      p.escalationLadder = [];
    });
    expect(() => parsePolicy(bad)).toThrow(PolicyValidationError);
    expect(() => parsePolicy(bad)).toThrow(/收入线必须大于 0 元/);
    expect(() => parsePolicy(bad)).toThrow(/督战升级阶梯不能为空/);
    expect(policySchema.safeParse(bad).success).toBe(false);
  });
});

describe('visitRecordSchema', () => {
  it('accepts a complete record and fills empty lists', () => {
    const record = visitRecordSchema.parse({
      visitedAt: '2024-05-01T01:30:00Z',
      visitorCadreId: 'cadre-1',
      perCapitaIncomeYuan: 0,
      guarantees: allGuaranteesOk,
    });
    expect(record.measures).toEqual([]);
    expect(record.largeCosts).toEqual([]);
    expect(record.notes).toBe('');
  });

  it('explains each mistake in Chinese', () => {
    const result = visitRecordSchema.safeParse({
      visitedAt: '2024-05-01',
      visitorCadreId: ' ',
      perCapitaIncomeYuan: -1,
      guarantees: { ...allGuaranteesOk, water: undefined },
      measures: [{ kind: 'LOTTERY', amountYuan: -5, persons: 0 }],
      largeCosts: [{ description: '', amountYuan: 20000 }],
      notes: '字'.repeat(2001),
    });
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((issue) => issue.message) ?? [];
    expect(messages).toEqual(
      expect.arrayContaining([
        '走访时间格式不正确，应为带时区的时间，例如 2024-05-01T09:30:00+08:00',
        '请填写走访干部',
        '人均纯收入必须是不小于 0 的数字（单位：元）',
        '请填写“饮水安全有保障”的核查结果',
        '帮扶措施类型不在措施菜单中',
        '帮扶金额必须是不小于 0 的数字（单位：元）',
        '受益人数至少是 1 人',
        '请说明大额支出的事由',
        '请选择这笔大额支出是否已解决',
        '走访情况说明不能超过 2000 字',
      ]),
    );
    for (const message of messages) {
      expect(message).toMatch(CHINESE);
    }
  });
});

describe('evaluateVisit', () => {
  it('finds nothing in a visit that meets every standard', () => {
    expect(evaluateVisit(DEFAULT_POLICY, marginalHousehold, visitRecord())).toEqual([]);
  });

  it('opens one GUARANTEE_FAILED per failed item, with the note', () => {
    const findings = evaluateVisit(
      DEFAULT_POLICY,
      marginalHousehold,
      visitRecord({
        guarantees: {
          ...allGuaranteesOk,
          water: { ok: false, note: '水窖渗漏' },
          housing: { ok: false },
        },
      }),
    );
    expect(findings).toEqual([
      {
        kind: 'GUARANTEE_FAILED',
        item: 'housing',
        message: '住房安全有保障未达标，请在 7 天内落实帮扶',
        dueDays: 7,
      },
      {
        kind: 'GUARANTEE_FAILED',
        item: 'water',
        message: '饮水安全有保障未达标：水窖渗漏，请在 7 天内落实帮扶',
        dueDays: 7,
      },
    ]);
  });

  it('opens INCOME_BELOW_LINE below the line, not at it', () => {
    const below = evaluateVisit(
      DEFAULT_POLICY,
      marginalHousehold,
      visitRecord({ perCapitaIncomeYuan: 3999.5 }),
    );
    expect(below).toHaveLength(1);
    expect(below[0]).toMatchObject({ kind: 'INCOME_BELOW_LINE', item: 'income', dueDays: 30 });
    expect(below[0]?.message).toContain('低于每人每年 4000 元的收入线');
    expect(
      evaluateVisit(DEFAULT_POLICY, marginalHousehold, visitRecord({ perCapitaIncomeYuan: 4000 })),
    ).toEqual([]);
  });

  it('judges income against the policy in force', () => {
    const higherLine = withPolicy((p) => {
      p.incomeLineYuanPerPersonYear = 6900;
    });
    const findings = evaluateVisit(higherLine, marginalHousehold, visitRecord({ perCapitaIncomeYuan: 5200 }));
    expect(findings.map((f) => f.kind)).toEqual(['INCOME_BELOW_LINE']);
  });

  it('opens CAP_EXCEEDED for a record that bypassed validation', () => {
    const findings = evaluateVisit(
      DEFAULT_POLICY,
      marginalHousehold,
      visitRecord({ measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 35000 }] }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'CAP_EXCEEDED', item: 'INDUSTRY_SUBSIDY', dueDays: 7 });
  });

  it('opens LARGE_COST for an unresolved cost at or above the threshold only', () => {
    const findings = evaluateVisit(
      DEFAULT_POLICY,
      marginalHousehold,
      visitRecord({
        largeCosts: [
          { description: '住院手术', amountYuan: 10000, resolved: false },
          { description: '买化肥', amountYuan: 9999, resolved: false },
          { description: '学费', amountYuan: 15000, resolved: true },
        ],
      }),
    );
    expect(findings).toEqual([
      {
        kind: 'LARGE_COST',
        item: '住院手术',
        message: '大额刚性支出未解决：住院手术（10000 元），请在 15 天内落实救助或帮扶',
        dueDays: 15,
      },
    ]);
  });

  it('takes due days from the policy', () => {
    const urgent = withPolicy((p) => {
      p.followUpDueDays.GUARANTEE_FAILED = 3;
    });
    const findings = evaluateVisit(
      urgent,
      marginalHousehold,
      visitRecord({ guarantees: { ...allGuaranteesOk, food: { ok: false } } }),
    );
    expect(findings.map((f) => f.dueDays)).toEqual([3]);
  });
});

describe('checkMeasureCaps', () => {
  const caps = (household: HouseholdFacts, measures: Parameters<typeof checkMeasureCaps>[2]) =>
    checkMeasureCaps(DEFAULT_POLICY, household, measures);

  it('industry subsidy: 30000 per household is allowed, 30001 is refused', () => {
    expect(caps(monitoredHousehold, [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 30000 }])).toEqual([]);
    const refused = caps(monitoredHousehold, [{ kind: 'INDUSTRY_SUBSIDY', amountYuan: 30001 }]);
    expect(refused).toEqual([
      {
        kind: 'INDUSTRY_SUBSIDY',
        reason: 'PER_HOUSEHOLD',
        amountYuan: 30001,
        capYuan: 30000,
        measureIndexes: [0],
        message: '到户产业奖补合计 30001 元，超过每户 30000 元的上限',
      },
    ]);
  });

  it('adds up several entries of the same kind', () => {
    const refused = caps(monitoredHousehold, [
      { kind: 'INDUSTRY_SUBSIDY', amountYuan: 15000 },
      { kind: 'DIBAO', amountYuan: 3000 },
      { kind: 'INDUSTRY_SUBSIDY', amountYuan: 15001 },
    ]);
    expect(refused.map((v) => [v.reason, v.amountYuan, v.measureIndexes])).toEqual([
      ['PER_HOUSEHOLD', 30001, [0, 2]],
    ]);
    expect(caps(monitoredHousehold, [{ kind: 'DIBAO', amountYuan: 100000 }])).toEqual([]);
  });

  it('marginal project: 5000 per person', () => {
    expect(caps(marginalHousehold, [{ kind: 'MARGINAL_PROJECT', amountYuan: 15000, persons: 3 }])).toEqual(
      [],
    );
    const refused = caps(marginalHousehold, [{ kind: 'MARGINAL_PROJECT', amountYuan: 15001, persons: 3 }]);
    expect(refused.map((v) => [v.reason, v.capYuan])).toEqual([['PER_PERSON', 15000]]);
    expect(refused[0]?.message).toContain('超过每人 5000 元 × 3 人 = 15000 元的上限');
  });

  it('marginal project: at most 20000 per household however many people', () => {
    const fivePeople: HouseholdFacts = { ...marginalHousehold, memberCount: 5 };
    expect(caps(fivePeople, [{ kind: 'MARGINAL_PROJECT', amountYuan: 20000, persons: 5 }])).toEqual([]);
    const refused = caps(fivePeople, [{ kind: 'MARGINAL_PROJECT', amountYuan: 20001, persons: 5 }]);
    expect(refused.map((v) => [v.reason, v.capYuan])).toEqual([['PER_HOUSEHOLD', 20000]]);
  });

  it('marginal project: refused to a household that is not marginal', () => {
    const refused = caps(monitoredHousehold, [{ kind: 'MARGINAL_PROJECT', amountYuan: 5000, persons: 1 }]);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.reason).toBe('CATEGORY_NOT_ELIGIBLE');
    expect(refused[0]?.message).toBe('边缘户“一户一策”扶持项目只适用于边缘户，该户是脱贫监测户，不能享受');
  });

  it('per-person caps count one person unless told more, and never more than the household', () => {
    expect(caps(monitoredHousehold, [{ kind: 'LABOUR_TRANSFER_TIANJIN', amountYuan: 2024 }])).toEqual([]);
    const unnamed = caps(monitoredHousehold, [{ kind: 'LABOUR_TRANSFER_TIANJIN', amountYuan: 4048 }]);
    expect(unnamed.map((v) => v.reason)).toEqual(['PER_PERSON']);
    expect(unnamed[0]?.message).toContain('请填写受益人数');
    expect(
      caps(monitoredHousehold, [{ kind: 'LABOUR_TRANSFER_TIANJIN', amountYuan: 4048, persons: 2 }]),
    ).toEqual([]);
    const tooMany = caps(monitoredHousehold, [
      { kind: 'PUBLIC_WELFARE_POST', amountYuan: 40000, persons: 5 },
    ]);
    expect(tooMany.map((v) => [v.reason, v.capYuan])).toEqual([
      ['PERSONS_EXCEED_MEMBERS', null],
      ['PER_PERSON', 32000],
    ]);
  });

  it('has the seed amounts for every labour-transfer subsidy and public post', () => {
    const atCap = [
      { kind: 'LABOUR_TRANSFER_OUT_OF_PROVINCE', amountYuan: 1800 },
      { kind: 'LABOUR_TRANSFER_IN_PROVINCE', amountYuan: 1500 },
      { kind: 'PUBLIC_WELFARE_POST', amountYuan: 8000 },
    ] as const;
    expect(caps(monitoredHousehold, atCap)).toEqual([]);
    const overCap = atCap.map((m) => ({ ...m, amountYuan: m.amountYuan + 1 }));
    expect(caps(monitoredHousehold, overCap).map((v) => v.kind)).toEqual([
      'LABOUR_TRANSFER_OUT_OF_PROVINCE',
      'LABOUR_TRANSFER_IN_PROVINCE',
      'PUBLIC_WELFARE_POST',
    ]);
  });

  it('adds fractions of a yuan exactly', () => {
    const policy = withPolicy((p) => {
      p.measureCaps.OTHER = { perHouseholdYuan: 0.3 };
    });
    const measures = [
      { kind: 'OTHER', amountYuan: 0.1 },
      { kind: 'OTHER', amountYuan: 0.2 },
    ] as const;
    expect(checkMeasureCaps(policy, monitoredHousehold, measures)).toEqual([]);
  });
});

describe('validateVisitRecord', () => {
  const input = (amountYuan: number) => ({
    visitedAt: '2024-05-01T09:30:00+08:00',
    visitorCadreId: 'cadre-1',
    perCapitaIncomeYuan: 5000,
    guarantees: allGuaranteesOk,
    measures: [{ kind: 'INDUSTRY_SUBSIDY', amountYuan }],
  });

  it('accepts an amount at the cap', () => {
    const result = validateVisitRecord(DEFAULT_POLICY, monitoredHousehold, input(30000));
    expect(result.ok).toBe(true);
  });

  it('refuses an amount over the cap, pointing at the field', () => {
    const result = validateVisitRecord(DEFAULT_POLICY, monitoredHousehold, input(30001));
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          path: 'measures.0.amountYuan',
          message: '到户产业奖补合计 30001 元，超过每户 30000 元的上限',
        },
      ],
    });
  });

  it('reports shape problems with paths', () => {
    const result = validateVisitRecord(DEFAULT_POLICY, monitoredHousehold, {
      ...input(1),
      perCapitaIncomeYuan: 'a lot',
    });
    expect(result).toEqual({
      ok: false,
      issues: [{ path: 'perCapitaIncomeYuan', message: '人均纯收入必须是不小于 0 的数字（单位：元）' }],
    });
  });
});

describe('visit compliance', () => {
  it('needs all guarantees, income at the line and no unresolved large cost', () => {
    expect(isCompliantVisit(DEFAULT_POLICY, visitRecord())).toBe(true);
    expect(isCompliantVisit(DEFAULT_POLICY, visitRecord({ perCapitaIncomeYuan: 3999 }))).toBe(false);
    expect(
      isCompliantVisit(
        DEFAULT_POLICY,
        visitRecord({ guarantees: { ...allGuaranteesOk, medical: { ok: false } } }),
      ),
    ).toBe(false);
    expect(
      isCompliantVisit(
        DEFAULT_POLICY,
        visitRecord({ largeCosts: [{ description: '大病', amountYuan: 50000, resolved: false }] }),
      ),
    ).toBe(false);
  });

  it('summarises a visit for the stable-exit assessment', () => {
    expect(summariseVisitForExit(DEFAULT_POLICY, visitRecord({ perCapitaIncomeYuan: 100 }))).toEqual({
      visitedAt: '2024-05-01T09:30:00+08:00',
      compliant: false,
      measuresCount: 1,
      guaranteesSecured: true,
    });
  });
});

describe('wholeMonthsBetween', () => {
  it('counts calendar months in China Standard Time', () => {
    expect(wholeMonthsBetween('2024-01-01T00:00:00+08:00', '2024-07-01T00:00:00+08:00')).toBe(6);
    expect(wholeMonthsBetween('2024-01-01T00:00:00+08:00', '2024-06-30T23:59:59+08:00')).toBe(5);
    expect(wholeMonthsBetween('2024-01-31T10:00:00+08:00', '2024-02-29T10:00:00+08:00')).toBe(1);
    expect(wholeMonthsBetween('2024-01-31T10:00:00+08:00', '2024-02-28T10:00:00+08:00')).toBe(0);
    // 1 February 00:00 in Beijing is still 31 January in UTC.
    expect(wholeMonthsBetween('2024-01-31T16:00:00Z', '2024-03-01T00:00:00+08:00')).toBe(1);
    expect(wholeMonthsBetween('2024-07-01T00:00:00Z', '2024-01-01T00:00:00Z')).toBe(0);
  });
});

describe('assessStableExit', () => {
  const admittedAt = '2024-01-01T00:00:00+08:00';

  /** Compliant visits on the 1st of each month from `firstMonth` to `lastMonth` of 2024. */
  function monthlyVisits(firstMonth: number, lastMonth: number): ExitVisit[] {
    const visits: ExitVisit[] = [];
    for (let month = firstMonth; month <= lastMonth; month += 1) {
      visits.push({
        visitedAt: `2024-${String(month).padStart(2, '0')}-01T10:00:00+08:00`,
        compliant: true,
        measuresCount: 1,
      });
    }
    return visits;
  }

  function input(overrides: Partial<StableExitInput> = {}): StableExitInput {
    return {
      admittedAt,
      now: '2024-08-02T00:00:00+08:00',
      visits: monthlyVisits(2, 8), // 7 visits, 1 Feb → 1 Aug: six months
      openFollowUps: 0,
      hasLabour: true,
      labourClass: 'CLASS_2',
      ...overrides,
    };
  }

  function unmet(policy: Policy, stableExitInput: StableExitInput): string[] {
    return assessStableExit(policy, stableExitInput)
      .criteria.filter((c) => !c.met)
      .map((c) => c.key);
  }

  it('is met after the stable period', () => {
    const assessment = assessStableExit(DEFAULT_POLICY, input());
    expect(assessment.eligible).toBe(true);
    expect(assessment.criteria.map((c) => c.key)).toEqual([
      'STABLE_COMPLIANT_VISITS',
      'MONITORED_LONG_ENOUGH',
      'MEASURES_RECEIVED',
      'GUARANTEES_SECURED',
      'NO_OPEN_FOLLOW_UPS',
      'HAS_LABOUR',
    ]);
    for (const criterion of assessment.criteria) {
      expect(criterion.label).toMatch(CHINESE);
      expect(criterion.detail).toMatch(CHINESE);
    }
  });

  it('is not met one visit short of the stable period', () => {
    const oneShort = input({ visits: monthlyVisits(3, 8) }); // 1 Mar → 1 Aug: five months
    expect(assessStableExit(DEFAULT_POLICY, oneShort).eligible).toBe(false);
    expect(unmet(DEFAULT_POLICY, oneShort)).toEqual(['STABLE_COMPLIANT_VISITS']);
  });

  it('is not met one visit short of the number of consecutive visits', () => {
    const noMinimumSpan = withPolicy((p) => {
      p.stableExit.minStableMonths = 0;
    });
    expect(unmet(noMinimumSpan, input({ visits: monthlyVisits(3, 8) }))).toEqual([]);
    expect(unmet(noMinimumSpan, input({ visits: monthlyVisits(4, 8) }))).toEqual(['STABLE_COMPLIANT_VISITS']);
  });

  it('restarts the stable period after a visit that was not compliant', () => {
    const visits = monthlyVisits(2, 8).map((visit, index) =>
      index === 1 ? { ...visit, compliant: false } : visit,
    );
    const assessment = assessStableExit(DEFAULT_POLICY, input({ visits: [...visits].reverse() }));
    expect(assessment.eligible).toBe(false);
    expect(assessment.criteria[0]?.detail).toBe(
      '最近连续达标走访 5 次（要求至少 6 次），持续 4 个月（要求至少 6 个月）',
    );
  });

  it('is not met with an open follow-up', () => {
    const withFollowUp = input({ openFollowUps: 1 });
    expect(assessStableExit(DEFAULT_POLICY, withFollowUp).eligible).toBe(false);
    expect(unmet(DEFAULT_POLICY, withFollowUp)).toEqual(['NO_OPEN_FOLLOW_UPS']);
  });

  it('is never met for a 兜底 household without labour', () => {
    const withoutLabour = input({
      hasLabour: false,
      labourClass: 'CLASS_4',
      now: '2030-01-01T00:00:00+08:00',
    });
    const assessment = assessStableExit(DEFAULT_POLICY, withoutLabour);
    expect(assessment.eligible).toBe(false);
    expect(unmet(DEFAULT_POLICY, withoutLabour)).toEqual(['HAS_LABOUR']);
    expect(assessment.criteria.at(-1)?.detail).toContain('继续兜底保障');
    const lenient = withPolicy((p) => {
      p.stableExit.neverCloseWithoutLabour = false;
    });
    expect(assessStableExit(lenient, withoutLabour).eligible).toBe(true);
  });

  it('needs the minimum monitoring time since admission', () => {
    const lateAdmission = input({ admittedAt: '2024-03-01T00:00:00+08:00' });
    expect(unmet(DEFAULT_POLICY, lateAdmission)).toEqual(['MONITORED_LONG_ENOUGH']);
  });

  it('needs at least one measure', () => {
    const noMeasures = input({
      visits: monthlyVisits(2, 8).map((visit) => ({ ...visit, measuresCount: 0 })),
    });
    expect(unmet(DEFAULT_POLICY, noMeasures)).toEqual(['MEASURES_RECEIVED']);
  });

  it('needs the guarantees secured at the last visit, and visits at all', () => {
    const visits = monthlyVisits(2, 8);
    const lastInsecure = visits.map((visit, index) =>
      index === visits.length - 1 ? { ...visit, guaranteesSecured: false } : visit,
    );
    expect(unmet(DEFAULT_POLICY, input({ visits: lastInsecure }))).toContain('GUARANTEES_SECURED');
    expect(unmet(DEFAULT_POLICY, input({ visits: [] }))).toEqual([
      'STABLE_COMPLIANT_VISITS',
      'MEASURES_RECEIVED',
      'GUARANTEES_SECURED',
    ]);
  });

  it('ignores visits after now', () => {
    const early = input({ now: '2024-07-15T00:00:00+08:00' });
    expect(unmet(DEFAULT_POLICY, early)).toEqual(['STABLE_COMPLIANT_VISITS']);
  });
});

describe('the closing procedure’s deadlines (2026.1)', () => {
  const started = '2026-03-01T00:00:00.000Z';

  it('older versions have none; 2026.1 adds them without changing anything else', () => {
    expect(DEFAULT_POLICY.closingOverdue).toBeUndefined();
    expect(POLICY_2024_2.closingOverdue).toBeUndefined();
    expect(closingStepDeadline(POLICY_2024_2, 'VILLAGE_REVIEW', started)).toBeUndefined();
    expect(nextClosingOverdueAt(POLICY_2024_2, 'VILLAGE_REVIEW', started, 0)).toBeUndefined();
    const { version: _v, closingOverdue: _c, ...rest } = POLICY_2026_1;
    const { version: _w, ...before } = POLICY_2024_2;
    expect(rest).toEqual(before);
  });

  it('a step is due after its days, then chased one rung up per grace period until every rung is told', () => {
    const grace = POLICY_2026_1.closingOverdue?.graceHours ?? 0;
    const deadline = closingStepDeadline(POLICY_2026_1, 'TOWNSHIP_REVIEW', started);
    expect(deadline).toBe('2026-03-08T00:00:00.000Z');
    expect(nextClosingOverdueAt(POLICY_2026_1, 'TOWNSHIP_REVIEW', started, 0)).toBe(deadline);
    expect(nextClosingOverdueAt(POLICY_2026_1, 'TOWNSHIP_REVIEW', started, 1)).toBe(
      new Date(Date.parse(deadline ?? '') + grace * 3_600_000).toISOString(),
    );
    const rungs = CLOSING_STEP_APPROVERS.TOWNSHIP_REVIEW.length;
    expect(nextClosingOverdueAt(POLICY_2026_1, 'TOWNSHIP_REVIEW', started, rungs)).toBeUndefined();
    // The public notice ends on its own timer: no deadline to chase.
    expect(closingStepDeadline(POLICY_2026_1, 'PUBLIC_NOTICE', started)).toBeUndefined();
  });

  it('the 乡镇审核 goes to the village’s 分管负责人, then the 乡长 and 党委书记; the county step to county approvers', () => {
    expect(CLOSING_STEP_APPROVERS.TOWNSHIP_REVIEW).toEqual([
      'LEADER_IN_CHARGE',
      'TOWNSHIP_HEAD',
      'PARTY_SECRETARY',
    ]);
    expect(CLOSING_STEP_APPROVERS.VILLAGE_REVIEW[0]).toBe('VILLAGE_LEADER');
    expect(CLOSING_STEP_APPROVERS.COUNTY_APPROVAL[0]).toBe('COUNTY_APPROVER');
  });

  it('refuses a grace period of zero, in Chinese', () => {
    expect(messagesOf({ ...POLICY_2026_1, closingOverdue: { graceHours: 0 } })).toContain(
      '逾期督办间隔不能少于 1 小时',
    );
  });
});

describe('the rules a policy from before a section inherits', () => {
  // Workflows read them from the rules module, not from the built-in versions they were introduced
  // in: the two must stay the same, or an old household would follow other rules than the version's.
  it('are exactly the sections the versions that introduced them hold', () => {
    expect(POLICY_2026_2.visitEvidence).toEqual(FIRST_VISIT_EVIDENCE_RULES);
    expect(POLICY_2026_3.identification).toEqual(FIRST_IDENTIFICATION_RULES);
    expect(visitEvidenceRules(POLICY_2024_2)).toEqual(FIRST_VISIT_EVIDENCE_RULES);
    expect(identificationRules(POLICY_2026_2)).toEqual(FIRST_IDENTIFICATION_RULES);
  });
});
