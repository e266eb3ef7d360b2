import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['test/globalSetup.ts'],
    // Node processes the tests start (devnets, `op-gossip run`) skip the start-up warm-up (about
    // half a second of CPU each); test/unit/gossip/warmUp.test.ts and warmUpFlag.test.ts test it.
    env: { OP_GOSSIP_P2P_WARMUP: 'false' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          pool: 'threads',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
