/** A failure the caller can act on; the HTTP layer maps `kind` to a status code. */
export class DomainError extends Error {
  constructor(
    readonly kind: 'NOT_FOUND' | 'CONFLICT' | 'INVALID' | 'FORBIDDEN',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
