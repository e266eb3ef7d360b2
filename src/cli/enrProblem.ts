/**
 * What is wrong with an ENR the user gave, in our words rather than the ENR library's (which
 * speak of RLP lengths and array decoding). Matched on the library's messages, as it has no
 * error codes: an unknown message still reads as "not a valid ENR", with the library's words
 * after it.
 */

/** EIP-778: a record is at most 300 bytes. */
export const MAX_ENR_BYTES = 300

const ENR_PREFIX = 'enr:'

/** Library message → what to tell the user. First match wins. */
const LIBRARY_MESSAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/must start with 'enr:'/, `a record starts with '${ENR_PREFIX}'`],
  [
    /Unknown letter|base64/i,
    `the text after '${ENR_PREFIX}' must be base64url (A-Z, a-z, 0-9, -, _)`,
  ],
  [
    /total length is larger than the data|must be an array/,
    'the record is cut short (copy the whole enr:… text)',
  ],
  [/remainder must be zero/, 'there is extra data after the record (two records pasted together?)'],
  [/verify enr signature/i, 'its signature does not match its contents (the record was altered)'],
  [/invalid RLP/, 'its bytes are not a record (corrupted)'],
]

/** Why `text` is not a usable ENR, given the library's error. */
export function describeEnrProblem(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const base64 = text.startsWith(ENR_PREFIX) ? text.slice(ENR_PREFIX.length) : null
  if (base64 !== null && Math.floor((base64.length * 3) / 4) > MAX_ENR_BYTES) {
    return `the record is longer than ${MAX_ENR_BYTES} bytes, the most EIP-778 allows`
  }
  for (const [pattern, words] of LIBRARY_MESSAGES) if (pattern.test(message)) return words
  return `not a valid record (${message})`
}
