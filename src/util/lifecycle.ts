/**
 * One lifecycle for long-lived parts (after js-libp2p's `Startable`): start() brings a part up,
 * stop() takes it down and is safe to call twice. A composition root starts its parts in order
 * and stops them in reverse with stopInReverse, which logs a failed stop instead of swallowing it
 * and still stops the rest.
 */
import type { Logger } from './logger.ts'

export interface Startable {
  start(): void | Promise<void>
  stop(): void | Promise<void>
}

export interface NamedStartable {
  name: string
  part: Startable
}

/** Starts `part` and hands it back: `await started(createX(...))`. */
export async function started<T extends Startable>(part: T): Promise<T> {
  await part.start()
  return part
}

/** Stops `parts` last to first; every failure is logged with the part's name, none is thrown. */
export async function stopInReverse(parts: readonly NamedStartable[], log: Logger): Promise<void> {
  for (const { name, part } of [...parts].reverse()) {
    try {
      await part.stop()
    } catch (err) {
      log.error(
        { part: name, err: (err as Error)?.message ?? String(err) },
        'stopping a part failed',
      )
    }
  }
}
