/**
 * `op-gossip run` as a real process: it starts a relay node from flags and environment
 * variables, accepts a block gossiped to it by an in-process host, logs it, and stops cleanly on
 * SIGTERM. Bad flags and files give one line and exit status 2: each mistake checked in process
 * (parse, start, the failure main() prints), two of them through a real process for the wiring.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MALLOC_MMAP_THRESHOLD_BYTES } from '../../bin/mallocTuning.js'
import { serializeRollupConfig } from '../../src/chains/rollupConfig.ts'
import { describeFailure, type Failure } from '../../src/cli/failure.ts'
import { addRunOptions, type RunFlags } from '../../src/cli/run/flags.ts'
import { startNode as startRunNode } from '../../src/cli/run/lifecycle.ts'
import { parseRunFlags } from '../../src/cli/run/parse.ts'
import { silentLogger } from '../../src/util/logger.ts'
import { CLI, NODE, parseFlags, runCli } from '../utils/cli.ts'
import {
  type MeshNode,
  SEQUENCER_ADDRESS,
  startNode,
  stopAll,
  testBuilder,
  testChain,
  waitFor,
} from '../utils/mesh.ts'

const chain = testChain({
  genesis: { l2Time: 1_700_000_000, l2Number: 0, l2Hash: `0x${'11'.repeat(32)}` },
})
const signerHex = `0x${Buffer.from(SEQUENCER_ADDRESS).toString('hex')}`

describe('e2e / op-gossip run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'op-gossip-run-'))
  const rollup = join(dir, 'rollup.json')
  writeFileSync(rollup, serializeRollupConfig(chain))

  describe('a running relay', () => {
    let child: ChildProcess
    const lines: Array<Record<string, unknown>> = []
    let exit: Promise<number | null>
    let sender: MeshNode

    beforeAll(async () => {
      child = spawn(
        NODE,
        [
          CLI,
          'run',
          '--rollup.config',
          rollup,
          '--p2p.listen.ip',
          '127.0.0.1',
          '--p2p.no-discovery',
          '--p2p.scoring.ip-colocation=false',
        ],
        {
          env: {
            ...process.env,
            // Flags from the environment, as operators set them in containers.
            OP_GOSSIP_P2P_LISTEN_TCP: '0',
            OP_GOSSIP_P2P_PRIV_PATH: join(dir, 'key.txt'),
            OP_GOSSIP_P2P_UNSAFE_BLOCK_SIGNER: signerHex,
            OP_GOSSIP_LOG_FORMAT: 'json',
            OP_GOSSIP_RPC_PORT: '0',
          },
        },
      )
      exit = new Promise((resolve) => child.on('exit', resolve))
      let buffer = ''
      child.stderr?.on('data', (d) => {
        buffer += String(d)
        const parts = buffer.split('\n')
        buffer = parts.pop() ?? ''
        for (const line of parts) if (line.startsWith('{')) lines.push(JSON.parse(line))
      })
      await waitFor(
        'the node to start',
        () => lines.some((l) => l.msg === 'op-gossip node started'),
        30_000,
      )
      sender = await startNode({ chain })
    })
    afterAll(async () => {
      child.kill('SIGKILL')
      await stopAll([sender])
    })

    it('logs its peer ID and listen addresses', () => {
      const started = lines.find((l) => l.msg === 'op-gossip node started')
      expect(started?.peerId).toMatch(/^16Uiu2H/)
      const listen = started?.listen as string[]
      expect(listen[0]).toMatch(new RegExp(`^/ip4/127.0.0.1/tcp/[0-9]+/p2p/${started?.peerId}$`))
      expect(started?.chainId).toBe(901)
      expect(lines.some((l) => l.msg === 'generated a new peer key')).toBe(true)
    })

    it('runs with the malloc mmap threshold (re-executed once, same PID)', () => {
      const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0')
      expect(environ).toContain(`MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_BYTES}`)
    })

    it('relays: logs each accepted block with number, hash, peer and arrival delay', async () => {
      const started = lines.find((l) => l.msg === 'op-gossip node started')
      const listen = (started?.listen ?? []) as string[]
      await sender.host.dial(listen[0] as string)
      const topic = sender.host.topics[3] as string
      await waitFor(
        'the relay in the sender mesh',
        () => (sender.host.meshPeers()[topic]?.length ?? 0) === 1,
      )
      const block = testBuilder(chain, 41).next()
      await sender.host.publish(block)
      await waitFor('the block logged', () => lines.some((l) => l.msg === 'accepted block'), 15_000)
      const logged = lines.find((l) => l.msg === 'accepted block')
      expect(logged?.number).toBe(Number(block.blockNumber))
      expect(logged?.hash).toBe(`0x${Buffer.from(block.blockHash).toString('hex')}`)
      expect(logged?.peer).toBe(sender.host.peerId)
      expect(typeof logged?.arrivalDelayMs).toBe('number')
      // A relay: no execution client, so the line says so at once.
      expect(logged?.engine).toBe('disabled')
    })

    it('stops cleanly on SIGTERM with exit status 0', async () => {
      child.kill('SIGTERM')
      expect(await exit).toBe(0)
      expect(lines.some((l) => l.msg === 'op-gossip node stopped')).toBe(true)
    })
  })

  describe('bad flags and files: one line on stderr, exit status 2, no stack trace', () => {
    const base = [
      '--rollup.config',
      rollup,
      '--p2p.no-discovery',
      '--p2p.priv.path',
      join(dir, 'k2.txt'),
    ]
    let busy: Server
    let busyPort: number
    beforeAll(async () => {
      busy = createServer()
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
      busyPort = (busy.address() as AddressInfo).port
    })
    afterAll(() => {
      busy.close()
    })

    /** What `run ARGS` would print and exit with, in this process: parse, then start. */
    async function failureOf(args: string[], env?: Record<string, string>): Promise<Failure> {
      try {
        const settings = await parseRunFlags(await parseFlags<RunFlags>(addRunOptions, args, env))
        const node = await startRunNode(settings, silentLogger)
        await node.stop()
      } catch (err) {
        return describeFailure(err)
      }
      throw new Error(`run ${args.join(' ')} started`)
    }

    function expectOneLine(r: { status: number; text: string }, pattern: RegExp, name: string) {
      expect(r.status, name).toBe(2)
      expect(r.text.trimEnd().split('\n'), name).toHaveLength(1)
      expect(r.text, name).toMatch(/^op-gossip: /)
      expect(r.text, name).toMatch(pattern)
      expect(r.text).not.toMatch(/\n\s+at /)
    }

    it('in process: the message and exit status main() gives each mistake', async () => {
      const cases: Array<[string[], RegExp, Record<string, string>?]> = [
        [
          [...base, '--p2p.listen.tcp', '70000'],
          /--p2p\.listen\.tcp must be a whole number in \[0, 65535\]/,
        ],
        [
          [...base, '--p2p.static', '/ip4/1.2.3.4/tcp/1'],
          /expected \/ip4\|ip6\|dns\|dns4\|dns6\/<host>\/tcp\/<port>\/p2p\/<peerId>/,
        ],
        [[...base, '--p2p.scoring', 'heavy'], /Allowed choices are light, none/],
        [
          [...base, '--p2p.scoring.ip-colocation=maybe'],
          /--p2p\.scoring\.ip-colocation must be true or false/,
        ],
        [[...base, '--p2p.ban.duration', 'forever'], /--p2p\.ban\.duration: bad duration/],
        [['--rollup.config', join(dir, 'missing.json'), '--p2p.no-discovery'], /missing\.json/],
        [['--p2p.no-discovery'], /--network .* or --rollup\.config/],
        [base, /--p2p\.peers\.lo must be a whole number/, { OP_GOSSIP_P2P_PEERS_LO: 'many' }],
        [
          [
            ...base,
            '--p2p.listen.ip',
            '127.0.0.1',
            '--p2p.listen.tcp',
            String(busyPort),
            '--rpc.enabled=false',
          ],
          /cannot listen on \/ip4\/127\.0\.0\.1\/tcp\/[0-9]+: listen EADDRINUSE/,
        ],
        [
          [
            ...base,
            '--p2p.listen.ip',
            '127.0.0.1',
            '--p2p.listen.tcp',
            '0',
            '--rpc.port',
            String(busyPort),
          ],
          /^op-gossip: --rpc\.port: cannot listen on 127\.0\.0\.1:[0-9]+: EADDRINUSE$/m,
        ],
        [[...base, '--rpc.addr', 'localhost:1'], /--rpc\.addr must be an IP address/],
        [[...base, '--l2', 'http://127.0.0.1:1'], /--l2 needs --l2\.jwt-secret FILE/],
      ]
      for (const [args, pattern, env] of cases) {
        expectOneLine(await failureOf(args, env), pattern, args.join(' '))
      }
    })

    it('as a real process: a flag from the environment and a port in use at start', async () => {
      const [fromEnv, portInUse] = await Promise.all([
        runCli(['run', ...base], { env: { OP_GOSSIP_P2P_PEERS_LO: 'many' } }),
        runCli([
          'run',
          ...base,
          '--p2p.listen.ip',
          '127.0.0.1',
          '--p2p.listen.tcp',
          '0',
          '--rpc.port',
          String(busyPort),
          '--log.level',
          'silent',
        ]),
      ])
      for (const [r, pattern] of [
        [fromEnv, /--p2p\.peers\.lo must be a whole number/],
        [portInUse, /^op-gossip: --rpc\.port: cannot listen on 127\.0\.0\.1:[0-9]+: EADDRINUSE$/m],
      ] as const) {
        expectOneLine({ status: r.code ?? -1, text: r.stderr }, pattern, r.stderr)
      }
    })
  })
})
