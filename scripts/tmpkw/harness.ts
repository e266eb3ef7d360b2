/** Many short samples; returns min and median microseconds per call. */
export function bench(fn: () => void, targetSampleMs = 1, samples = 150): { min: number; med: number } {
  let iters = 1
  for (;;) {
    const t = performance.now(); for (let i = 0; i < iters; i++) fn(); const ms = performance.now() - t
    if (ms > targetSampleMs / 2) { iters = Math.max(1, Math.round(iters * targetSampleMs / ms)); break }
    iters *= 2
  }
  for (let i = 0; i < iters * 5; i++) fn()
  const r: number[] = []
  for (let s = 0; s < samples; s++) { const t = performance.now(); for (let i = 0; i < iters; i++) fn(); r.push((performance.now() - t) * 1000 / iters) }
  r.sort((a, b) => a - b)
  return { min: Math.round(r[0]! * 100) / 100, med: Math.round(r[samples >> 1]! * 100) / 100 }
}
/** CPU time (user+system, whole process) per call in microseconds: min and median of samples. */
export function benchCpu(fn: () => void, iters: number, samples: number): { min: number; med: number } {
  for (let i = 0; i < iters * 2; i++) fn()
  const r: number[] = []
  for (let s = 0; s < samples; s++) {
    const c = process.cpuUsage(); for (let i = 0; i < iters; i++) fn(); const d = process.cpuUsage(c)
    r.push((d.user + d.system) / iters)
  }
  r.sort((a, b) => a - b)
  return { min: Math.round(r[0]! * 100) / 100, med: Math.round(r[samples >> 1]! * 100) / 100 }
}
