import { describe, expect, it } from 'vitest'
import { MALLOC_MMAP_THRESHOLD_BYTES, mallocTunedEnv } from '../../../bin/mallocTuning.js'

const argv = (...args: string[]) => ['/usr/bin/node', '/x/bin/op-gossip.js', ...args]

describe('bin / malloc tuning for long-running commands', () => {
  it('re-executes `run` on Linux with the mmap threshold, keeping the rest of the environment', () => {
    const env = mallocTunedEnv({
      argv: argv('run', '--network', 'op-sepolia'),
      env: { A: '1' },
      platform: 'linux',
    })
    expect(env).toEqual({ A: '1', MALLOC_MMAP_THRESHOLD_: String(MALLOC_MMAP_THRESHOLD_BYTES) })
    expect(MALLOC_MMAP_THRESHOLD_BYTES).toBe(131072)
  })

  it('leaves short commands, other systems, a user value and the opt-out alone', () => {
    expect(
      mallocTunedEnv({ argv: argv('bench', 'validate'), env: {}, platform: 'linux' }),
    ).toBeNull()
    expect(mallocTunedEnv({ argv: argv(), env: {}, platform: 'linux' })).toBeNull()
    expect(mallocTunedEnv({ argv: argv('run'), env: {}, platform: 'darwin' })).toBeNull()
    expect(
      mallocTunedEnv({
        argv: argv('run'),
        env: { MALLOC_MMAP_THRESHOLD_: '65536' },
        platform: 'linux',
      }),
    ).toBeNull()
    expect(
      mallocTunedEnv({
        argv: argv('run'),
        env: { OP_GOSSIP_MALLOC_TUNING: '0' },
        platform: 'linux',
      }),
    ).toBeNull()
    // A tuned environment asks for nothing more: the re-executed process goes on.
    const tuned = mallocTunedEnv({ argv: argv('run'), env: {}, platform: 'linux' })
    expect(mallocTunedEnv({ argv: argv('run'), env: tuned ?? {}, platform: 'linux' })).toBeNull()
  })
})
