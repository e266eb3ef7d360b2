/**
 * `op-gossip devnet`: a local devnet on this machine (a block-producing sequencer and N follower
 * processes finding each other through the DHT), shown live in the terminal until Ctrl-C.
 * `npm start` runs it with the defaults.
 */
import { cpus, release } from 'node:os'
import { type Command, Option } from 'commander'
import {
  DEFAULT_DEVNET_BLOCK_TIME_SECONDS,
  DEFAULT_DEVNET_DIR,
  DEFAULT_DEVNET_FOLLOWERS,
  DEFAULT_DEVNET_TX_COUNT,
  type Devnet,
  MAX_DEVNET_FOLLOWERS,
  startDevnet,
} from '../../devnet/devnet.ts'
import { REDIS_SERVER_INSTALL_HINT, redisServerAvailable } from '../../devnet/devnetRedis.ts'
import {
  type FollowerRestartPlan,
  MAX_RESTART_PLAN_BLOCKS,
  scheduleFollowerRestart,
} from '../../devnet/followerRestart.ts'
import type { BlockSize } from '../../devnet/ipcProtocol.ts'
import {
  BlockProgress,
  type BlockReport,
  blockReportJson,
  formatBlockLine,
  formatFollowerLine,
  formatMeshLine,
  formatRoadsLine,
} from '../../devnet/liveView.ts'
import { blocksTopic, blockVersionAt } from '../../wire/topics.ts'
import {
  addNetworkOptions,
  addNodeLogOptions,
  type NetworkFlags,
  parseLinkShaping,
  parseMesh,
  parseNodeLogLevel,
  resolveNetwork,
} from '../devnetFlags.ts'
import { checkDirectoryFlag } from '../flagValues.ts'
import type { LogFlagValues } from '../logFlags.ts'
import { parseIntegerFlag } from '../numberFlags.ts'
import { UsageError } from '../usageError.ts'

/** Largest block the devnet builds on request (the gossip limit is 10 MiB). */
export const MAX_DEVNET_BLOCK_BYTES = 9_000_000
/** How often the peers / mesh line is printed. */
export const MESH_LINE_INTERVAL_MS = 10_000
/** How long the mesh may take before the devnet says so (it keeps running). */
const MESH_WAIT_MS = 30_000
/** Most transactions per block `--txs` takes. */
export const MAX_DEVNET_TX_COUNT = 10_000
/** Longest `--block-time`, seconds. */
export const MAX_DEVNET_BLOCK_TIME_SECONDS = 3600
/** @default blocks before `--restart-follower` stops its follower */
export const DEFAULT_RESTART_AFTER_BLOCKS = 10
/** @default blocks the follower stays down */
export const DEFAULT_DOWN_BLOCKS = 30

interface DevnetFlags extends NetworkFlags, LogFlagValues {
  nodes: string
  blockTime: string
  txs: string
  blockBytes?: string
  dir: string
  withEl?: boolean
  gapFill?: 'el' | 'rpc'
  blocks?: string
  json?: boolean
  restartFollower?: string
  restartAfterBlocks: string
  downBlocks: string
  redis?: boolean
}

/** The follower restart of --restart-follower, or null without it. */
export function parseRestartPlan(
  flags: Pick<DevnetFlags, 'restartFollower' | 'restartAfterBlocks' | 'downBlocks' | 'withEl'>,
  followers: number,
): FollowerRestartPlan | null {
  if (flags.restartFollower === undefined) return null
  if (flags.withEl !== true) {
    throw new UsageError('--restart-follower needs --with-el (catch-up is an EL head)', {
      flag: '--restart-follower',
    })
  }
  return {
    follower: parseIntegerFlag('--restart-follower', flags.restartFollower, 1, followers),
    afterBlocks: parseIntegerFlag(
      '--restart-after-blocks',
      flags.restartAfterBlocks,
      1,
      MAX_RESTART_PLAN_BLOCKS,
    ),
    downBlocks: parseIntegerFlag('--down-blocks', flags.downBlocks, 1, MAX_RESTART_PLAN_BLOCKS),
  }
}

/** Block size from --txs / --block-bytes (the latter wins). */
export function parseBlockSize(flags: { txs: string; blockBytes?: string }): BlockSize {
  if (flags.blockBytes !== undefined) {
    return {
      blockBytes: parseIntegerFlag('--block-bytes', flags.blockBytes, 1000, MAX_DEVNET_BLOCK_BYTES),
    }
  }
  return { txCount: parseIntegerFlag('--txs', flags.txs, 0, MAX_DEVNET_TX_COUNT) }
}

function out(line: string): void {
  console.log(line)
}

