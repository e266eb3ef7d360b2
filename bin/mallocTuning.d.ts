/** MALLOC_MMAP_THRESHOLD_ for long-running node processes, bytes (see mallocTuning.js). */
export declare const MALLOC_MMAP_THRESHOLD_BYTES: number
/** The environment `op-gossip` re-executes itself with, or null to go on as is. */
export declare function mallocTunedEnv(opts: {
  argv: readonly string[]
  env: Record<string, string | undefined>
  platform: string
}): Record<string, string | undefined> | null
/** Re-executes this process with the tuned environment when mallocTunedEnv says so. */
export declare function tuneMalloc(): void
