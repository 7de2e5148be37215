import { z } from 'zod';
import { DomainError } from '../../../domain/errors.js';
import { readPhoto, storeTaskPhoto } from '../../../domain/evidence/photos.js';
import { HttpError } from '../../errors.js';
import { defineRoute } from '../define-route.js';

/** Far above any photo the policy allows: the policy's own cap is checked after the upload is read. */
const PHOTO_UPLOAD_MAX_BYTES = 5 * 1024 * 1024;

export const evidenceRoutes = [
  defineRoute({
    method: 'post',
    path: '/tasks/:id/photos',
    tag: '任务',
    summary:
      '上传一张入户照片（JPEG，张数、大小和尺寸以现行策略为准；服务器去除照片中的位置等元数据）。' +
      '返回照片的 sha256，走访记录的 evidence.photos 引用它；同一张照片再次上传得到同样的结果',
    access: 'ownWork',
    params: z.object({ id: z.string().min(1).max(200) }),
    upload: { field: 'photo', maxBytes: PHOTO_UPLOAD_MAX_BYTES },
    handle: async ({ deps, user, params, req }) => {
      if (!user?.cadreId) throw new DomainError('FORBIDDEN', '账号未关联干部');
      if (!req.file) throw new HttpError(400, 'invalid_input', '请选择要上传的照片');
      const photo = await storeTaskPhoto(deps.prisma, {
        taskId: params.id,
        cadreId: user.cadreId,
        bytes: req.file.buffer,
      });
      return { status: 201, json: photo };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/photos/:sha256',
    tag: '农户',
    summary: '一张入户照片（仅能查看该户的人可见；不缓存）',
    access: 'readHouseholds',
    params: z.object({ sha256: z.string().max(64) }),
    produces: 'image/jpeg',
    handle: async ({ deps, user, params, res }) => {
      if (!user) throw new DomainError('FORBIDDEN', '请先登录');
      const photo = await readPhoto(deps.prisma, user, params.sha256);
      // Evidence about a household: never kept by a browser or a proxy after the page is left.
      res.setHeader('cache-control', 'no-store, private');
      res.type(photo.contentType).send(photo.data);
      return undefined;
    },
  }),
];
