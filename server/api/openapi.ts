import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ACCESS_RULE_LABELS } from '../../domain/access.js';
import type { ApiRoute } from './define-route.js';

const errorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .meta({ id: 'Error', description: '所有错误的统一格式' });

const errorResponses = {
  400: { description: '输入有误', content: { 'application/json': { schema: errorSchema } } },
  401: { description: '未登录', content: { 'application/json': { schema: errorSchema } } },
  403: { description: '无权限', content: { 'application/json': { schema: errorSchema } } },
  404: { description: '不存在', content: { 'application/json': { schema: errorSchema } } },
  409: { description: '冲突', content: { 'application/json': { schema: errorSchema } } },
  413: { description: '内容太大', content: { 'application/json': { schema: errorSchema } } },
  422: { description: '无法处理', content: { 'application/json': { schema: errorSchema } } },
};

const toOpenApiPath = (path: string) => `/api${path.replace(/:([A-Za-z]+)/g, '{$1}')}`;

/** The OpenAPI 3.1 document, generated from the very schemas the routes parse with. */
export function openApiDocument(routes: readonly ApiRoute[], publicUrl: string) {
  const registry = new OpenAPIRegistry();
  for (const route of routes) {
    const request: RouteConfig['request'] = {};
    if (route.params) request.params = route.params as z.ZodObject;
    if (route.query) request.query = route.query as z.ZodObject;
    if (route.upload) {
      request.body = {
        content: {
          'multipart/form-data': {
            schema: z.object({ [route.upload.field]: z.string().meta({ format: 'binary' }) }),
          },
        },
      };
    } else if (route.body) {
      request.body = { content: { 'application/json': { schema: route.body } } };
    }
    const content = route.produces
      ? { [route.produces]: { schema: z.string().meta({ format: 'binary' }) } }
      : { 'application/json': { schema: route.response ?? z.unknown() } };
    registry.registerPath({
      method: route.method,
      path: toOpenApiPath(route.path),
      summary: route.summary,
      tags: [route.tag],
      ...(route.access === 'public' ? {} : { description: `权限：${ACCESS_RULE_LABELS[route.access]}` }),
      request,
      responses: { 200: { description: '成功', content }, ...errorResponses },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'duzhan 督战 API',
      version: '1.0.0',
      description: '挂牌督战：帮扶干部、督战领导、管理员的接口',
    },
    servers: [{ url: publicUrl }],
  });
}
