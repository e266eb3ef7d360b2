/**
 * Start warm, library half: the per-message path inside gossipsub, yamux, noise, TCP, libp2p's
 * streams and our patches only runs on real connections, so warmUp.ts's in-memory rounds cannot
 * reach it. This starts a throwaway mesh of gossip hosts built exactly as the node's host is
 * built (createGossipHost: same transports, muxer, encrypter, router options, scoring, message
 * pipeline and patches), connects them over 127.0.0.1, and sends synthetic signed blocks of
 * realistic wire size through it: publish → noise → yamux → TCP → decode → message ID →
 * validation queue → validator → verdict → forward. Three hosts, not two: with two, a message is
 * never forwarded and never arrives twice, and forwarding, duplicates and IDONTWANT are as hot
 * on a follower as receiving is.
 *
 * Nothing of the node is shared: the hosts have fresh keys (Ed25519: a cheaper handshake than
 * secp256k1's, and nothing per message depends on the key type), their own peer stores, gaters,
 * seen caches and validators, no metrics and a silent logger; they listen on 127.0.0.1 on free
 * ports and dial only each other; their chain copy has chain id 0 (no EVM chain has it,
 * EIP-155), so their topics are no real network's. Only the process-wide code (and V8's type
 * feedback) is shared, which is the point. The hosts are stopped before this returns: their
 * ports are closed and their connections gone (libp2p's own last debounce timers run out within
 * a second after).
 *
 * Differences from the node's host, each for a short-lived mesh on one machine: a short
 * heartbeat so the mesh forms within the time bound (and the validation timeout below its
 * mcache window), no inbound rate limit and no bans (the warm-up sends faster than the limit
 * allows a real peer), no ping, no IP-colocation penalty (every host is on 127.0.0.1).
 */

import { setTimeout as sleep } from 'node:timers/promises'
import { createBlockBuilder } from '../blocks/blockBuilder.ts'
import type { ChainConfig } from '../chains/types.ts'
import { installLibraryPatches } from '../patches/installLibraryPatches.ts'
import { type Logger, silentLogger } from '../util/logger.ts'
import { blocksTopic, blockVersionAt } from '../wire/topics.ts'
import { createGossipHost, type GossipHost } from './host.ts'
import type { GossipHostInit } from './options.ts'
import { generateEd25519PeerKey } from './peerIdentity.ts'
import { createBlockValidator } from './validator.ts'

/** Rounds of the library warm-up: each one block published by one host, accepted by the others. */
export const WARM_UP_LIBRARY_ROUNDS = 300
/** Upper bound on the library warm-up's message rounds, once the mesh has formed. */
export const WARM_UP_LIBRARY_MAX_MS = 1500
/**
 * Upper bound on starting the hosts, connecting them and their mesh forming (a few hundred ms
 * on an idle machine): a busy machine's slow start does not eat the rounds' time.
 */
export const WARM_UP_LIBRARY_SETUP_MAX_MS = 3000
/** Upper bound on waiting for the throwaway hosts to stop, after which the node goes on. */
export const WARM_UP_LIBRARY_STOP_MAX_MS = 2000
/** Hosts in the throwaway mesh: the fewest where a message is forwarded and arrives twice. */
export const WARM_UP_LIBRARY_HOSTS = 3
/** The throwaway mesh's gossipsub heartbeat: the mesh forms within the first heartbeats. */
export const WARM_UP_LIBRARY_HEARTBEAT_MS = 100
/** Its validation timeout: below its mcache window (12 heartbeats). */
export const WARM_UP_LIBRARY_VALIDATION_TIMEOUT_MS = 1000
/** Chain id of the throwaway mesh's topics and signatures: no EVM chain's (EIP-155). */
export const WARM_UP_CHAIN_ID = 0
/**
 * Signed transactions the library warm-up's blocks draw from: enough that a 100 KB block does not
 * repeat itself, so it compresses to a real block's wire size (Snappy finds repeats).
 */
export const WARM_UP_LIBRARY_TX_POOL = 256
/** How often the mesh is looked at while it forms. */
const MESH_POLL_MS = 5

