/**
 * A netns plan with attacker slots set up for real (root and `ip` needed; CI runs as root): a
 * TCP server in a node's namespace sees each attacker connect from the attacker's own address
 * (10.213.2.x), honest nodes still reach each other, teardown removes every namespace, and the
 * namespaces of a parent that died are removed by the next setup.
 */
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type NetworkPlan,
  netnsNetwork,
  ownNamespaces,
  probeNetns,
} from '../../src/devnet/network.ts'

const exec = promisify(execFile)

async function hasIp(): Promise<boolean> {
  return exec('ip', ['-V']).then(
    () => true,
    () => false,
  )
}
const skipReason =
  process.getuid?.() !== 0 ? 'not root' : !(await hasIp()) ? "no 'ip' command" : null
if (skipReason !== null) console.warn(`skipping the netns attacker plan tests: ${skipReason}`)

const PORT = 19_555
/** Answers every connection with the address it came from, then closes it. */
const SERVER = `const s=require('node:net').createServer((c)=>c.end(c.remoteAddress));s.listen(${PORT},process.argv[1],()=>process.stdout.write('up\\n'))`
/** Prints what the server answered. */
const CLIENT = `const c=require('node:net').connect(${PORT},process.argv[1]);let t='';c.on('data',(d)=>{t+=d});c.on('end',()=>process.stdout.write(t))`

/** Starts the address-echo server inside node `index`'s namespace; resolves once it listens. */
async function startEchoServer(plan: NetworkPlan, index: number) {
  const { command, args } = plan.command(index, ['-e', SERVER, plan.listenIp(index)])
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    proc.stdout.once('data', () => resolve())
    proc.once('exit', (code) => reject(new Error(`echo server exited (${code})`)))
  })
  return proc
}

/** What the echo server answered to the client process `launch` describes (its source address). */
async function remoteAddressSeen(launch: { command: string; args: string[] }): Promise<string> {
  const { stdout } = await exec(launch.command, launch.args, { timeout: 10_000 })
  return stdout
}

let plan: NetworkPlan | null = null
afterEach(async () => {
  await plan?.teardown()
  plan = null
})

describe.skipIf(skipReason !== null)('e2e / netns plan with attackers', () => {
  it('gives each attacker its own address, reaches the nodes and tears everything down', async () => {
    expect(await probeNetns()).toBeNull()
    plan = netnsNetwork(null, { attackers: 2 })
    await plan.setup(2)
    expect((await ownNamespaces()).sort()).toEqual(
      ['hub', 'n0', 'n1', 'a0', 'a1'].map((s) => `opg-${process.pid}-${s}`).sort(),
    )
    const servers = [await startEchoServer(plan, 0), await startEchoServer(plan, 1)]
    try {
      const p = plan
      const fromAttacker = (a: number, node: number) =>
        remoteAddressSeen(p.attackerCommand(a, ['-e', CLIENT, p.listenIp(node)]))
      expect(await fromAttacker(0, 1)).toBe('10.213.2.1')
      expect(await fromAttacker(1, 0)).toBe('10.213.2.2')
      // Honest nodes dial each other's addresses, as before.
      expect(await remoteAddressSeen(p.command(0, ['-e', CLIENT, p.listenIp(1)]))).toBe(
        '10.213.1.1',
      )
    } finally {
      for (const s of servers) s.kill('SIGKILL')
    }
    await plan.teardown()
    plan = null
    expect(await ownNamespaces()).toEqual([])
  })

  it("removes a dead parent's attacker namespaces at the next setup", async () => {
    // No process has this pid (above Linux's largest pid_max).
    const stale = 'opg-4194305-a0'
    await exec('ip', ['netns', 'add', stale])
    try {
      plan = netnsNetwork(null, { attackers: 1 })
      await plan.setup(1)
      const { stdout } = await exec('ip', ['netns', 'list'])
      expect(stdout).not.toContain(stale)
    } finally {
      await exec('ip', ['netns', 'del', stale]).catch(() => {})
    }
  })
})
