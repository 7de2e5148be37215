// The delivery channels beside e-mail (企业微信, 钉钉, SMS): their settings come from the environment
// only, one deployment's. A channel whose settings are unset is off, and cadres listing it are
// reached on their next channel. Secrets stay in this object: nothing logs it (see `describeChannels`).
import { z } from 'zod';
import { ConfigError } from './env.js';

export const CHANNELS = ['EMAIL', 'WECOM', 'DINGTALK', 'SMS'] as const;
export type Channel = (typeof CHANNELS)[number];
export const CHANNEL_LABELS: Record<Channel, string> = {
  EMAIL: '电子邮件',
  WECOM: '企业微信',
  DINGTALK: '钉钉',
  SMS: '短信',
};

/** At most `max` messages to one person per `windowMs` on one channel; past it they are combined. */
export interface PerPersonLimit {
  max: number;
  windowMs: number;
}

export interface WecomSettings {
  corpId: string;
  secret: string;
  agentId: number;
  /** https://qyapi.weixin.qq.com, or a local server speaking its API (the tests). */
  baseUrl: string;
}

export interface DingtalkSettings {
  appKey: string;
  appSecret: string;
  agentId: number;
  /** https://oapi.dingtalk.com, or a local server speaking its API (the tests). */
  baseUrl: string;
}

export interface AliyunSmsSettings {
  accessKeyId: string;
  accessKeySecret: string;
  /** The approved signature (签名) and template code (模板 CODE, one `title` parameter). */
  signName: string;
  templateCode: string;
  /** dysmsapi.aliyuncs.com, or host:port of a local server; `http` only for a local one. */
  endpoint: string;
  protocol: 'https' | 'http';
  /** The longest value one template parameter may have (the provider refuses longer ones). */
  maxParamLength: number;
}