export interface LibraryWarmUpOptions {
  chain: ChainConfig
  /** The synthetic blocks' signing key (warmUp.ts's) and the only signer the hosts accept */
  signerKey: Uint8Array
  signerAddress: Uint8Array
  /** Decompressed size of each synthetic block */
  blockBytes: number
  /** @default WARM_UP_LIBRARY_ROUNDS */
  rounds?: number
  /** @default WARM_UP_LIBRARY_MAX_MS */
  maxMs?: number
  /** @default WARM_UP_LIBRARY_SETUP_MAX_MS */
  setupMaxMs?: number
  /** @default WARM_UP_LIBRARY_STOP_MAX_MS */
  stopMaxMs?: number
}

export interface LibraryWarmUpModules {
  /**
   * The node's logger: only for the library patches' one line, which comes from whoever installs
   * them first (the hosts here log nothing). @default silentLogger
   */
  log?: Logger
  /** Sees the throwaway hosts once started (tests look at them, and fail the warm-up here). */
  onHosts?: (hosts: readonly GossipHost[]) => void
}

export interface LibraryWarmUpResult {
  /** Rounds whose block every other host accepted */
  rounds: number
  /** Blocks accepted by a host from the network (every host but the publisher, per round) */
  messages: number
  /** Time spent, ms, starting and stopping the hosts included */
  elapsedMs: number
  /** Of which starting the hosts, connecting them and their mesh forming, ms */
  setupMs: number
  /** True when a time bound (of the setup or of the rounds) ended it before all the rounds */
  timedOut: boolean
}

/** The node's host options, changed only where a throwaway mesh on one machine needs it. */
function throwawayHostInit(
  chain: ChainConfig,
  privateKey: Uint8Array,
  setupMaxMs: number,
): GossipHostInit {
  return {
    chain,
    privateKey,
    listenIp: '127.0.0.1',
    listenTcpPort: 0,
    dht: false,
    ping: false,
    ipColocation: false,
    ban: { enabled: false },
    inboundMessages: { perPeerPerSecond: 0 },
    router: { heartbeatIntervalMs: WARM_UP_LIBRARY_HEARTBEAT_MS },
    validation: { timeoutMs: WARM_UP_LIBRARY_VALIDATION_TIMEOUT_MS },
    // A dial that takes longer than the whole setup may would only delay the node.
    timeouts: { dialMs: Math.max(1, Math.ceil(setupMaxMs)) },
  }
}

/** Every host dials the ones after it: a full mesh, all dials at once. */
function fullMeshDials(hosts: readonly GossipHost[]): Promise<string>[] {
  return hosts.flatMap((host, i) =>
    hosts.slice(i + 1).map((target) => host.dial(target.listenAddresses()[0] as string)),
  )
}

/** Waits for `hosts` to stop, at most `maxMs`; false when they had not by then. */
async function stopAll(hosts: readonly GossipHost[], maxMs: number): Promise<boolean> {
  const bound = new AbortController()
  const stopped = Promise.allSettled(hosts.map((h) => h.stop())).then(() => true)
  const late = sleep(maxMs, false, { signal: bound.signal }).catch(() => false)
  try {
    return await Promise.race([stopped, late])
  } finally {
    bound.abort()
  }
}

/**
 * Runs the library warm-up (see the module comment). Throws when the mesh cannot be started or
 * connected (the caller logs it and starts the node all the same); the hosts are stopped either way.
 */
