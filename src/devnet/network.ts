/**
 * Where devnet nodes live on the network. Two plans:
 *
 * - loopback: every node listens on 127.0.0.1 in the host's network namespace (the default).
 * - netns: every node runs in its own Linux network namespace, linked to a private bridge (in a
 *   hub namespace of its own) by a veth pair, with `tc netem` delay, jitter and loss on the
 *   node's side of the link, so each message leaving a node is delayed like a WAN hop. Only
 *   10.213.1.0/24 addresses inside the devnet's own namespaces are used; nothing touches the
 *   host's interfaces or routes. Needs root, `ip` and `tc`, and the netem qdisc in the kernel:
 *   `probeNetem()` says why not when it cannot work, and callers fall back to loopback.
 *
 * A netns plan may also hold attacker slots (`bench attack`): each attacker process in a namespace
 * of its own on the same bridge, with an address in a second subnet (10.213.2.0/24), so the nodes
 * see every attacker as a host of its own, outside the honest nodes' subnet. Both subnets are
 * on-link routes on the bridge: no router, nothing on the host.
 *
 * Namespaces are named `opg-<parent pid>-…`, removed on teardown; a later run removes those left
 * behind by a parent that was killed (its pid no longer exists).
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { OpGossipError } from '../util/errors.ts'

const exec = promisify(execFile)

/** Subnet of the devnet bridge; node i gets .(i + 1). */
export const NETNS_SUBNET_PREFIX = '10.213.1.'
export const NETNS_SUBNET_BITS = 24
/** Most nodes a netns devnet can hold (addresses .1 to .250). */
export const MAX_NETNS_NODES = 250
/** Subnet of the attackers' addresses (`bench attack`); attacker a gets .(a + 1). */
export const NETNS_ATTACKER_SUBNET_PREFIX = '10.213.2.'
/** Most attacker slots a netns plan can hold (addresses .1 to .250). */
export const MAX_NETNS_ATTACKERS = 250
/** netem queue length per node uplink, packets. */
export const NETEM_QUEUE_LIMIT_PACKETS = 100_000
/** Prefix of every namespace a devnet creates. */
export const NETNS_NAME_PREFIX = 'opg-'

export interface LinkShaping {
  /** One-way delay added to each packet a node sends, ms */
  delayMs: number
  /** Uniform jitter around the delay, ms */
  jitterMs: number
  /** Packet loss, percent (0..100) */
  lossPercent: number
}

export interface NetworkPlan {
  readonly kind: 'loopback' | 'netns'
  /** One line for the terminal */
  readonly description: string
  setup(nodes: number): Promise<void>
  /** The IP node `index` listens on */
  listenIp(index: number): string
  /** How to run node `index` (`nodeArgs` = flags and entry module for the node binary) */
  command(index: number, nodeArgs: string[]): { command: string; args: string[] }
  /** Attacker slots set up beside the nodes (`bench attack`); 0 for none */
  readonly attackers: number
  /** The IP attacker `index` connects from */
  attackerIp(index: number): string
  /** How to run attacker `index` (`nodeArgs` as in command()) */
  attackerCommand(index: number, nodeArgs: string[]): { command: string; args: string[] }
  teardown(): Promise<void>
}

/** Plan options beside the link shaping. */
export interface NetnsOptions {
  /** Attacker slots, each a namespace with its own address. @default 0 */
  attackers?: number
}

export function loopbackNetwork(): NetworkPlan {
  return {
    kind: 'loopback',
    description: 'loopback (127.0.0.1), no link shaping',
    async setup() {},
    listenIp: () => '127.0.0.1',
    command: (_index, nodeArgs) => ({ command: process.execPath, args: nodeArgs }),
    // Any number: every attacker is one more process on 127.0.0.1.
    attackers: Number.POSITIVE_INFINITY,
    attackerIp: () => '127.0.0.1',
    attackerCommand: (_index, nodeArgs) => ({ command: process.execPath, args: nodeArgs }),
    async teardown() {},
  }
}

async function run(cmd: string, args: string[]): Promise<void> {
  await exec(cmd, args, { timeout: 10_000 })
}

/** Names of existing network namespaces. */
async function listNamespaces(): Promise<string[]> {
  const { stdout } = await exec('ip', ['netns', 'list'], { timeout: 10_000 })
  return stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.length > 0)
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes `opg-<pid>-*` namespaces whose creating process is gone. Returns how many. */
export async function removeStaleNamespaces(): Promise<number> {
  let removed = 0
  for (const name of await listNamespaces()) {
    const m = /^opg-(\d+)-/.exec(name)
    if (m === null || processExists(Number(m[1]))) continue
    try {
      await run('ip', ['netns', 'del', name])
      removed++
    } catch {
      // Best effort: a namespace still there is tried again by the next run.
    }
  }
  return removed
}

