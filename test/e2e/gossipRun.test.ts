/**
 * `op-gossip run` as a real process: it starts a relay node from flags and environment
 * variables, accepts a block gossiped to it by an in-process host, logs it, and stops cleanly on
 * SIGTERM. Bad flags and files give one line and exit status 2.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serializeRollupConfig } from '../../src/chains/rollupConfig.ts'
import { CLI, NODE, runCli } from '../utils/cli.ts'
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

  it('bad flags and files: one line on stderr, exit status 2, no stack trace', async () => {
    const busy = createServer()
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
    const busyPort = (busy.address() as AddressInfo).port
    const base = [
      '--rollup.config',
      rollup,
      '--p2p.no-discovery',
      '--p2p.priv.path',
      join(dir, 'k2.txt'),
    ]
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
          '--log.level',
          'silent',
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
          '--log.level',
          'silent',
        ],
        /^op-gossip: --rpc\.port: cannot listen on 127\.0\.0\.1:[0-9]+: EADDRINUSE$/m,
      ],
      [[...base, '--rpc.addr', 'localhost:1'], /--rpc\.addr must be an IP address/],
      [[...base, '--l2', 'http://127.0.0.1:1'], /--l2 needs --l2\.jwt-secret FILE/],
    ]
    const results = await Promise.all(
      cases.map(([args, , env]) => runCli(['run', ...args], { env })),
    )
    busy.close()
    for (const [i, r] of results.entries()) {
      const [args, pattern] = cases[i] as (typeof cases)[number]
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1)
      expect(r.stderr, args.join(' ')).toMatch(/^op-gossip: /)
      expect(r.stderr, args.join(' ')).toMatch(pattern)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })
})
