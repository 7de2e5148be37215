// What a household's register says about it (registration, import, the facts form), and what the
// workflow's rules take from it. Pure: shared by routes, domain code and the household workflow.
import { z } from 'zod';
import {
  type HouseholdCategory,
  type HouseholdFacts,
  type LabourClass,
  labourClassSchema,
} from './household-types.js';
import { lazySchema } from './lazy-schema.js';
import { multiLine, singleLine } from './plain-text.js';

export const LABOUR_ABILITIES = ['FULL', 'PARTIAL', 'NONE'] as const;
export type LabourAbility = (typeof LABOUR_ABILITIES)[number];
export const LABOUR_ABILITY_LABELS: Record<LabourAbility, string> = {
  FULL: '有劳动力',
  PARTIAL: '部分丧失劳动力',
  NONE: '无劳动力',
};

/** Most members a household may list (a bound for the workflow's state, far above any family). */
export const MAX_MEMBERS = 30;

export const householdMemberSchema = lazySchema(() =>
  z.object({
    name: singleLine('成员姓名', 40),
    relation: singleLine('与户主关系', 20),
    age: z
      .number({ error: '年龄必须是数字' })
      .int('年龄必须是整数')
      .min(0, '年龄不能为负')
      .max(130, '年龄不正确'),
    labourAbility: z.enum(LABOUR_ABILITIES, { error: '劳动能力必须是 有劳动力、部分丧失劳动力 或 无劳动力' }),
    inSchool: z.boolean({ error: '是否在校必须是 是 或 否' }).default(false),
    chronicIllness: z.boolean({ error: '是否患大病慢病必须是 是 或 否' }).default(false),
  }),
);
export type HouseholdMember = z.infer<typeof householdMemberSchema>;

/** The facts of a household a person may change after registration (the category has its own update). */
export const householdProfileSchema = lazySchema(() =>
  z.object({
    members: z
      .array(householdMemberSchema, { error: '家庭成员格式不正确' })
      .min(1, '至少填写一名家庭成员（户主）')
      .max(MAX_MEMBERS, `家庭成员最多 ${MAX_MEMBERS} 人`),
    labourClass: labourClassSchema,
    causes: z.array(singleLine('致贫原因', 20)).max(10, '致贫原因最多 10 项').default([]),
    needs: multiLine('帮扶需求', 500).default(''),
    plan: multiLine('一户一策', 2000).default(''),
    phone: z
      .string({ error: '联系电话必须是文字' })
      .trim()
      .regex(/^$|^[0-9+\- ]{5,20}$/, '联系电话只能包含数字、加号、横线和空格，5–20 位')
      .default(''),
  }),
);
export type HouseholdProfile = z.infer<typeof householdProfileSchema>;

/** What the rules need from the register: size and labour from the members, the class as set. */
export function factsOfProfile(
  category: HouseholdCategory,
  profile: Pick<HouseholdProfile, 'members' | 'labourClass'>,
): HouseholdFacts {
  return {
    category,
    labourClass: profile.labourClass as LabourClass,
    memberCount: Math.max(1, profile.members.length),
    hasLabour: profile.members.some((m) => m.labourAbility !== 'NONE'),
  };
}

/** 户编号: the township's number for a household, as the register and the ledger import take it. */
export const householdNumberSchema = lazySchema(() =>
  z
    .string({ error: '户编号必填' })
    .trim()
    .min(1, '户编号必填')
    .regex(/^[0-9A-Za-z-]{1,40}$/, '户编号只能包含数字、字母和连字符，最长 40 位'),
);
