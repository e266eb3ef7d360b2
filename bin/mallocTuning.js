// Memory given back after a flood, without a page fault per message buffer. glibc's threshold is
// dynamic: it rises to the size of the largest mmapped chunk freed (up to 32 MB), after which
// multi-megabyte blocks and their copies come from the heap, a heap fragmented by a flood keeps
// its pages, and the node's RSS stayed up for good after an attack. A fixed threshold keeps
// every allocation of this size and more (big blocks, their decompressed copies) on mmap, given
// back to the kernel when freed. Not lower: the many short-lived buffers of gossip traffic (64 KB
// socket reads and noise frames, 100 KB blocks) would each be fresh mmap pages, a page fault per
// 4 KB on every message, which doubled the CPU per block on a VM. glibc reads the setting only
// when a process starts, so `op-gossip run` re-executes itself once with it (process.execve:
// same PID, no parent left behind). Measurements: docs/performance.md, "Memory after an attack"
// and "malloc's threshold".

/** MALLOC_MMAP_THRESHOLD_ for long-running node processes, bytes. */
export const MALLOC_MMAP_THRESHOLD_BYTES = 131072

/** Commands that run for hours and face untrusted peers. */
const LONG_RUNNING_COMMANDS = new Set(['run'])

/**
 * The environment to re-execute with, or null to go on as is: on Linux, for a long-running
 * command, when the user set no MALLOC_MMAP_THRESHOLD_ of their own (their value, any value,
 * wins) and did not turn it off with OP_GOSSIP_MALLOC_TUNING=0. Other C libraries (musl) ignore
 * the variable; telling them apart would cost more at every start than the one re-execution.
 */
export function mallocTunedEnv({ argv, env, platform }) {
  if (platform !== 'linux') return null
  if (!LONG_RUNNING_COMMANDS.has(argv[2] ?? '')) return null
  if (env.MALLOC_MMAP_THRESHOLD_ !== undefined || env.OP_GOSSIP_MALLOC_TUNING === '0') return null
  return { ...env, MALLOC_MMAP_THRESHOLD_: String(MALLOC_MMAP_THRESHOLD_BYTES) }
}

/** Re-executes this process with the tuned environment when mallocTunedEnv says so. */
export function tuneMalloc() {
  if (typeof process.execve !== 'function') return
  const env = mallocTunedEnv({
    argv: process.argv,
    env: process.env,
    platform: process.platform,
  })
  if (env === null) return
  process.execve(
    process.execPath,
    [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    env,
  )
}
