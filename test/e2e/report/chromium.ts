/**
 * Debian's Chromium in headless mode, for tests that look at a report page the way a reader
 * does: a screenshot, and the DOM the browser built. Nothing is fetched (file:// pages with no
 * external references), and every background service that would reach the network is off.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export const CHROMIUM = '/usr/bin/chromium'
export const INSTALL_HINT = 'apt-get install chromium'
/** A page load and screenshot take a few seconds; on a loaded 2-core machine, far more. */
const CHROMIUM_TIMEOUT_MS = 90_000
/** Room for a large DOM dump on stdout */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM)
}

async function runChromium(page: string, windowSize: string, extra: string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'op-gossip-chromium-'))
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    `--window-size=${windowSize}`,
    ...extra,
    pathToFileURL(page).href,
  ]
  try {
    return await new Promise((resolve, reject) => {
      execFile(
        CHROMIUM,
        args,
        { timeout: CHROMIUM_TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES },
        (err, stdout, stderr) => {
          if (err !== null) reject(new Error(`chromium failed: ${err.message}\n${stderr}`))
          else resolve(stdout)
        },
      )
    })
  } finally {
    rmSync(profile, { recursive: true, force: true })
  }
}

/** Screenshot of `page` (an HTML file) at `width`×`height`; returns the PNG bytes. */
export async function screenshot(
  page: string,
  png: string,
  width: number,
  height: number,
): Promise<Buffer> {
  await runChromium(page, `${width},${height}`, [`--screenshot=${png}`])
  return readFileSync(png)
}

/** The DOM Chromium built from `page`, serialized. */
export function dumpDom(page: string, width: number, height: number): Promise<string> {
  return runChromium(page, `${width},${height}`, ['--dump-dom'])
}
