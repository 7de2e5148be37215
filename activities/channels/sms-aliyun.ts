// SMS through Alibaba Cloud's official SDK (@alicloud/dysmsapi20170525, SendSms): the approved
// signature and template code, the template's one parameter `title` (短信模板 e.g.
// `您有一条督战通知：${title}，请登录督战系统办理。`). The SDK takes an endpoint, so the tests point it
// at a local server speaking the same API; nothing else differs.
import { createRequire } from 'node:module';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { RuntimeOptions } from '@darabonba/typescript';
import type { AliyunSmsSettings } from '../../config/channels.js';
import { type ChannelAdapter, ChannelError, pastDeadline } from './types.js';

// The package is CommonJS (`exports.default = Client`, its models beside it), and Node's ESM and
// the tests' bundler disagree on what a default import of it is: required, it is the same everywhere.
type DysmsapiModule = typeof import('@alicloud/dysmsapi20170525');
const sdk = createRequire(import.meta.url)('@alicloud/dysmsapi20170525') as DysmsapiModule;
const SmsClient = sdk.default;

/**
 * Answers worth retrying: the provider's flow control (this number or the account sent too much:
 * the limits reset), its own errors, throttling, and the account's state (balance, key) that an
 * administrator fixes. Everything else (a bad number, a template or signature refused, a missing
 * parameter, content refused) would be refused again.
 */
const RETRYABLE_CODES = new Set([
  'isv.BUSINESS_LIMIT_CONTROL',
  'isv.DAY_LIMIT_CONTROL',
  'isv.MONTH_LIMIT_CONTROL',
  'isp.SYSTEM_ERROR',
  'isp.RAM_PERMISSION_DENY',
  'isv.OUT_OF_SERVICE',
  'isv.AMOUNT_NOT_ENOUGH',
  'isv.ACCOUNT_ABNORMAL',
  'Throttling.User',
  'Throttling',
  'ServiceUnavailable',
  'InvalidAccessKeyId.NotFound',
  'SignatureDoesNotMatch',
]);

export function smsCodeIsPermanent(code: string): boolean {
  return !RETRYABLE_CODES.has(code) && !code.startsWith('isp.') && !code.startsWith('Throttling');
}

/** The SDK's error as a ChannelError: permanent only for a 4xx whose code would be refused again. */
function sdkFailure(error: unknown, what: string): ChannelError {
  // Unreachable, 5xx, or an error answer the SDK raises (HTTP 4xx with a Code).
  const e = error as { code?: string; message?: string; statusCode?: number };
  const code = e.code ?? '';
  const permanent =
    typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 && smsCodeIsPermanent(code);
  return new ChannelError(
    `${what}：${code || '不可达'} ${(e.message ?? '').split('\n')[0]}`.trim(),
    permanent,
  );
}

/** The days (yyyyMMdd, China Standard Time, as SendDate takes them) from `since` to today, at most 30. */
export function sendDates(since: Date, now: Date): string[] {
  const day = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
  const dates: string[] = [];
  for (let t = Math.max(since.getTime(), now.getTime() - 29 * 86_400_000); ; t += 86_400_000) {
    const date = day(Math.min(t, now.getTime()));
    if (dates.at(-1) !== date) dates.push(date);
    if (t >= now.getTime()) return dates;
  }
}

/** QuerySendDetails' page size at most. */
const PAGE_SIZE = 50;

export function createAliyunSmsAdapter(settings: AliyunSmsSettings): ChannelAdapter {
  const client = new SmsClient(
    new $OpenApiUtil.Config({
      accessKeyId: settings.accessKeyId,
      accessKeySecret: settings.accessKeySecret,
      endpoint: settings.endpoint,
      protocol: settings.protocol,
    }),
  );
  return {
    async send(message, { key, deadline }) {
      // The SDK takes no abort signal: checked once, the request begins within its connect timeout.
      if (Date.now() >= deadline) throw pastDeadline('短信服务');
      let body: { code?: string; message?: string; bizId?: string } | undefined;
      try {
        const response = await client.sendSmsWithOptions(
          new sdk.SendSmsRequest({
            phoneNumbers: message.to,
            signName: settings.signName,
            templateCode: settings.templateCode,
            templateParam: JSON.stringify({ title: message.title }),
            // 外部流水扩展字段: the delivery's id, listed with the send by QuerySendDetails (findSent).
            outId: key,
          }),
          // Retries are Temporal's, with backoff; the SDK's own would multiply them.
          new RuntimeOptions({ connectTimeout: 10_000, readTimeout: 20_000, autoretry: false }),
        );
        body = response.body;
      } catch (error) {
        throw sdkFailure(error, '短信服务');
      }
      const code = body?.code ?? '';
      if (code !== 'OK')
        throw new ChannelError(
          `短信服务拒绝：${code} ${body?.message ?? ''}`.trim(),
          smsCodeIsPermanent(code),
        );
      return { providerId: body?.bizId ?? '' };
    },

    /**
     * QuerySendDetails of the number, day by day from `since`: a send whose OutId is `key` went out.
     * Its records carry no BizId, so the delivery records `OutId:<key>` as the provider's id.
     */
    async findSent(key, to, since) {
      for (const sendDate of sendDates(since, new Date())) {
        for (let currentPage = 1; ; currentPage++) {
          let body: Awaited<ReturnType<typeof client.querySendDetailsWithOptions>>['body'];
          try {
            const response = await client.querySendDetailsWithOptions(
              new sdk.QuerySendDetailsRequest({
                phoneNumber: to,
                sendDate,
                pageSize: PAGE_SIZE,
                currentPage,
              }),
              new RuntimeOptions({ connectTimeout: 10_000, readTimeout: 20_000, autoretry: false }),
            );
            body = response.body;
          } catch (error) {
            // Not knowing whether it went out, nothing is sent: the look-up is retried, never given up.
            const failure = sdkFailure(error, '短信发送记录查询');
            throw new ChannelError(failure.message, false);
          }
          if (body?.code !== 'OK')
            throw new ChannelError(
              `短信发送记录查询失败：${body?.code ?? ''} ${body?.message ?? ''}`.trim(),
              false,
            );
          const records = body.smsSendDetailDTOs?.smsSendDetailDTO ?? [];
          if (records.some((r) => r.outId === key)) return { providerId: `OutId:${key}` };
          if (records.length < PAGE_SIZE) break;
        }
      }
      return undefined;
    },
  };
}
