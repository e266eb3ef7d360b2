/**
 * `devnet --with-el --gap-fill rpc`: the sequencer's el-sim serves eth_* without a JWT, and the
 * followers' el-sims have no peers and use it as their backup RPC (the Engine driver's
 * `--l2.backup-unsafe-sync-rpc` with `--l2.gap-fill rpc`).
 */
import { describe, expect, it } from 'vitest'
import { planDevnet } from '../../../src/devnet/devnetPlan.ts'
import { devnetNodeOptions } from '../../../src/devnet/nodeRunner.ts'

const MESH = { d: 8, lo: 6, hi: 12 }
const RUNNING = {
  bootnode: '/ip4/127.0.0.1/tcp/1/p2p/x',
  elUpstream: 'http://127.0.0.1:8551',
  elBackupRpc: 'http://127.0.0.1:8545',
}

describe('devnet / plan: --gap-fill', () => {
  it('rpc: the sequencer serves eth_*, followers fill gaps from it and have no upstream', async () => {
    const plan = await planDevnet({
      followers: 1,
      blockTimeSeconds: 1,
      mesh: MESH,
      withEl: true,
      gapFill: 'rpc',
    })
    expect(plan.nodeConfig(0, '127.0.0.1', RUNNING).el).toMatchObject({
      upstream: null,
      serveHttp: true,
    })
    const follower = plan.nodeConfig(1, '127.0.0.1', RUNNING)
    expect(follower.el).toMatchObject({ upstream: null, backupRpc: RUNNING.elBackupRpc })
    expect(devnetNodeOptions(follower, 'http://127.0.0.1:9551').engine).toMatchObject({
      engineUrl: 'http://127.0.0.1:9551',
      backupUnsafeSyncRpcUrl: RUNNING.elBackupRpc,
      gapFill: 'rpc',
    })
  })

  it('el (the default): followers sync from the sequencer el-sim as before, no backup RPC', async () => {
    const plan = await planDevnet({ followers: 1, blockTimeSeconds: 1, mesh: MESH, withEl: true })
    expect(plan.nodeConfig(0, '127.0.0.1', RUNNING).el).toMatchObject({ serveHttp: false })
    const follower = plan.nodeConfig(1, '127.0.0.1', RUNNING)
    expect(follower.el).toEqual({ jwtSecret: plan.jwtSecret, upstream: RUNNING.elUpstream })
    expect(devnetNodeOptions(follower, 'http://127.0.0.1:9551').engine).not.toHaveProperty(
      'backupUnsafeSyncRpcUrl',
    )
  })
})