export async function warmUpLibraries(
  opts: LibraryWarmUpOptions,
  modules: LibraryWarmUpModules = {},
): Promise<LibraryWarmUpResult> {
  const started = performance.now()
  const maxMs = opts.maxMs ?? WARM_UP_LIBRARY_MAX_MS
  const setupMaxMs = opts.setupMaxMs ?? WARM_UP_LIBRARY_SETUP_MAX_MS
  /** The setup's deadline, then the rounds' */
  let deadline = started + setupMaxMs
  const rounds = opts.rounds ?? WARM_UP_LIBRARY_ROUNDS
  if (rounds <= 0 || maxMs <= 0 || setupMaxMs <= 0) {
    return { rounds: 0, messages: 0, elapsedMs: 0, setupMs: 0, timedOut: rounds > 0 }
  }
  const chain: ChainConfig = { ...opts.chain, chainId: WARM_UP_CHAIN_ID }
  const nowSeconds = () => BigInt(Math.floor(Date.now() / 1000))

  // Before any host starts: the node's own logger reports the patches, and the mesh runs the
  // patched code the node will run.
  installLibraryPatches(modules.log ?? silentLogger)

  /** The round being waited for: its block number and the hosts yet to accept it. */
  let waiting: { number: bigint; left: number; done: () => void } | null = null
  let messages = 0
  const hosts: GossipHost[] = []
  for (let i = 0; i < WARM_UP_LIBRARY_HOSTS; i++) {
    const host = createGossipHost(
      throwawayHostInit(chain, await generateEd25519PeerKey(), setupMaxMs),
      {
        validator: createBlockValidator({ chain, signer: () => opts.signerAddress }),
        logger: silentLogger,
      },
    )
    host.addConsumer({
      onBlock(block) {
        messages++
        const w = waiting
        if (w !== null && block.envelope.payload.blockNumber === w.number && --w.left === 0) {
          w.done()
        }
      },
    })
    hosts.push(host)
  }

  /**
   * Waits for every host but the publisher to accept block `number`: true once they have, false
   * at the deadline or when cancelled (the timer goes either way).
   */
  function acceptedByAll(number: bigint): { accepted: Promise<boolean>; cancel(): void } {
    let finish: (ok: boolean) => void = () => {}
    const accepted = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => finish(false), Math.max(0, deadline - performance.now()))
      finish = (ok) => {
        clearTimeout(timer)
        waiting = null
        resolve(ok)
      }
    })
    waiting = { number, left: hosts.length - 1, done: () => finish(true) }
    return { accepted, cancel: () => finish(false) }
  }

  let done = 0
  let setupMs = 0
  try {
    for (const host of hosts) await host.start()
    modules.onHosts?.(hosts)
    try {
      await Promise.all(fullMeshDials(hosts))
    } catch (err) {
      // A dial cut short by the time bound is the bound, not a failure.
      if (performance.now() < deadline) throw err
    }
    const builder = createBlockBuilder({
      chain,
      privateKey: opts.signerKey,
      startTimestamp: nowSeconds(),
      targetBytes: opts.blockBytes,
      txPoolSize: WARM_UP_LIBRARY_TX_POOL,
    })
    const topic = blocksTopic(chain.chainId, blockVersionAt(chain, nowSeconds()))
    const meshed = () =>
      hosts.every((h) => (h.meshPeers()[topic]?.length ?? 0) === hosts.length - 1)
    while (!meshed() && performance.now() < deadline) await sleep(MESH_POLL_MS)

    setupMs = performance.now() - started
    deadline = meshed() ? performance.now() + maxMs : 0
    while (done < rounds && performance.now() < deadline) {
      const publisher = hosts[done % hosts.length] as GossipHost
      // A new block each round (a copy would be a duplicate), stamped now so it is never stale.
      const block = builder.next({ timestamp: nowSeconds() })
      const delivery = acceptedByAll(block.blockNumber)
      try {
        await publisher.publish(block)
      } catch (err) {
        delivery.cancel()
        throw err
      }
      if (!(await delivery.accepted)) break
      done++
    }
  } finally {
    const stopMaxMs = opts.stopMaxMs ?? WARM_UP_LIBRARY_STOP_MAX_MS
    if (!(await stopAll(hosts, stopMaxMs))) {
      // They go on stopping; the node need not wait for them.
      modules.log?.warn({ boundMs: stopMaxMs }, 'warm-up gossip hosts did not stop in time')
    }
  }
  return {
    rounds: done,
    messages,
    elapsedMs: performance.now() - started,
    setupMs,
    timedOut: done < rounds,
  }
}
