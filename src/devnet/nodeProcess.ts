/**
 * Entry module of one devnet node process (the sequencer or a follower), forked by the devnet
 * orchestrator (./devnet.ts). It waits for an `init` message with its configuration, runs the
 * node (./nodeRunner.ts: src/node.ts's createNode plus the devnet's el-sim, sequencer and
 * reports) and answers the orchestrator's messages over the IPC channel.
 *
 * The process exits when the parent says `stop`, and also when the IPC channel closes (the
 * parent died), so no node outlives its devnet. SIGINT is ignored: on Ctrl-C the whole process
 * group gets it, and the parent stops the nodes in order.
 */
import { createLogger, type Logger } from '../util/logger.ts'
import type { ChildMessage, ParentMessage } from './ipcProtocol.ts'
import type { NodeRunner } from './nodeRunner.ts'
import { IpcByteCounter } from './processCounters.ts'

/** Give the node this long to stop before exiting anyway. */
const STOP_TIMEOUT_MS = 3000

const ipc = new IpcByteCounter()
/**
 * libp2p and friends take seconds to load: start at once, while the parent still waits for the
 * sequencer to listen, instead of after the configuration arrives.
 */
const runnerModule = import('./nodeRunner.ts')
// A load failure is not lost: startRunner awaits this same promise and reports it as fatal.
runnerModule.catch(() => {})

function send(message: ChildMessage): void {
  if (process.send === undefined || !process.connected) return
  ipc.onSend(message)
  process.send(message)
}

/** Stops the node, or gives up after STOP_TIMEOUT_MS (the process exits either way). */
async function stopRunner(runner: NodeRunner | null, log: Logger | null): Promise<void> {
  if (runner === null) return
  const timedOut = await Promise.race([
    runner.stop().then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(true), STOP_TIMEOUT_MS).unref()),
  ])
  if (timedOut) log?.warn({ timeoutMs: STOP_TIMEOUT_MS }, 'node stop timed out, exiting anyway')
}

function main(): void {
  if (process.send === undefined) {
    process.stderr.write('nodeProcess.ts is started by `op-gossip devnet` over IPC\n')
    process.exit(2)
  }
  let runner: NodeRunner | null = null
  let starting: Promise<void> | null = null
  let log: Logger | null = null
  let index = -1
  let exiting = false

  async function exit(code: number): Promise<void> {
    if (exiting) return
    exiting = true
    try {
      // A start in progress finishes first (its failure is reported where it is started), so
      // the stop sees every part it brought up.
      await starting?.then(
        () => undefined,
        () => undefined,
      )
      await stopRunner(runner, log)
    } finally {
      process.exit(code)
    }
  }

  async function startRunner(msg: Extract<ParentMessage, { type: 'init' }>): Promise<void> {
    const { config } = msg
    log = createLogger({ level: config.logLevel, format: 'json' }).child({ node: config.index })
    const { createNodeRunner } = await runnerModule
    runner = createNodeRunner(config, { send, ipc, log })
    await runner.start()
  }

  /** A CL restart: the node stops, the el-sim and the process stay. */
  async function stopNodeOnly(): Promise<void> {
    if (runner === null || exiting) return
    await starting?.catch(() => undefined)
    const elHead = await runner.stopNode()
    send({ type: 'node-stopped', index, elHead })
  }

  /** Starts the node again; a failure is fatal, as at the first start. */
  async function restartNode(): Promise<void> {
    if (runner === null || exiting) return
    starting = runner.restartNode()
    try {
      await starting
    } catch (err) {
      send({ type: 'error', index, message: String((err as Error)?.message ?? err), fatal: true })
      void exit(1)
    }
  }

  process.on('SIGINT', () => {})
  process.on('SIGTERM', () => void exit(0))
  process.on('disconnect', () => void exit(0))
  process.on('uncaughtException', (err) => {
    send({ type: 'error', index, message: String(err?.stack ?? err), fatal: true })
    void exit(1)
  })
  process.on('message', (raw: unknown) => {
    ipc.onReceive(raw)
    const msg = raw as ParentMessage
    switch (msg.type) {
      case 'init':
        index = msg.config.index
        starting = startRunner(msg)
        starting.catch((err: unknown) => {
          send({
            type: 'error',
            index,
            message: String((err as Error)?.message ?? err),
            fatal: true,
          })
          void exit(1)
        })
        return
      case 'snapshot': {
        const stats = runner?.stats() ?? null
        if (stats !== null) send({ type: 'snapshot', index, id: msg.id, ...stats })
        return
      }
      case 'produce':
        runner?.produce(msg.size)
        return
      case 'pause':
        runner?.pause()
        return
      case 'stop':
        void exit(0)
        return
      case 'stop-node':
        void stopNodeOnly()
        return
      case 'restart-node':
        void restartNode()
        return
    }
  })
}

main()
