/**
 * `op-gossip run` from parsed flags to exit: start the node (naming the flag behind a failure at
 * start), show the terminal status line, stop on SIGINT / SIGTERM within STOP_TIMEOUT_MS, exit 0.
 * A failure is thrown to main(), which prints one line and picks the exit status from its kind.
 */
import type { NodeOptions, OpGossipNode } from '../../node.ts'
import { OpGossipError } from '../../util/errors.ts'
import { createLogger, type Logger } from '../../util/logger.ts'
import { isListenError, listenFailure } from '../listenFailure.ts'
import {
  readStatusSnapshot,
  type StatusLineTimer,
  shouldShowStatusLine,
  startStatusLine,
} from '../statusLine.ts'
import { namingFlag } from '../usageError.ts'
import type { RunFlags } from './flags.ts'
import { parseRunFlags, type RunSettings } from './parse.ts'

/** A stop that takes longer than this is abandoned (exit anyway). */
export const STOP_TIMEOUT_MS = 10_000
/** Signals that stop the node (exit status 0). */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

/**
 * The flag to name when a start-time configuration error names none: the EL answered, but
 * refused our JWT or runs another chain.
 */
const START_ERROR_FLAGS: Readonly<Record<string, string>> = {
  ENGINE_AUTH_FAILED: '--l2.jwt-secret',
  ENGINE_WRONG_CHAIN: '--l2',
}

/** A failure at start, with the flag behind it named where we know it. */
export function describeStartFailure(err: unknown, node: NodeOptions): unknown {
  if (err instanceof OpGossipError) return namingFlag(err, START_ERROR_FLAGS[err.code])
  if (isListenError(err)) {
    const ports = [
      { flag: '--rpc.port', port: node.rpc?.port },
      { flag: '--metrics.port', port: node.metrics?.port },
    ]
    return listenFailure(err, ports, '--rpc.port / --metrics.port')
  }
  return err
}

/** Creates and starts the node; a failure is rethrown through describeStartFailure. */
export async function startNode(settings: RunSettings, log: Logger): Promise<OpGossipNode> {
  const { createNode } = await import('../../node.ts')
  try {
    const node = createNode(settings.node, { logger: log })
    await node.start()
    return node
  } catch (err) {
    throw describeStartFailure(err, settings.node)
  }
}

function startTerminalStatusLine(
  node: OpGossipNode,
  settings: RunSettings,
): StatusLineTimer | null {
  const stdoutIsTty = process.stdout.isTTY === true
  if (!shouldShowStatusLine({ stdoutIsTty, logFormat: settings.logFormat })) return null
  const obs = node.observability
  return startStatusLine(() =>
    readStatusSnapshot({ p2p: obs.p2p, sync: obs.sync, lastBlock: () => obs.timeline.last() }),
  )
}

function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of STOP_SIGNALS) process.once(signal, resolve)
  })
}

/** Stops the node, giving up (with a warning) after STOP_TIMEOUT_MS. */
async function stopWithin(node: OpGossipNode, log: Logger): Promise<void> {
  const timeout = new Promise<'timeout'>((resolve) =>
    setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref(),
  )
  const outcome = await Promise.race([node.stop().then(() => 'stopped' as const), timeout])
  if (outcome === 'timeout') {
    log.warn({ timeoutMs: STOP_TIMEOUT_MS }, 'stop timed out, exiting anyway')
  }
}

/** The whole `run`: parse, start, run until a stop signal, stop, exit 0. */
export async function runNode(flags: RunFlags): Promise<void> {
  const settings = await parseRunFlags(flags)
  const log = createLogger({
    level: settings.logLevel,
    format: settings.logFormat,
    ...(settings.logDestination === undefined ? {} : { destination: settings.logDestination }),
  })
  for (const { flag, why } of settings.ignoredFlags) {
    log.warn({ flag, why }, 'op-node flag ignored: it does nothing in op-gossip')
  }
  const node = await startNode(settings, log)
  const statusLine = startTerminalStatusLine(node, settings)
  const signal = await nextStopSignal()
  statusLine?.stop()
  log.info({ signal }, 'stopping')
  await stopWithin(node, log)
  process.exit(0)
}
