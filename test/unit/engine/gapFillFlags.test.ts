/**
 * The gap-fill flags of `run`: op-node's names (`--l2.backup-unsafe-sync-rpc[.trustrpc]`), our
 * `--l2.el-sync.patience` and `--l2.gap-fill`, their defaults, environment variables and the
 * one-line configuration errors (exit status 2).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeFailure } from '../../../src/cli/failure.ts'
import { addRunOptions, type RunFlags } from '../../../src/cli/run/flags.ts'
import { parseRunFlags } from '../../../src/cli/run/parse.ts'
import { gapFillModeOf } from '../../../src/engine/engineDriver.ts'
import { DEFAULT_EL_SYNC_PATIENCE_MS } from '../../../src/engine/gapFill/gapFillMode.ts'
import { parseFlags } from '../../utils/cli.ts'

const dir = mkdtempSync(join(tmpdir(), 'gap-fill-flags-'))
const JWT_FILE = join(dir, 'jwt.hex')
writeFileSync(JWT_FILE, '22'.repeat(32))
const EL = ['--l2', 'http://127.0.0.1:8551', '--l2.jwt-secret', JWT_FILE]
const RPC = 'http://127.0.0.1:8545'

const settings = async (args: string[], env: Record<string, string> = {}) =>
  parseRunFlags(
    await parseFlags<RunFlags>(
      addRunOptions, // with op-node's OP_NODE_* variables
      ['--network', 'op-sepolia', ...args],
      env,
    ),
  )
const engineOf = async (args: string[], env: Record<string, string> = {}) => {
  const { chain, node } = await settings(args, env)
  return { ...node.engine!, chain }
}

async function failureOf(args: string[]) {
  try {
    await settings(args)
  } catch (err) {
    return describeFailure(err)
  }
  throw new Error(`run ${args.join(' ')} parsed without an error`)
}

describe('engine / gap-fill flags', () => {
  it('defaults: el without a backup RPC; el-then-rpc, hash checks and 30 s patience with one', async () => {
    const plain = await engineOf(EL)
    expect(gapFillModeOf(plain)).toBe('el')
    expect(plain.elSyncPatienceMs).toBe(DEFAULT_EL_SYNC_PATIENCE_MS)
    const backup = await engineOf([...EL, '--l2.backup-unsafe-sync-rpc', RPC])
    expect(backup).toMatchObject({
      backupUnsafeSyncRpcUrl: RPC,
      backupUnsafeSyncRpcTrust: false,
      elSyncPatienceMs: 30_000,
    })
    expect(gapFillModeOf(backup)).toBe('el-then-rpc')
  })

  it('every flag as given, and from OP_GOSSIP_* and op-node’s OP_NODE_* variables', async () => {
    const given = await engineOf([
      ...EL,
      '--l2.backup-unsafe-sync-rpc',
      RPC,
      '--l2.backup-unsafe-sync-rpc.trustrpc',
      '--l2.el-sync.patience',
      '5s',
      '--l2.gap-fill',
      'rpc',
    ])
    expect(given).toMatchObject({
      backupUnsafeSyncRpcTrust: true,
      elSyncPatienceMs: 5_000,
      gapFill: 'rpc',
    })
    const ours = await engineOf(EL, {
      OP_GOSSIP_L2_BACKUP_UNSAFE_SYNC_RPC: RPC,
      OP_GOSSIP_L2_GAP_FILL: 'el',
    })
    expect(ours).toMatchObject({ backupUnsafeSyncRpcUrl: RPC, gapFill: 'el' })
    const opNode = await engineOf(EL, {
      OP_NODE_L2_BACKUP_UNSAFE_SYNC_RPC: RPC,
      OP_NODE_L2_BACKUP_UNSAFE_SYNC_RPC_TRUST_RPC: 'true',
    })
    expect(opNode).toMatchObject({ backupUnsafeSyncRpcUrl: RPC, backupUnsafeSyncRpcTrust: true })
  })

  it('rpc or el-then-rpc without a backup RPC: one line, exit status 2', async () => {
    for (const mode of ['rpc', 'el-then-rpc']) {
      expect(await failureOf([...EL, '--l2.gap-fill', mode])).toEqual({
        status: 2,
        text: `op-gossip: --l2.gap-fill ${mode} needs --l2.backup-unsafe-sync-rpc URL\n`,
      })
    }
    expect((await failureOf(['--l2.gap-fill', 'rpc'])).status).toBe(2) // even without --l2
    expect((await failureOf([...EL, '--l2.gap-fill', 'sometimes'])).status).toBe(2)
    expect(
      await failureOf(['--l2.backup-unsafe-sync-rpc', RPC, '--l2.admin-rpc', RPC]),
    ).toMatchObject({ status: 2, text: expect.stringContaining('needs --l2') })
    expect((await failureOf([...EL, '--l2.backup-unsafe-sync-rpc', 'ftp://x'])).text).toContain(
      '--l2.backup-unsafe-sync-rpc must be an http:// or https:// URL',
    )
    expect((await failureOf([...EL, '--l2.el-sync.patience', 'soon'])).status).toBe(2)
  })
})
