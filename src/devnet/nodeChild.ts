/**
 * The orchestrator's handle on one devnet node process (./nodeProcess.ts): spawns it with its
 * log file and network plan, sends its configuration and waits for `ready`, keeps the
 * DevnetNode view up to date from its reports, and stops it (asked first, killed after
 * NODE_STOP_TIMEOUT_MS). What the reports mean for the devnet is the orchestrator's business
 * (./devnet.ts); this module only moves them.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { MALLOC_MMAP_THRESHOLD_BYTES } from '../../bin/mallocTuning.js'
import type {
  ChildMessage,
  DevnetRoad,
  NodeProcessConfig,
  NodeStats,
  ParentMessage,
} from './ipcProtocol.ts'
import type { NetworkPlan } from './network.ts'

/** Nodes get this long to exit after `stop` before they are killed. */
export const NODE_STOP_TIMEOUT_MS = 5000
/** glibc malloc arenas per node process (see DEFAULT_NODE_FLAGS in ./devnet.ts). */
export const NODE_MALLOC_ARENA_MAX = '2'

export interface DevnetNode {
  index: number
  role: 'sequencer' | 'follower'
  /** How the node gets its blocks (devnet --redis mixes them) */
  road: DevnetRoad
  peerId: string
  /** Listen multiaddrs with /p2p/<peerId> */
  addresses: string[]
  pid: number
  elUrl: string | null
  /** The el-sim's eth_* URL without a JWT (the sequencer's, with --gap-fill rpc) */
  elHttpUrl?: string | null
  /** Head the node's el-sim confirmed (with an EL), null before the first report */
  elHead: number | null
  /** Latest periodic stats, null before the first */
  stats: NodeStats | null
  /** Highest RSS any report showed */
  peakRssBytes: number
  exited: boolean
  /** The node is stopped (a follower restart) while its process and el-sim run on */
  stopped: boolean
}

export class DevnetStartError extends Error {
  override readonly name = 'DevnetStartError'
}

export interface NodeChildOptions {
  index: number
  /** Where the node's log file goes */
  logDir: string
  network: NetworkPlan
  /** Node.js flags and the entry module of the process */
  nodeArgs: readonly string[]
}

export interface NodeChildModules {
  /** Every report after the first `ready` (stats already noted on the DevnetNode) */
  onMessage(node: DevnetNode, msg: ChildMessage): void
  /** The process exited after it was ready, while the devnet was not stopping */
  onUnexpectedExit(node: DevnetNode, message: string): void
  /** True once the devnet stops: exits are expected then */
  stopping(): boolean
}

export interface NodeChild {
  readonly node: DevnetNode
  /** True while the IPC channel is open */
  readonly connected: boolean
  /** Sends the configuration; resolves once the node listens and reported `ready`. */
  init(config: NodeProcessConfig, readyTimeoutMs: number): Promise<void>
  /** Sends a message while the channel is open; dropped otherwise. */
  send(msg: ParentMessage): void
  /**
   * Stops the node but not its process or el-sim (a CL restart); resolves with the el-sim's head
   * once the node is down, rejects if the process exits first.
   */
  stopNode(): Promise<number | null>
  /** Starts the node again after stopNode(); resolves once it listens. */
  restartNode(): Promise<void>
  /** Asks the node to stop; kills it when it has not exited after NODE_STOP_TIMEOUT_MS. */
  stop(): Promise<void>
  /** Resolves once the process exited */
  readonly exited: Promise<void>
}

/**
 * Starts node `index`'s process. It loads its modules (the slow part of a start) right away and
 * waits for its configuration (`init`).
 */
