import { z } from 'zod';
import { completeTask } from '../../../domain/actions/index.js';
import { DomainError } from '../../../domain/errors.js';
import { visitRecordSchema } from '../../../policy/index.js';
import { defineRoute } from '../define-route.js';

export const taskWriteRoutes = [
  defineRoute({
    method: 'post',
    path: '/tasks/:id/complete',
    tag: '任务',
    summary: '办结任务并录入走访记录（由督战流程校验：金额超过上限等会被拒绝，且不写入任何数据）',
    access: 'ownWork',
    params: z.object({ id: z.string().min(1).max(200) }),
    // The record's schema is the workflow's own (policy/visit-record.ts); the caps, which depend on the
    // household, are checked by the workflow's update validator.
    body: z.object({
      record: visitRecordSchema.optional(),
      note: z.string().max(2000, '备注最长 2000 字').optional(),
    }),
    handle: async ({ deps, user, params, body }) => {
      if (!user?.cadreId) throw new DomainError('FORBIDDEN', '账号未关联干部');
      const result = await completeTask(deps, {
        taskId: params.id,
        cadreId: user.cadreId,
        ...(body.record ? { record: body.record } : {}),
        ...(body.note ? { note: body.note } : {}),
      });
      return { json: result };
    },
  }),
];
