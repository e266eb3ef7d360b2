/** Flag values other than numbers (numberFlags.ts): booleans, durations, IPs, lists. */
import { statSync } from 'node:fs'
import { isIP } from 'node:net'
import { dirname, resolve } from 'node:path'
import { parseDurationMs } from '../signer/duration.ts'
import { UsageError, withFlag } from './usageError.ts'

/** op-node style booleans: true/false/1/0 (a bare flag means true). */
export function parseBoolFlag(flag: string, text: string | boolean): boolean {
  if (typeof text === 'boolean') return text
  const t = text.trim().toLowerCase()
  if (t === 'true' || t === '1') return true
  if (t === 'false' || t === '0') return false
  throw new UsageError(`${flag} must be true or false, got '${text}'`, { flag })
}

/** A Go-style duration (`30s`, `1h30m`, `0`) in milliseconds. */
export function parseDurationFlag(flag: string, text: string): number {
  return withFlag(flag, () => parseDurationMs(text))
}

/** A literal IP address (no host names). */
export function parseIpAddressFlag(flag: string, text: string): string {
  if (isIP(text) === 0)
    throw new UsageError(`${flag} must be an IP address, got '${text}'`, { flag })
  return text
}

/** A comma-separated list, entries trimmed, empty ones dropped. */
export function splitListFlag(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

/** The nearest part of `path` that exists (itself, or a parent), with whether it is a directory. */
function nearestExisting(path: string): { path: string; isDirectory: boolean } {
  let current = resolve(path)
  for (;;) {
    const stat = statSync(current, { throwIfNoEntry: false })
    if (stat !== undefined) return { path: current, isDirectory: stat.isDirectory() }
    const parent = dirname(current)
    if (parent === current) return { path: current, isDirectory: true }
    current = parent
  }
}

/**
 * A directory the command creates or reuses: it may be missing, never a file (or under one).
 * Checked before anything starts, so the mistake is one line naming the flag.
 */
export function checkDirectoryFlag(flag: string, path: string): string {
  const existing = nearestExisting(path)
  if (!existing.isDirectory) {
    const what = existing.path === resolve(path) ? 'a file' : `under a file (${existing.path})`
    throw new UsageError(`${flag} ${path} is ${what}, not a directory`, { flag })
  }
  return path
}
