/**
 * A browser-like HTTP client for API tests: keeps its cookies (the session's, and before log-in the
 * visitor's CSRF cookie), fetches a CSRF token and sends it back on every write, as the pages' own
 * script does.
 */
export class ApiClient {
  private readonly cookies = new Map<string, string>();
  private csrfToken = '';

  constructor(readonly base: string) {}

  /** The Cookie header this client sends. */
  get cookie(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private remember(res: Response) {
    for (const set of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = set.split(';');
      const [name = '', ...value] = pair.trim().split('=');
      const expired = attributes.some((a) => /^\s*expires=thu, 01 jan 1970/i.test(a));
      if (expired || value.join('=') === '') this.cookies.delete(name);
      else this.cookies.set(name, value.join('='));
    }
  }

  async raw(
    method: string,
    path: string,
    init: { body?: unknown; form?: FormData; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ) {
    if (method !== 'GET' && !this.csrfToken) await this.refreshToken();
    const headers: Record<string, string> = {
      ...(this.cookie ? { cookie: this.cookie } : {}),
      ...init.headers,
    };
    if (method !== 'GET') headers['x-csrf-token'] ??= this.csrfToken;
    let body: string | FormData | undefined;
    if (init.form) body = init.form;
    else if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    }
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body,
      redirect: 'manual',
      ...(init.signal ? { signal: init.signal } : {}),
    });
    this.remember(res);
    return res;
  }

  async refreshToken() {
    const res = await this.raw('GET', '/api/session');
    this.csrfToken = ((await res.json()) as { csrfToken: string }).csrfToken;
  }

  /** JSON answer and status; the body is parsed whatever the status. */
  async json<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }> {
    const res = await this.raw(method, path, {
      ...(body === undefined ? {} : { body }),
      ...(headers ? { headers } : {}),
    });
    const isJson = res.headers.get('content-type')?.includes('json') ?? false;
    const text = await res.text();
    return { status: res.status, body: (isJson && text ? JSON.parse(text) : undefined) as T };
  }

  async login(username: string, password: string) {
    await this.refreshToken();
    const res = await this.json<{ csrfToken: string }>('POST', '/api/session', { username, password });
    if (res.status !== 200)
      throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    this.csrfToken = res.body.csrfToken;
    return this;
  }
}
