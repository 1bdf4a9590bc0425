/** A request that got no HTTP answer: refused, reset, timed out, or lost on purpose by a fault. */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';
  constructor(
    message: string,
    readonly code: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
