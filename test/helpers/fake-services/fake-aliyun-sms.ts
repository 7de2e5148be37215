// A local server speaking Alibaba Cloud SMS's SendSms (dysmsapi 2017-05-25) as its official SDK
// calls it: POST / with the action in `x-acs-action`, the parameters (PhoneNumbers, SignName,
// TemplateCode, TemplateParam) in the query, signed with ACS3-HMAC-SHA256 (verified here with the
// key's secret). Answers HTTP 200 { Code: 'OK', Message: 'OK', BizId, RequestId }, or a Code naming
// the refusal: isv.SMS_SIGNATURE_ILLEGAL, isv.SMS_TEMPLATE_ILLEGAL, isv.TEMPLATE_MISSING_PARAMETERS,
// isv.PARAM_LENGTH_LIMIT (a parameter over 35 characters), isv.MOBILE_NUMBER_ILLEGAL, and
// isv.BUSINESS_LIMIT_CONTROL past the per-number limit. A bad key: HTTP 404 InvalidAccessKeyId.NotFound;
// a bad signature: HTTP 400 SignatureDoesNotMatch. SendSms keeps its OutId (外部流水扩展字段), and
// QuerySendDetails (PhoneNumber, SendDate yyyyMMdd, optional BizId, PageSize 1–50, CurrentPage) lists
// the day's sends to a number as documented: { Code, Message, RequestId, TotalCount,
// SmsSendDetailDTOs: { SmsSendDetailDTO: [{ PhoneNum, SendStatus, ErrCode, TemplateCode, Content,
// SendDate, ReceiveDate, OutId }] } } (no BizId in a record), with the same signature checked.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type JsonAnswer, type JsonRequest, JsonServer } from './json-server.js';

export interface SmsSent {
  phone: string;
  signName: string;
  templateCode: string;
  params: Record<string, string>;
  bizId: string;
  outId: string;
  /** China Standard Time, as the service reports it: `yyyy-MM-dd HH:mm:ss`. */
  sendDate: string;
}