async function run(flags: DevnetFlags): Promise<void> {
  if (flags.gapFill !== undefined && flags.withEl !== true) {
    throw new UsageError('--gap-fill needs --with-el (it says how the el-sims close gaps)', {
      flag: '--gap-fill',
    })
  }
  if (flags.redis === true && !redisServerAvailable()) {
    throw new UsageError(`needs redis-server: ${REDIS_SERVER_INSTALL_HINT}`, { flag: '--redis' })
  }
  const followers = parseIntegerFlag('--nodes', flags.nodes, 1, MAX_DEVNET_FOLLOWERS)
  const blockTime = parseIntegerFlag(
    '--block-time',
    flags.blockTime,
    1,
    MAX_DEVNET_BLOCK_TIME_SECONDS,
  )
  const size = parseBlockSize(flags)
  const restartPlan = parseRestartPlan(flags, followers)
  const mesh = parseMesh(flags)
  const maxBlocks =
    flags.blocks === undefined ? null : parseIntegerFlag('--blocks', flags.blocks, 1)
  const logLevel = parseNodeLogLevel(flags)
  const dir = checkDirectoryFlag('--dir', flags.dir)
  const json = flags.json === true
  const say = (line: string) => {
    if (json) out(JSON.stringify({ type: 'info', message: line }))
    else out(line)
  }
  const network = await resolveNetwork(parseLinkShaping(flags), (line) =>
    json ? out(JSON.stringify({ type: 'warning', message: line })) : console.error(line),
  )

  say(
    `starting a devnet: sequencer + ${followers} followers, ${blockTime} s blocks, ${network.description} (${cpus().length} cores, Linux ${release()})`,
  )
  const t0 = Date.now()
  const devnet: Devnet = await startDevnet({
    followers,
    blockTimeSeconds: blockTime,
    dir,
    withEl: flags.withEl === true,
    ...(flags.gapFill === undefined ? {} : { gapFill: flags.gapFill }),
    mesh,
    network,
    logLevel,
    transport: flags.redis === true ? 'both' : 'gossip',
  })
  const topic = blocksTopic(
    devnet.chain.chainId,
    blockVersionAt(devnet.chain, Math.floor(Date.now() / 1000)),
  )
  if (json) {
    out(
      JSON.stringify({
        type: 'ready',
        dir: devnet.dir,
        bootnode: devnet.bootnode,
        signer: devnet.signer,
        chainId: devnet.chain.chainId,
        topic,
        nodes: [devnet.sequencer, ...devnet.followers].map((n) => ({
          index: n.index,
          role: n.role,
          peerId: n.peerId,
          pid: n.pid,
          elUrl: n.elUrl,
          road: n.road,
        })),
        ...(devnet.redisUrl === null ? {} : { redisUrl: devnet.redisUrl }),
        startMs: Date.now() - t0,
      }),
    )
  } else {
    out(`${1 + followers} nodes up in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    out(`  chain ${devnet.chain.chainId}, topic ${topic}, unsafe-block signer ${devnet.signer}`)
    out(`  bootnode ${devnet.bootnode}`)
    if (devnet.redisUrl !== null) {
      out(`  redis-server ${devnet.redisUrl} · ${formatRoadsLine(devnet.followers)}`)
    }
    out(`  rollup.json, keys, peers and logs in ${devnet.dir}/ (see ${devnet.dir}/JOIN.md)`)
  }

  let stopping = false
  let resolveDone: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve
  })
  const stop = async (why: string) => {
    if (stopping) return
    stopping = true
    say(`stopping (${why})`)
    devnet.pause()
    await devnet.stop()
    resolveDone()
  }
  const onSigint = () => {
    if (stopping) process.exit(130)
    void stop('Ctrl-C')
  }
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigint)

  devnet.events.on('problem', ({ message }) => {
    if (json) out(JSON.stringify({ type: 'problem', message }))
    else console.error(`! ${message}`)
  })

  devnet.events.on('refused', ({ node, verdict, reason, count }) => {
    if (json) out(JSON.stringify({ type: 'refused', node: node.index, verdict, reason, count }))
    else console.error(`! node ${node.index}: ${verdict} ${reason}`)
  })
  if (flags.withEl === true) {
    const heads = new Map<number, number>()
    devnet.events.on('el', ({ node, head, status }) => {
      if (heads.get(node.index) === head) return
      heads.set(node.index, head)
      if (json) out(JSON.stringify({ type: 'el', node: node.index, head, status }))
    })
  }

  const followerLine = (line: Parameters<typeof formatFollowerLine>[0]) =>
    out(json ? JSON.stringify(line) : formatFollowerLine(line))
  devnet.events.on('follower-stopped', (e) => followerLine({ type: 'follower-stopped', ...e }))
  devnet.events.on('follower-restarted', (e) => followerLine({ type: 'follower-restarted', ...e }))
  devnet.events.on('follower-caught-up', (e) => followerLine({ type: 'follower-caught-up', ...e }))
  if (restartPlan !== null) scheduleFollowerRestart(devnet, restartPlan)

  const progress = new BlockProgress(followers)
  let published = 0
  let reported = 0
  const report = (r: BlockReport) => {
    reported++
    if (json) out(JSON.stringify({ type: 'block', ...blockReportJson(r) }))
    else out(formatBlockLine(r))
    if (maxBlocks !== null && reported >= maxBlocks) void stop(`${maxBlocks} blocks done`)
  }
  devnet.events.on('published', (p) => {
    if (stopping) return
    published++
    for (const r of progress.onPublished(p)) report(r)
  })
  devnet.events.on('block', ({ node, block }) => {
    const r = progress.onArrival(node.index, block.blockHash, block.firstSeenMs)
    if (r !== null && !stopping) report(r)
  })
  const overdueTimer = setInterval(() => {
    if (stopping) return
    for (const r of progress.flushOverdue(Date.now(), blockTime * 2000)) report(r)
  }, 500)
  const meshTimer = setInterval(() => {
    if (!stopping && !json) out(formatMeshLine([devnet.sequencer, ...devnet.followers]))
  }, MESH_LINE_INTERVAL_MS)

  // Blocks start once the mesh is up, so the first ones reach everybody.
  const meshed = await devnet.waitForMesh(MESH_WAIT_MS)
  if (!stopping) {
    if (json) out(JSON.stringify({ type: 'mesh', ok: meshed, elapsedMs: Date.now() - t0 }))
    else {
      out(
        `${meshed ? 'mesh formed' : 'mesh still forming'} after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${formatMeshLine([devnet.sequencer, ...devnet.followers])}`,
      )
    }
    devnet.produce(size)
  }

  await done
  clearInterval(overdueTimer)
  clearInterval(meshTimer)
  process.off('SIGINT', onSigint)
  process.off('SIGTERM', onSigint)
  if (json) out(JSON.stringify({ type: 'stopped', published, reported }))
  else out(`stopped after ${published} blocks`)
}

export function register(program: Command): void {
  const cmd = program
    .command('devnet')
    .description(
      'run a local devnet: a sequencer publishing signed blocks and follower processes (DHT discovery), live until Ctrl-C',
    )
    .option('--nodes <n>', 'follower nodes, each its own process', String(DEFAULT_DEVNET_FOLLOWERS))
    .option(
      '--block-time <seconds>',
      'seconds between blocks',
      String(DEFAULT_DEVNET_BLOCK_TIME_SECONDS),
    )
    .option(
      '--txs <n>',
      'EIP-1559 transactions per block (besides the L1-info deposit)',
      String(DEFAULT_DEVNET_TX_COUNT),
    )
    .option(
      '--block-bytes <n>',
      'fill blocks with transactions up to this decompressed size instead',
    )
    .option('--dir <path>', 'where rollup.json, keys, peer list and logs go', DEFAULT_DEVNET_DIR)
    .option('--with-el', 'run an el-sim (Engine API) behind every node')
    .addOption(
      new Option(
        '--gap-fill <mode>',
        "with --with-el: el = followers' ELs sync gaps from the sequencer's; rpc = they have no peers and fill gaps from it as backup RPC (--l2.backup-unsafe-sync-rpc)",
      ).choices(['el', 'rpc']),
    )
    .option('--blocks <n>', 'stop after this many blocks (default: run until Ctrl-C)')
    .option('--json', 'one JSON object per line instead of the live view')
    .option(
      '--restart-follower <n>',
      "with --with-el: stop follower n's node (its el-sim keeps its chain), restart it, and time its catch-up",
    )
    .option(
      '--restart-after-blocks <n>',
      'with --restart-follower: blocks before it stops',
      String(DEFAULT_RESTART_AFTER_BLOCKS),
    )
    .option(
      '--down-blocks <n>',
      'with --restart-follower: blocks published while it is down',
      String(DEFAULT_DOWN_BLOCKS),
    )
    .option(
      '--redis',
      'start a redis-server in --dir and mix the roads: Redis-only followers, one gossip follower publishing to Redis (docs/redis.md)',
    )
  addNodeLogOptions(cmd, { dashedAlias: true })
  addNetworkOptions(cmd)
  cmd.action((flags: DevnetFlags) => run(flags))
}
