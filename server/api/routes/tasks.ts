import { z } from 'zod';
import { completeTask } from '../../../domain/actions/index.js';
import { DomainError } from '../../../domain/errors.js';
import { visitRecordSchema } from '../../../policy/index.js';
import { defineRoute } from '../define-route.js';

/**
 * Header Idempotency-Key: the client's name for one completion (the visit form makes one per form,
 * the API client per submission); sent again, it gets the first answer. Optional.
 */
const idempotencyKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,100}$/, 'Idempotency-Key 须为 8 至 100 位字母、数字或 ._:- 符号')
  .optional();

export const taskWriteRoutes = [
  defineRoute({
    method: 'post',
    path: '/tasks/:id/complete',
    tag: '任务',
    summary:
      '办结任务并录入走访记录（由督战流程校验：金额超过上限等会被拒绝，且不写入任何数据）。' +
      '请求头 Idempotency-Key 相同的重复提交返回第一次的结果；任务已办结时返回 409',
    access: 'ownWork',
    params: z.object({ id: z.string().min(1).max(200) }),
    // The record's schema is the workflow's own (policy/visit-record.ts); the caps, which depend on the
    // household, are checked by the workflow's update validator.
    body: z.object({
      record: visitRecordSchema.optional(),
      note: z.string().max(2000, '备注最长 2000 字').optional(),
    }),
    handle: async ({ deps, user, params, body, req }) => {
      if (!user?.cadreId) throw new DomainError('FORBIDDEN', '账号未关联干部');
      const idempotencyKey = idempotencyKeySchema.parse(req.get('idempotency-key'));
      const result = await completeTask(deps, {
        ...(idempotencyKey ? { idempotencyKey } : {}),
        taskId: params.id,
        cadreId: user.cadreId,
        ...(body.record ? { record: body.record } : {}),
        ...(body.note ? { note: body.note } : {}),
      });
      return { json: result };
    },
  }),
];
