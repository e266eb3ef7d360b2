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
  teardown(): Promise<void>
}

export function loopbackNetwork(): NetworkPlan {
  return {
    kind: 'loopback',
    description: 'loopback (127.0.0.1), no link shaping',
    async setup() {},
    listenIp: () => '127.0.0.1',
    command: (_index, nodeArgs) => ({ command: process.execPath, args: nodeArgs }),
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

/**
 * Whether link shaping can work here; null when it can, else the reason (one line).
 * Creates and deletes one probe namespace.
 */
export async function probeNetem(): Promise<string | null> {
  if (process.platform !== 'linux') return 'link shaping needs Linux network namespaces'
  if (process.getuid?.() !== 0) return 'link shaping needs root (network namespaces and tc)'
  for (const tool of ['ip', 'tc']) {
    try {
      await exec(tool, ['-V'], { timeout: 5000 })
    } catch {
      return `link shaping needs the '${tool}' command (iproute2)`
    }
  }
  const probe = `${NETNS_NAME_PREFIX}${process.pid}-probe`
  try {
    await run('ip', ['netns', 'add', probe])
  } catch (err) {
    return `cannot create a network namespace: ${firstLine(err)}`
  }
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
 * (`shaping` null: namespaces without shaping, to test the plumbing where netem is missing).
 */
export function netnsNetwork(shaping: LinkShaping | null): NetworkPlan {
  const tag = `${NETNS_NAME_PREFIX}${process.pid}`
  const hub = `${tag}-hub`
  const nodeNs = (i: number) => `${tag}-n${i}`
  const created: string[] = []
  const describe =
    shaping === null
      ? 'network namespaces on a private bridge, no shaping'
      : `network namespaces with netem: delay ${shaping.delayMs} ms, jitter ${shaping.jitterMs} ms, loss ${shaping.lossPercent}% per node uplink`

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

  return {
    kind: 'netns',
    description: describe,
    async setup(nodes) {
      if (nodes > MAX_NETNS_NODES)
        throw new RangeError(`netns devnets hold at most ${MAX_NETNS_NODES} nodes`)
      await removeStaleNamespaces()
      try {
        await run('ip', ['netns', 'add', hub])
        created.push(hub)
        await run('ip', ['-n', hub, 'link', 'add', 'br0', 'type', 'bridge'])
        await run('ip', ['-n', hub, 'link', 'set', 'br0', 'up'])
        for (let i = 0; i < nodes; i++) {
          const ns = nodeNs(i)
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
            `p${i}`,
            'netns',
            hub,
          ])
          await run('ip', [
            '-n',
            ns,
            'addr',
            'add',
            `${NETNS_SUBNET_PREFIX}${i + 1}/${NETNS_SUBNET_BITS}`,
            'dev',
            'eth0',
          ])
          await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
          await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up'])
          await run('ip', ['-n', hub, 'link', 'set', `p${i}`, 'master', 'br0'])
          await run('ip', ['-n', hub, 'link', 'set', `p${i}`, 'up'])
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
    teardown,
  }
}

/** Namespaces this process created that still exist (for tests of the cleanup). */
export async function ownNamespaces(): Promise<string[]> {
  return (await listNamespaces()).filter((n) => n.startsWith(`${NETNS_NAME_PREFIX}${process.pid}-`))
}
