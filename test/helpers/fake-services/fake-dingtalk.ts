// A local server speaking 钉钉's documented work-notice API (工作通知), as far as duzhan uses it:
// - GET /gettoken?appkey=KEY&appsecret=SECRET → { errcode: 0, access_token, errmsg: 'ok', expires_in };
// - POST /topapi/message/corpconversation/asyncsend_v2?access_token=TOKEN
//   { agent_id, userid_list: 'a,b', msg: { msgtype: 'text', text: { content } } } →
//   { errcode: 0, errmsg: 'ok', task_id, request_id }: asynchronous, answered before delivering;
// - POST /topapi/message/corpconversation/getsendresult?access_token=TOKEN { agent_id, task_id } →
//   { errcode: 0, send_result: { invalid_user_id_list, forbidden_user_id_list, failed_user_id_list,
//   read_user_id_list, unread_user_id_list, invalid_dept_id_list, forbidden_list: [{ code, count,
//   userid }] }, request_id }. A user sent the same content twice a day, or more than 500 a day, is
//   answered success on send and appears in forbidden_list (143106 / 143105): never delivered.
// - 40014 invalid token, 42001 expired token; a result queried before the task is done has empty lists.
import { createHash, randomUUID } from 'node:crypto';
import { type JsonAnswer, JsonServer } from './json-server.js';

interface Task {
  id: number;
  content: string;
  outcome: Map<string, 'unread' | 'invalid' | { forbidden: string; count: number }>;
  /** Results queried before this many queries come back empty (the send still running). */
  pendingQueries: number;
}

export class FakeDingtalk extends JsonServer {
  readonly appKey = 'ding-fake-app';
  readonly appSecret = 'fake-app-secret';
  readonly agentId = 2000001;
  readonly users = new Set<string>();
  /** What users actually received. */
  readonly delivered: Array<{ userid: string; content: string; taskId: number }> = [];
  tokensIssued = 0;
  sends = 0;
  perUserPerDay = 500;
  /** How many result queries of each new task answer "not done yet". */
  pendingQueriesPerTask = 0;
  readonly nextSendAnswers: JsonAnswer[] = [];
  private readonly tokens = new Map<string, number>();
  private readonly tasks = new Map<number, Task>();
  private readonly today = new Map<string, { count: number; contents: Set<string> }>();
  private nextTaskId = 256271667526;

  constructor() {
    super((request) => {
      if (request.method === 'GET' && request.path === '/gettoken') return this.getToken(request.query);
      const token = this.checkToken(request.query.get('access_token'));
      if (token) return token;
      if (request.method === 'POST' && request.path === '/topapi/message/corpconversation/asyncsend_v2')
        return this.send(request.body);
      if (request.method === 'POST' && request.path === '/topapi/message/corpconversation/getsendresult')
        return this.result(request.body);
      return { status: 404, json: { errcode: 22, errmsg: 'Invalid method' } };
    });
  }

  received(userid: string) {
    return this.delivered.filter((d) => d.userid === userid);
  }

  expireTokens(): void {
    for (const token of this.tokens.keys()) this.tokens.set(token, 0);
  }

  private getToken(query: URLSearchParams): JsonAnswer {
    if (query.get('appkey') !== this.appKey || query.get('appsecret') !== this.appSecret)
      return { json: { errcode: 40089, errmsg: '不合法的corpid或corpsecret' } };
    const token = randomUUID().replace(/-/g, '');
    this.tokens.set(token, Date.now() + 7200_000);
    this.tokensIssued++;
    return { json: { errcode: 0, access_token: token, errmsg: 'ok', expires_in: 7200 } };
  }

  private checkToken(token: string | null): JsonAnswer | undefined {
    const expiresAt = token ? this.tokens.get(token) : undefined;
    if (expiresAt === undefined) return { json: { errcode: 40014, errmsg: '不合法的access_token' } };
    if (expiresAt <= Date.now()) return { json: { errcode: 42001, errmsg: 'access_token超时' } };
    return undefined;
  }

  private send(body: unknown): JsonAnswer {
    const injected = this.nextSendAnswers.shift();
    if (injected) return injected;
    const request = (body ?? {}) as {
      agent_id?: number;
      userid_list?: string;
      msg?: { msgtype?: string; text?: { content?: string } };
    };
    if (request.agent_id !== this.agentId) return { json: { errcode: 400002, errmsg: '无效的agent_id' } };
    const content = request.msg?.text?.content ?? '';
    if (request.msg?.msgtype !== 'text' || !content)
      return { json: { errcode: 40035, errmsg: '缺少参数 msg' } };
    if (Buffer.byteLength(JSON.stringify(request.msg)) > 2048)
      return { json: { errcode: 40035, errmsg: '消息内容超长' } };
    const userids = (request.userid_list ?? '').split(',').filter(Boolean);
    if (userids.length === 0) return { json: { errcode: 1430000, errmsg: '接受者为空' } };
    this.sends++;
    const id = this.nextTaskId++;
    const task: Task = { id, content, outcome: new Map(), pendingQueries: this.pendingQueriesPerTask };
    const hash = createHash('sha256').update(content).digest('hex');
    for (const userid of userids) {
      if (!this.users.has(userid)) {
        task.outcome.set(userid, 'invalid');
        continue;
      }
      const day = this.today.get(userid) ?? { count: 0, contents: new Set<string>() };
      this.today.set(userid, day);
      if (day.contents.has(hash)) task.outcome.set(userid, { forbidden: '143106', count: 1 });
      else if (day.count >= this.perUserPerDay)
        task.outcome.set(userid, { forbidden: '143105', count: this.perUserPerDay });
      else {
        day.count++;
        day.contents.add(hash);
        task.outcome.set(userid, 'unread');
        this.delivered.push({ userid, content, taskId: id });
      }
    }
    this.tasks.set(id, task);
    return { json: { errcode: 0, errmsg: 'ok', task_id: id, request_id: randomUUID() } };
  }

  private result(body: unknown): JsonAnswer {
    const request = (body ?? {}) as { agent_id?: number; task_id?: number };
    const task = request.task_id === undefined ? undefined : this.tasks.get(Number(request.task_id));
    if (request.agent_id !== this.agentId || !task)
      return { json: { errcode: 40035, errmsg: '不合法的参数' } };
    const lists = {
      invalid_user_id_list: [] as string[],
      forbidden_user_id_list: [] as string[],
      failed_user_id_list: [] as string[],
      read_user_id_list: [] as string[],
      unread_user_id_list: [] as string[],
      invalid_dept_id_list: [] as number[],
      forbidden_list: [] as Array<{ code: string; count: number; userid: string }>,
    };
    if (task.pendingQueries > 0) {
      task.pendingQueries--;
    } else {
      for (const [userid, outcome] of task.outcome) {
        if (outcome === 'unread') lists.unread_user_id_list.push(userid);
        else if (outcome === 'invalid') lists.invalid_user_id_list.push(userid);
        else {
          lists.forbidden_user_id_list.push(userid);
          lists.forbidden_list.push({ code: outcome.forbidden, count: outcome.count, userid });
        }
      }
    }
    return { json: { errcode: 0, errmsg: 'ok', send_result: lists, request_id: randomUUID() } };
  }
}
