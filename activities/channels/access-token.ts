// The access token WeCom and DingTalk both issue (`access_token`, `expires_in` seconds, 7,200 by
// their documents): fetched once, kept until shortly before it expires, and fetched again at once
// when the service says it is invalid or expired.

export class AccessTokenCache {
  private token: { value: string; renewAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly issue: () => Promise<{ token: string; expiresInSeconds: number }>) {}

  async get(): Promise<string> {
    if (this.token && Date.now() < this.token.renewAt) return this.token.value;
    // One request for every send waiting on a new token.
    this.pending ??= this.issue()
      .then(({ token, expiresInSeconds }) => {
        // Renewed a little early (a tenth of its life, at most 5 minutes): never sent about to expire.
        const margin = Math.min(300, expiresInSeconds / 10) * 1000;
        this.token = { value: token, renewAt: Date.now() + expiresInSeconds * 1000 - margin };
        return token;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }

  /** The service refused this token (invalid, expired): the next `get` fetches a new one. */
  invalidate(value: string): void {
    if (this.token?.value === value) this.token = undefined;
  }
}
