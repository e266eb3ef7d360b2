/**
 * `--l2.gap-fill` and `--l2.el-sync.patience`: who closes gaps and when. A module with no imports,
 * so the flag table can read it without loading the engine.
 */

/** el = the EL's own sync only; el-then-rpc = the backup RPC once EL sync stalls; rpc = at once. */
export const GAP_FILL_MODES = ['el', 'el-then-rpc', 'rpc'] as const
export type GapFillMode = (typeof GAP_FILL_MODES)[number]

/** EL sync without progress this long hands the gap to the backup RPC (el-then-rpc). */
export const DEFAULT_EL_SYNC_PATIENCE_MS = 30_000
