import http from 'node:http';

export interface JsonRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  rawBody: string;
}

export type JsonAnswer = { status?: number; json: unknown };

/** A local HTTP server answering JSON, for the fake services the channel tests start. */
export class JsonServer {
  private server: http.Server | undefined;
  port = 0;
  /** Every answer leaves this long after the request was handled (the service is slow to answer). */
  answerDelayMs = 0;
  /**
   * Requests whose answer is lost: handled (the service did what was asked) and then the connection
   * drops before the answer, as when the network or the worker dies between the two.
   */
  loseAnswerOf: ((request: JsonRequest) => boolean) | undefined;

  constructor(private readonly handle: (request: JsonRequest) => JsonAnswer | Promise<JsonAnswer>) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<void> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        raw += chunk;
      });
      req.on('end', async () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        let body: unknown;
        try {
          body = raw && req.headers['content-type']?.includes('json') ? JSON.parse(raw) : undefined;
        } catch {
          body = undefined;
        }
        const request: JsonRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
          rawBody: raw,
        };
        const answer = await this.handle(request);
        if (this.answerDelayMs > 0) await new Promise((r) => setTimeout(r, this.answerDelayMs));
        if (this.loseAnswerOf?.(request)) {
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(answer.json));
      });
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    this.port = (server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