export function spawnNodeChild(opts: NodeChildOptions, modules: NodeChildModules): NodeChild {
  const { index, logDir } = opts
  const logFd = openSync(join(logDir, index === 0 ? 'sequencer.log' : `node-${index}.log`), 'w')
  const { command, args } = opts.network.command(index, [...opts.nodeArgs])
  const proc: ChildProcess = spawn(command, args, {
    stdio: ['ignore', logFd, logFd, 'ipc'],
    serialization: 'json',
    env: {
      MALLOC_ARENA_MAX: NODE_MALLOC_ARENA_MAX,
      // As `op-gossip run` has it: freed message buffers go back to the kernel.
      MALLOC_MMAP_THRESHOLD_: String(MALLOC_MMAP_THRESHOLD_BYTES),
      ...process.env,
    },
  })
  closeSync(logFd)
  const node: DevnetNode = {
    index,
    role: index === 0 ? 'sequencer' : 'follower',
    road: 'gossip',
    peerId: '',
    addresses: [],
    pid: proc.pid ?? -1,
    elUrl: null,
    elHttpUrl: null,
    elHead: null,
    stats: null,
    peakRssBytes: 0,
    exited: false,
    stopped: false,
  }
  /** Settles the pending init: null = ready, else the start failure */
  let starting: ((err: Error | null) => void) | null = null
  /** The pending stopNode / restartNode: the answer it waits for and how to settle it */
  let commanding: {
    answer: 'node-stopped' | 'ready'
    settle(msg: ChildMessage | null): void
  } | null = null

  const exited = new Promise<void>((resolve) => {
    proc.once('exit', (code, sig) => {
      node.exited = true
      commanding?.settle(null)
      starting?.(
        new DevnetStartError(
          `node ${index} exited during start (${sig ?? `code ${code}`}); see ${logDir}`,
        ),
      )
      if (!modules.stopping() && node.peerId !== '') {
        modules.onUnexpectedExit(
          node,
          `node ${index} exited (${sig ?? `code ${code}`}); see ${logDir}`,
        )
      }
      resolve()
    })
  })
  proc.once('error', (err) => {
    starting?.(new DevnetStartError(`cannot start node ${index}: ${err.message}`))
  })
  proc.on('message', (raw: unknown) => {
    const msg = raw as ChildMessage
    if (msg.type === 'ready') {
      node.peerId = msg.peerId
      node.addresses = msg.addresses
      node.pid = msg.pid
      node.elUrl = msg.elUrl
      node.elHttpUrl = msg.elHttpUrl ?? null
      node.stopped = false
      // After the first start a `ready` means the node restarted (`restart-node`).
      if (starting !== null) starting(null)
      else {
        if (commanding?.answer === 'ready') commanding.settle(msg)
        modules.onMessage(node, msg)
      }
      return
    }
    if (msg.type === 'error' && node.peerId === '') {
      starting?.(new DevnetStartError(`node ${index} failed to start: ${msg.message}`))
      return
    }
    if (msg.type === 'stats' || msg.type === 'snapshot') {
      node.stats = {
        peers: msg.peers,
        mesh: msg.mesh,
        backlog: msg.backlog,
        ...(msg.outbound === undefined ? {} : { outbound: msg.outbound }),
        counters: msg.counters,
      }
      node.peakRssBytes = Math.max(node.peakRssBytes, msg.counters.rssBytes)
    } else if (msg.type === 'el') {
      node.elHead = msg.head
    } else if (msg.type === 'node-stopped') {
      node.stopped = true
      node.stats = null
      node.elHead = msg.elHead
      if (commanding?.answer === 'node-stopped') commanding.settle(msg)
    }
    modules.onMessage(node, msg)
  })

  function send(msg: ParentMessage): void {
    if (proc.connected) proc.send(msg)
  }

  function restartCommand(
    type: 'stop-node' | 'restart-node',
    answer: 'node-stopped' | 'ready',
  ): Promise<ChildMessage> {
    if (commanding !== null) {
      return Promise.reject(new Error(`node ${index} is already stopping or starting`))
    }
    if (node.exited) return Promise.reject(new Error(`node ${index} has exited`))
    if (node.stopped !== (type === 'restart-node')) {
      return Promise.reject(new Error(`node ${index} is ${node.stopped ? 'stopped' : 'running'}`))
    }
    return new Promise<ChildMessage>((resolve, reject) => {
      commanding = {
        answer,
        settle(msg) {
          commanding = null
          if (msg === null) reject(new Error(`node ${index} exited during ${type}`))
          else resolve(msg)
        },
      }
      send({ type })
    })
  }

  return {
    node,
    get connected() {
      return proc.connected
    },
    exited,
    send,
    async stopNode() {
      const msg = await restartCommand('stop-node', 'node-stopped')
      return msg.type === 'node-stopped' ? msg.elHead : null
    },
    async restartNode() {
      await restartCommand('restart-node', 'ready')
    },
    init(config, readyTimeoutMs) {
      node.road = config.road ?? 'gossip'
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          starting?.(
            new DevnetStartError(`node ${config.index} not ready after ${readyTimeoutMs} ms`),
          )
        }, readyTimeoutMs)
        starting = (err) => {
          clearTimeout(timer)
          starting = null
          if (err === null) resolve()
          else reject(err)
        }
        if (node.exited) {
          starting(new DevnetStartError(`node ${config.index} exited before start; see ${logDir}`))
          return
        }
        send({ type: 'init', config })
      })
    },
    async stop() {
      send({ type: 'stop' })
      const timeout = new Promise<void>((resolve) =>
        setTimeout(resolve, NODE_STOP_TIMEOUT_MS).unref(),
      )
      await Promise.race([exited, timeout])
      if (!node.exited) proc.kill('SIGKILL')
      await exited
    },
  }
}
