// What a cadre records at a visit (入户走访记录). The shape alone is checked here; whether the
// amounts respect the policy's caps depends on the policy and the household, and is checked by
// validateVisitRecord (visit-record-validation.ts).
import { z } from 'zod';
import { GUARANTEE_ITEM_LABELS, type GuaranteeItem, measureKindSchema } from './household-types.js';
import { lazySchema } from './lazy-schema.js';
import { visitEvidenceSchema } from './visit-evidence.js';

export const MAX_NOTES_LENGTH = 2000;
const MAX_NOTE_LENGTH = 500;
const MAX_DESCRIPTION_LENGTH = 200;

/** Above any real amount, and within the ledger's Decimal(12,2): a slipped key is refused, not stored. */
export const MAX_YUAN = 99_999_999;

function yuanAtLeastZero(label: string) {
  return z
    .number({ error: `${label}必须是不小于 0 的数字（单位：元）` })
    .min(0, `${label}必须是不小于 0 的数字（单位：元）`)
    .max(MAX_YUAN, `${label}不能超过 ${MAX_YUAN.toLocaleString('en-US')} 元，请检查是否多输了数字`);
}

/** A NUL character cannot be stored in PostgreSQL text; refused at the edge with the others. */
const noNul = (text: string) => !text.includes('\u0000');
const NUL_MESSAGE = '文字中含有无法保存的控制字符';

function guaranteeCheckSchema(item: GuaranteeItem) {
  const label = GUARANTEE_ITEM_LABELS[item];
  return z.object(
    {
      ok: z.boolean({ error: `请选择“${label}”是否达标` }),
      note: z
        .string({ error: `“${label}”的说明必须是文字` })
        .max(MAX_NOTE_LENGTH, `“${label}”的说明不能超过 ${MAX_NOTE_LENGTH} 字`)
        .refine(noNul, NUL_MESSAGE)
        .optional(),
    },
    { error: `请填写“${label}”的核查结果` },
  );
}

export const guaranteeChecksSchema = lazySchema(() =>
  z.object(
    {
      food: guaranteeCheckSchema('food'),
      clothing: guaranteeCheckSchema('clothing'),
      education: guaranteeCheckSchema('education'),
      medical: guaranteeCheckSchema('medical'),
      housing: guaranteeCheckSchema('housing'),
      water: guaranteeCheckSchema('water'),
    },
    { error: '请填写两不愁三保障和饮水安全的核查结果' },
  ),
);
export type GuaranteeChecks = z.infer<typeof guaranteeChecksSchema>;

export const measureReceivedSchema = lazySchema(() =>
  z.object(
    {
      kind: measureKindSchema,
      amountYuan: yuanAtLeastZero('帮扶金额'),
      // How many people the measure benefits; per-person caps are multiplied by it (1 if absent).
      persons: z.int({ error: '受益人数必须是整数' }).min(1, '受益人数至少是 1 人').optional(),
    },
    { error: '每项帮扶措施都要填写类型和金额' },
  ),
);
export type MeasureReceived = z.infer<typeof measureReceivedSchema>;

export const largeCostSchema = lazySchema(() =>
  z.object(
    {
      description: z
        .string({ error: '请说明大额支出的事由' })
        .trim()
        .min(1, '请说明大额支出的事由')
        .max(MAX_DESCRIPTION_LENGTH, `大额支出事由不能超过 ${MAX_DESCRIPTION_LENGTH} 字`)
        .refine(noNul, NUL_MESSAGE),
      amountYuan: yuanAtLeastZero('大额支出金额'),
      resolved: z.boolean({ error: '请选择这笔大额支出是否已解决' }),
    },
    { error: '每笔大额支出都要填写事由、金额和是否已解决' },
  ),
);
export type LargeCost = z.infer<typeof largeCostSchema>;

export const visitRecordSchema = lazySchema(() =>
  z.object(
    {
      visitedAt: z.iso.datetime({
        offset: true,
        error: '走访时间格式不正确，应为带时区的时间，例如 2024-05-01T09:30:00+08:00',
      }),
      visitorCadreId: z
        .string({ error: '请填写走访干部' })
        .trim()
        .min(1, '请填写走访干部')
        .max(100, '走访干部编号过长')
        .refine(noNul, NUL_MESSAGE),
      perCapitaIncomeYuan: yuanAtLeastZero('人均纯收入'),
      guarantees: guaranteeChecksSchema,
      // Lists and notes may be left out of a form when empty.
      measures: z
        .array(measureReceivedSchema, { error: '帮扶措施必须是一个列表' })
        .max(50, '一次走访最多记录 50 项帮扶措施')
        .default([]),
      largeCosts: z
        .array(largeCostSchema, { error: '大额支出必须是一个列表' })
        .max(20, '一次走访最多记录 20 笔大额支出')
        .default([]),
      notes: z
        .string({ error: '走访情况说明必须是文字' })
        .max(MAX_NOTES_LENGTH, `走访情况说明不能超过 ${MAX_NOTES_LENGTH} 字`)
        .refine(noNul, NUL_MESSAGE)
        .default(''),
      // 入户照片 (by sha256, uploaded beforehand) and the location; optional (older forms, API clients).
      evidence: visitEvidenceSchema.optional(),
    },
    { error: '走访记录格式不正确' },
  ),
);
/** A checked record (lists and notes always present). */
export type VisitRecord = z.output<typeof visitRecordSchema>;
/** What a form or API may send (empty lists and notes may be omitted). */
export type VisitRecordInput = z.input<typeof visitRecordSchema>;
