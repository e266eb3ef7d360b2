/** A bad flag, argument or input file: printed as one line, exit status 2, no stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}