/** netem arguments for `tc qdisc add … netem` */
export function netemArgs(shaping: LinkShaping): string[] {
  // netem's default queue of 1000 packets would drop a multi-megabyte burst on its own.
  const args = ['limit', String(NETEM_QUEUE_LIMIT_PACKETS), 'delay', `${shaping.delayMs}ms`]
  if (shaping.jitterMs > 0) args.push(`${shaping.jitterMs}ms`)
  if (shaping.lossPercent > 0) args.push('loss', `${shaping.lossPercent}%`)
  return args
}

/** Linux, root and the iproute2 `tools`: null when all are there, else what `feature` lacks. */
async function probeNamespaceTools(
  feature: string,
  tools: readonly string[],
): Promise<string | null> {
  if (process.platform !== 'linux') return `${feature} needs Linux network namespaces`
  if (process.getuid?.() !== 0) {
    return `${feature} needs root (network namespaces${tools.includes('tc') ? ' and tc' : ''})`
  }
  for (const tool of tools) {
    try {
      await exec(tool, ['-V'], { timeout: 5000 })
    } catch {
      return `${feature} needs the '${tool}' command (iproute2)`
    }
  }
  return null
}

/**
 * Whether unshaped network namespaces can work here (root, `ip`, a namespace can be created):
 * null when they can, else the reason (one line). Creates and deletes one probe namespace.
 */
export async function probeNetns(): Promise<string | null> {
  const missing = await probeNamespaceTools('an address per process', ['ip'])
  if (missing !== null) return missing
  return inProbeNamespace(async () => null)
}

/**
 * Whether link shaping can work here; null when it can, else the reason (one line).
 * Creates and deletes one probe namespace.
 */
export async function probeNetem(): Promise<string | null> {
  const missing = await probeNamespaceTools('link shaping', ['ip', 'tc'])
  if (missing !== null) return missing
  return inProbeNamespace(async (probe) => {
    try {
      await run('ip', [
        'netns',
        'exec',
        probe,
        'tc',
        'qdisc',
        'add',
        'dev',
        'lo',
        'root',
        'netem',
        'delay',
        '1ms',
      ])
      return null
    } catch (err) {
      return `the kernel has no netem qdisc (tc: ${firstLine(err)})`
    }
  })
}

/** Runs `check` in a new probe namespace, deleted after; the reason when none can be made. */
async function inProbeNamespace(
  check: (probe: string) => Promise<string | null>,
): Promise<string | null> {
  const probe = `${NETNS_NAME_PREFIX}${process.pid}-probe`
  try {
    await run('ip', ['netns', 'add', probe])
  } catch (err) {
    return `cannot create a network namespace: ${firstLine(err)}`
  }
  try {
    return await check(probe)
  } finally {
    // A probe left behind carries our pid: removeStaleNamespaces deletes it on a later run.
    await run('ip', ['netns', 'del', probe]).catch(() => {})
  }
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string }
  return (e.stderr?.trim() || e.message || String(err)).split('\n')[0] ?? ''
}

/**
 * One namespace per node on a private bridge, with netem shaping on each node's uplink
 * (`shaping` null: namespaces without shaping, for an address per process without delay), and
 * `opts.attackers` attacker namespaces on the same bridge in NETNS_ATTACKER_SUBNET_PREFIX
 * (shaped like the nodes: they are hosts of their own too).
 */