/** A time as the service writes it, in China Standard Time. */
const chinaTime = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The ACS3-HMAC-SHA256 signature of a request, as Alibaba Cloud's V3 signature documents it. */
function signatureOf(request: JsonRequest, signedHeaders: string[], secret: string): string {
  const query = [...request.query.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join('&');
  const headers = signedHeaders
    .map((h) => `${h}:${String((request.headers as IncomingHttpHeaders)[h] ?? '').trim()}\n`)
    .join('');
  const canonical = [
    request.method,
    request.path,
    query,
    headers,
    signedHeaders.join(';'),
    String(
      request.headers['x-acs-content-sha256'] ?? createHash('sha256').update(request.rawBody).digest('hex'),
    ),
  ].join('\n');
  const toSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonical).digest('hex')}`;
  return createHmac('sha256', secret).update(toSign).digest('hex');
}

export class FakeAliyunSms extends JsonServer {
  readonly accessKeyId = 'LTAI-fake-key';
  readonly accessKeySecret = 'fake-key-secret';
  readonly signName = '某某乡督战';
  readonly templateCode = 'SMS_300000001';
  readonly sent: SmsSent[] = [];
  perNumberPerDay = 40;
  readonly nextAnswers: JsonAnswer[] = [];
  private readonly perNumber = new Map<string, number>();

  constructor() {
    super((request) => this.handleRequest(request));
  }

  /** The endpoint for the SDK: host:port, over http. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  private handleRequest(request: JsonRequest): JsonAnswer {
    const requestId = randomUUID().toUpperCase();
    const action = request.headers['x-acs-action'];
    if (
      (action !== 'SendSms' && action !== 'QuerySendDetails') ||
      request.headers['x-acs-version'] !== '2017-05-25'
    )
      return {
        status: 404,
        json: { Code: 'InvalidAction.NotFound', Message: 'Specified api is not found', RequestId: requestId },
      };
    const auth = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$/.exec(
      String(request.headers.authorization ?? ''),
    );
    if (!auth || auth[1] !== this.accessKeyId)
      return {
        status: 404,
        json: {
          Code: 'InvalidAccessKeyId.NotFound',
          Message: 'Specified access key is not found.',
          RequestId: requestId,
        },
      };
    if (signatureOf(request, (auth[2] ?? '').split(';'), this.accessKeySecret) !== auth[3])
      return {
        status: 400,
        json: {
          Code: 'SignatureDoesNotMatch',
          Message: 'Specified signature does not match our calculation.',
          RequestId: requestId,
        },
      };
    const refuse = (Code: string, Message: string) => ({ json: { Code, Message, RequestId: requestId } });
    const q = request.query;
    if (action === 'QuerySendDetails') return this.details(q, requestId);
    const injected = this.nextAnswers.shift();
    if (injected) return injected;
    const phone = q.get('PhoneNumbers') ?? '';
    if (q.get('SignName') !== this.signName)
      return refuse('isv.SMS_SIGNATURE_ILLEGAL', '该账号下找不到对应签名');
    if (q.get('TemplateCode') !== this.templateCode)
      return refuse('isv.SMS_TEMPLATE_ILLEGAL', '该账号下找不到对应模板');
    let params: Record<string, string>;
    try {
      params = JSON.parse(q.get('TemplateParam') ?? '{}') as Record<string, string>;
    } catch {
      return refuse('isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
    }
    if (typeof params.title !== 'string') return refuse('isv.TEMPLATE_MISSING_PARAMETERS', '模板缺少变量');
    if ([...params.title].length > 35) return refuse('isv.PARAM_LENGTH_LIMIT', '参数超出长度限制');
    if (!/^1\d{10}$/.test(phone)) return refuse('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    const count = this.perNumber.get(phone) ?? 0;
    if (count >= this.perNumberPerDay)
      return refuse('isv.BUSINESS_LIMIT_CONTROL', `触发号码天级流控Permits:${this.perNumberPerDay}`);
    this.perNumber.set(phone, count + 1);
    const bizId = `${Date.now()}^0`;
    this.sent.push({
      phone,
      signName: this.signName,
      templateCode: this.templateCode,
      params,
      bizId,
      outId: q.get('OutId') ?? '',
      sendDate: chinaTime(Date.now()),
    });
    return { json: { Code: 'OK', Message: 'OK', BizId: bizId, RequestId: requestId } };
  }

  private details(q: URLSearchParams, requestId: string): JsonAnswer {
    const refuse = (Code: string, Message: string) => ({ json: { Code, Message, RequestId: requestId } });
    const phone = q.get('PhoneNumber') ?? '';
    const date = q.get('SendDate') ?? '';
    const pageSize = Number(q.get('PageSize'));
    const page = Number(q.get('CurrentPage') ?? '1');
    if (!/^1\d{10}$/.test(phone)) return refuse('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    if (!/^\d{8}$/.test(date)) return refuse('isv.INVALID_PARAMETERS', 'SendDate 格式应为 yyyyMMdd');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50)
      return refuse('isv.INVALID_PARAMETERS', 'PageSize 取值范围为 1~50');
    const bizId = q.get('BizId');
    const day = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
    const matching = this.sent.filter(
      (s) => s.phone === phone && s.sendDate.startsWith(day) && (!bizId || s.bizId === bizId),
    );
    const records = matching.slice((page - 1) * pageSize, page * pageSize).map((s) => ({
      PhoneNum: s.phone,
      SendStatus: 3,
      ErrCode: 'DELIVERED',
      TemplateCode: s.templateCode,
      Content: `【${s.signName}】您有一条督战通知：${s.params.title ?? ''}，请登录督战系统办理。`,
      SendDate: s.sendDate,
      ReceiveDate: s.sendDate,
      OutId: s.outId,
    }));
    return {
      json: {
        Code: 'OK',
        Message: 'OK',
        RequestId: requestId,
        TotalCount: String(matching.length),
        SmsSendDetailDTOs: { SmsSendDetailDTO: records },
      },
    };
  }
}
