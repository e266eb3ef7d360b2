/**
 * The options of `bench recovery` (recoveryBench.ts), in a module with no imports so the CLI can
 * register the command without loading the engine.
 */

export const RECOVERY_MECHANISMS = ['el-sync', 'backup-rpc', 'redis'] as const
export type RecoveryMechanism = (typeof RECOVERY_MECHANISMS)[number]

/** Blocks the follower missed while stopped. */
export const DEFAULT_RECOVERY_GAP_BLOCKS = 50
/** Largest gap the bench builds (blocks are built in memory up front). */
export const MAX_RECOVERY_GAP_BLOCKS = 10_000
/** Sequencer block interval while the follower is back (the next block points the EL). */
export const DEFAULT_RECOVERY_BLOCK_INTERVAL_MS = 250