export interface ChannelSettings {
  wecom?: WecomSettings;
  dingtalk?: DingtalkSettings;
  sms?: AliyunSmsSettings;
  limits: Record<Exclude<Channel, 'EMAIL'>, PerPersonLimit>;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** `30/60s`, `500/1d`, `40/24h`: a count per a window. */
const limitSchema = z
  .string()
  .trim()
  .regex(/^\d+\/\d+(s|m|h|d)$/, 'a limit is written count/window, e.g. 30/60s, 500/1d')
  .transform((value): PerPersonLimit => {
    const [count, window] = value.split('/') as [string, string];
    const unit = { s: 1_000, m: MINUTE, h: 60 * MINUTE, d: DAY }[window.slice(-1) as 's' | 'm' | 'h' | 'd'];
    return { max: Number(count), windowMs: Number(window.slice(0, -1)) * unit };
  })
  .refine((limit) => limit.max >= 1 && limit.windowMs >= 1_000, 'a limit needs at least 1 message per 1 s');

const text = z.string().trim().min(1);
const channelEnvSchema = z.object({
  WECOM_CORP_ID: text.optional(),
  WECOM_SECRET: text.optional(),
  WECOM_AGENT_ID: z.coerce.number().int().positive().optional(),
  WECOM_API_URL: z.url().default('https://qyapi.weixin.qq.com'),
  // WeCom drops what passes 30 a minute to one member of one app.
  WECOM_LIMIT: limitSchema.prefault('30/60s'),
  DINGTALK_APP_KEY: text.optional(),
  DINGTALK_APP_SECRET: text.optional(),
  DINGTALK_AGENT_ID: z.coerce.number().int().positive().optional(),
  DINGTALK_API_URL: z.url().default('https://oapi.dingtalk.com'),
  // An internal app's work notices: 500 a day to one person (and the same content once a day).
  DINGTALK_LIMIT: limitSchema.prefault('500/1d'),
  ALIYUN_SMS_ACCESS_KEY_ID: text.optional(),
  ALIYUN_SMS_ACCESS_KEY_SECRET: text.optional(),
  ALIYUN_SMS_SIGN_NAME: text.optional(),
  ALIYUN_SMS_TEMPLATE_CODE: text.optional(),
  ALIYUN_SMS_ENDPOINT: text.default('dysmsapi.aliyuncs.com'),
  ALIYUN_SMS_PROTOCOL: z.enum(['https', 'http']).default('https'),
  ALIYUN_SMS_PARAM_MAX: z.coerce.number().int().min(6).max(500).default(35),
  // Alibaba Cloud's default flow control for notices to one number: 40 a day (adjustable in its console).
  SMS_LIMIT: limitSchema.prefault('40/1d'),
});

/** All of a group set, or none: half a channel's settings is a mistake, not "off". */
function allOrNone<T extends Record<string, unknown>>(group: string, values: T): T | undefined {
  const set = Object.entries(values).filter(([, v]) => v !== undefined);
  if (set.length === 0) return undefined;
  const missing = Object.entries(values)
    .filter(([, v]) => v === undefined)
    .map(([k]) => k);
  if (missing.length > 0) throw new ConfigError(`${group} is half set: also set ${missing.join(', ')}`);
  return values;
}

/** The channels' settings from the environment; throws one line naming what is wrong. */
export function loadChannelSettings(source: NodeJS.ProcessEnv = process.env): ChannelSettings {
  const parsed = channelEnvSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`bad setting ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const env = parsed.data;
  const wecom = allOrNone('企业微信 (WECOM_*)', {
    WECOM_CORP_ID: env.WECOM_CORP_ID,
    WECOM_SECRET: env.WECOM_SECRET,
    WECOM_AGENT_ID: env.WECOM_AGENT_ID,
  });
  const dingtalk = allOrNone('钉钉 (DINGTALK_*)', {
    DINGTALK_APP_KEY: env.DINGTALK_APP_KEY,
    DINGTALK_APP_SECRET: env.DINGTALK_APP_SECRET,
    DINGTALK_AGENT_ID: env.DINGTALK_AGENT_ID,
  });
  const sms = allOrNone('SMS (ALIYUN_SMS_*)', {
    ALIYUN_SMS_ACCESS_KEY_ID: env.ALIYUN_SMS_ACCESS_KEY_ID,
    ALIYUN_SMS_ACCESS_KEY_SECRET: env.ALIYUN_SMS_ACCESS_KEY_SECRET,
    ALIYUN_SMS_SIGN_NAME: env.ALIYUN_SMS_SIGN_NAME,
    ALIYUN_SMS_TEMPLATE_CODE: env.ALIYUN_SMS_TEMPLATE_CODE,
  });
  return {
    ...(wecom && {
      wecom: {
        corpId: wecom.WECOM_CORP_ID as string,
        secret: wecom.WECOM_SECRET as string,
        agentId: wecom.WECOM_AGENT_ID as number,
        baseUrl: env.WECOM_API_URL.replace(/\/+$/, ''),
      },
    }),
    ...(dingtalk && {
      dingtalk: {
        appKey: dingtalk.DINGTALK_APP_KEY as string,
        appSecret: dingtalk.DINGTALK_APP_SECRET as string,
        agentId: dingtalk.DINGTALK_AGENT_ID as number,
        baseUrl: env.DINGTALK_API_URL.replace(/\/+$/, ''),
      },
    }),
    ...(sms && {
      sms: {
        accessKeyId: sms.ALIYUN_SMS_ACCESS_KEY_ID as string,
        accessKeySecret: sms.ALIYUN_SMS_ACCESS_KEY_SECRET as string,
        signName: sms.ALIYUN_SMS_SIGN_NAME as string,
        templateCode: sms.ALIYUN_SMS_TEMPLATE_CODE as string,
        endpoint: env.ALIYUN_SMS_ENDPOINT,
        protocol: env.ALIYUN_SMS_PROTOCOL,
        maxParamLength: env.ALIYUN_SMS_PARAM_MAX,
      },
    }),
    limits: { WECOM: env.WECOM_LIMIT, DINGTALK: env.DINGTALK_LIMIT, SMS: env.SMS_LIMIT },
  };
}

/** Which channels are on, for the start-up line: names only, never a secret. */
export function describeChannels(settings: ChannelSettings): string {
  const on: Channel[] = ['EMAIL'];
  if (settings.wecom) on.push('WECOM');
  if (settings.dingtalk) on.push('DINGTALK');
  if (settings.sms) on.push('SMS');
  return on.map((c) => CHANNEL_LABELS[c]).join('、');
}

/** Is this channel on in this deployment? E-mail always is. */
export function channelEnabled(settings: ChannelSettings, channel: Channel): boolean {
  if (channel === 'EMAIL') return true;
  if (channel === 'WECOM') return settings.wecom !== undefined;
  if (channel === 'DINGTALK') return settings.dingtalk !== undefined;
  return settings.sms !== undefined;
}