export function netnsNetwork(shaping: LinkShaping | null, opts: NetnsOptions = {}): NetworkPlan {
  const attackers = opts.attackers ?? 0
  const tag = `${NETNS_NAME_PREFIX}${process.pid}`
  const hub = `${tag}-hub`
  const nodeNs = (i: number) => `${tag}-n${i}`
  const attackerNs = (a: number) => `${tag}-a${a}`
  const created: string[] = []
  const link =
    shaping === null
      ? 'network namespaces on a private bridge, no shaping'
      : `network namespaces with netem: delay ${shaping.delayMs} ms, jitter ${shaping.jitterMs} ms, loss ${shaping.lossPercent}% per node uplink`
  const describe =
    attackers === 0
      ? link
      : `${link}; ${attackers} attacker${attackers === 1 ? '' : 's'} in ${NETNS_ATTACKER_SUBNET_PREFIX}0/${NETNS_SUBNET_BITS}`

  /** Removes every namespace it made; rejects naming those it could not (after trying all). */
  async function teardown(): Promise<void> {
    const failed: string[] = []
    // Deleting a namespace deletes the veth pair ends in it, and with them the pair.
    for (const name of created.splice(0).reverse()) {
      try {
        await run('ip', ['netns', 'del', name])
      } catch (err) {
        failed.push(`${name} (${firstLine(err)})`)
      }
    }
    if (failed.length > 0) {
      throw new OpGossipError(
        'DEVNET_NETNS_LEFT_BEHIND',
        `network namespaces not removed (\`ip netns del\` them): ${failed.join(', ')}`,
      )
    }
  }

  /**
   * Namespace `ns` with `address` on its eth0, whose veth peer `port` is on the hub's bridge;
   * `otherSubnet` (a /24 prefix) is routed on-link too, when the other side has hosts.
   */
  async function addHost(
    ns: string,
    port: string,
    address: string,
    otherSubnet: string | null,
  ): Promise<void> {
    await run('ip', ['netns', 'add', ns])
    created.push(ns)
    await run('ip', [
      'link',
      'add',
      'eth0',
      'netns',
      ns,
      'type',
      'veth',
      'peer',
      'name',
      port,
      'netns',
      hub,
    ])
    await run('ip', ['-n', ns, 'addr', 'add', `${address}/${NETNS_SUBNET_BITS}`, 'dev', 'eth0'])
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
    await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up'])
    if (otherSubnet !== null) {
      await run('ip', [
        '-n',
        ns,
        'route',
        'add',
        `${otherSubnet}0/${NETNS_SUBNET_BITS}`,
        'dev',
        'eth0',
      ])
    }
    await run('ip', ['-n', hub, 'link', 'set', port, 'master', 'br0'])
    await run('ip', ['-n', hub, 'link', 'set', port, 'up'])
    if (shaping !== null) {
      await run('ip', [
        'netns',
        'exec',
        ns,
        'tc',
        'qdisc',
        'add',
        'dev',
        'eth0',
        'root',
        'netem',
        ...netemArgs(shaping),
      ])
    }
  }

  const checkAttacker = (index: number) => {
    if (!Number.isInteger(index) || index < 0 || index >= attackers) {
      throw new RangeError(`no attacker slot ${index} (the plan holds ${attackers})`)
    }
  }

  return {
    kind: 'netns',
    description: describe,
    async setup(nodes) {
      if (nodes > MAX_NETNS_NODES)
        throw new RangeError(`netns devnets hold at most ${MAX_NETNS_NODES} nodes`)
      if (attackers > MAX_NETNS_ATTACKERS)
        throw new RangeError(`netns devnets hold at most ${MAX_NETNS_ATTACKERS} attackers`)
      await removeStaleNamespaces()
      try {
        await run('ip', ['netns', 'add', hub])
        created.push(hub)
        await run('ip', ['-n', hub, 'link', 'add', 'br0', 'type', 'bridge'])
        await run('ip', ['-n', hub, 'link', 'set', 'br0', 'up'])
        for (let i = 0; i < nodes; i++) {
          await addHost(
            nodeNs(i),
            `p${i}`,
            `${NETNS_SUBNET_PREFIX}${i + 1}`,
            attackers > 0 ? NETNS_ATTACKER_SUBNET_PREFIX : null,
          )
        }
        for (let a = 0; a < attackers; a++) {
          await addHost(
            attackerNs(a),
            `a${a}`,
            `${NETNS_ATTACKER_SUBNET_PREFIX}${a + 1}`,
            NETNS_SUBNET_PREFIX,
          )
        }
      } catch (err) {
        // A teardown failure joins the setup error instead of replacing it.
        const leftovers = await teardown().then(
          () => '',
          (cleanupErr: unknown) => `; ${firstLine(cleanupErr)}`,
        )
        throw new Error(`network namespace setup failed: ${firstLine(err)}${leftovers}`)
      }
    },
    listenIp: (index) => `${NETNS_SUBNET_PREFIX}${index + 1}`,
    command: (index, nodeArgs) => ({
      command: 'ip',
      args: ['netns', 'exec', nodeNs(index), process.execPath, ...nodeArgs],
    }),
    attackers,
    attackerIp: (index) => {
      checkAttacker(index)
      return `${NETNS_ATTACKER_SUBNET_PREFIX}${index + 1}`
    },
    attackerCommand: (index, nodeArgs) => {
      checkAttacker(index)
      return {
        command: 'ip',
        args: ['netns', 'exec', attackerNs(index), process.execPath, ...nodeArgs],
      }
    },
    teardown,
  }
}

/** Namespaces this process created that still exist (for tests of the cleanup). */
export async function ownNamespaces(): Promise<string[]> {
  return (await listNamespaces()).filter((n) => n.startsWith(`${NETNS_NAME_PREFIX}${process.pid}-`))
}
