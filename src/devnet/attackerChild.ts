/**
 * Entry module of one `bench attack` attacker process, forked by ./attackerProcess.ts. It speaks
 * gossipsub by hand (length-prefixed protobuf RPCs on one meshsub stream) over real libp2p
 * connections to its target followers, and floods them with the phase's messages
 * (./attackMessages.ts) at its rate, one phase at a time, as the parent says.
 *
 * Each target has one current identity (a libp2p node with its own key and connection). The
 * invalid flood replaces it with a fresh one every `messagesPerIdentity` messages; in the other
 * phases an identity the node disconnects redials with the same key (a refused dial is a ban),
 * then falls back to a fresh one. Every identity subscribes and grafts the block topics, so the
 * node relays honest blocks to it: the duplicate flood's material. A stream whose buffer is full
 * (the node is not reading) is not written to until it drains; those messages are counted as
 * held back, not sent.
 *
 * The process exits when the parent says `stop` or the IPC channel closes.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { RPC } from '@libp2p/gossipsub/message'
import { identify } from '@libp2p/identify'
import type { PrivateKey, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { decode as lpDecode, encode as lpEncode } from 'it-length-prefixed'
import { createLibp2p, type Libp2p } from 'libp2p'
import { MAX_GOSSIP_SIZE_BYTES } from '../wire/snappy.ts'
import { allBlocksTopics } from '../wire/topics.ts'
import {
  type AttackMessage,
  type AttackMessageSource,
  type AttackPhase,
  createAttackMessageSource,
} from './attackMessages.ts'
import type {
  AttackerCommand,
  AttackerConfig,
  AttackerPhaseReport,
  AttackerReport,
} from './attackProtocol.ts'
import { hiResNow } from './ipcProtocol.ts'

/** The gossipsub protocol the attacker speaks (every node offers it). */
export const ATTACK_MESHSUB_PROTOCOL = '/meshsub/1.1.0'
/** How often the flood loop sends its share of the rate, ms. */
export const ATTACK_TICK_MS = 20
/** Messages packed into one RPC at most. */
export const MAX_MESSAGES_PER_RPC = 16
/** A malformed flood sends one oversize frame (which kills its stream) per this many messages. */
export const OVERSIZE_FRAME_EVERY_MESSAGES = 200
/** Wait before an identity the node dropped is replaced, ms. */
export const REDIAL_DELAY_MS = 250
/** A dial that takes longer than this counts as failed, ms. */
export const ATTACK_DIAL_TIMEOUT_MS = 5000

interface Identity {
  node: Libp2p
  key: PrivateKey
  stream: Stream | null
  /** Waiting for the stream to drain */
  blocked: boolean
  sent: number
  firstSentMs: number | null
  /** Closed by us (rotation, stop): not the node's doing */
  retiring: boolean
  /** Its stream opened: a close before that is a failed dial, not a disconnect */
  established: boolean
  closed: boolean
}

interface TargetState {
  address: string
  identity: Identity | null
  /** A new identity is being set up */
  connecting: boolean
  /** Messages since the last oversize frame (malformed flood) */
  sinceOversize: number
}

function send(report: AttackerReport): void {
  if (process.send !== undefined && process.connected) process.send(report)
}

function emptyReport(phase: AttackPhase): AttackerPhaseReport {
  return {
    phase,
    sent: 0,
    heldBack: 0,
    identities: 0,
    dialsFailed: 0,
    disconnected: 0,
    timesToDisconnectMs: [],
    honestReceived: 0,
    firstSentMs: null,
  }
}

function createAttacker(config: AttackerConfig) {
  const topics = allBlocksTopics(config.chain.chainId)
  const topicSet = new Set(topics)
  const source: AttackMessageSource = createAttackMessageSource({
    chain: config.chain,
    blockBytes: config.blockBytes,
    seed: 1000 + config.index,
  })
  const targets: TargetState[] = config.targets.map((address) => ({
    address,
    identity: null,
    connecting: false,
    sinceOversize: 0,
  }))
  let phase: AttackPhase = 'baseline'
  let report = emptyReport(phase)
  let latestHonest: AttackMessage | null = null
  let timer: NodeJS.Timeout | null = null
  let budget = 0
  let lastTickMs = 0
  let next = 0

  function onHostRpc(rpc: RPC): void {
    for (const m of rpc.messages) {
      if (m.data === undefined || !topicSet.has(m.topic)) continue
      latestHonest = { topic: m.topic, data: m.data }
      report.honestReceived++
    }
  }

  async function openStream(identity: Identity, address: string): Promise<void> {
    const stream = await identity.node.dialProtocol(multiaddr(address), ATTACK_MESHSUB_PROTOCOL, {
      signal: AbortSignal.timeout(ATTACK_DIAL_TIMEOUT_MS),
    })
    identity.stream = stream
    identity.blocked = false
    writeRpc(identity, {
      subscriptions: topics.map((topic) => ({ subscribe: true, topic })),
      messages: [],
      control: {
        graft: topics.map((topicID) => ({ topicID })),
        ihave: [],
        iwant: [],
        prune: [],
        idontwant: [],
      },
    })
  }

  async function connect(target: TargetState, key: PrivateKey | null): Promise<boolean> {
    const privateKey = key ?? (await generateKeyPair('Ed25519'))
    const node = await createLibp2p({
      privateKey,
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
    })
    const identity: Identity = {
      node,
      key: privateKey,
      stream: null,
      blocked: false,
      sent: 0,
      firstSentMs: null,
      retiring: false,
      established: false,
      closed: false,
    }
    await node.handle(ATTACK_MESHSUB_PROTOCOL, (stream: Stream) => {
      void (async () => {
        for await (const frame of lpDecode(stream)) onHostRpc(RPC.decode(frame.subarray()))
      })().catch(() => {})
    })
    node.addEventListener('peer:disconnect', () => onClosed(target, identity))
    try {
      await openStream(identity, target.address)
    } catch {
      report.dialsFailed++
      await Promise.resolve(node.stop()).catch(() => {})
      return false
    }
    report.identities++
    identity.established = true
    target.identity = identity
    return true
  }

  /** The node closed an identity's connection (or its stream died for good). */
  function onClosed(target: TargetState, identity: Identity): void {
    if (identity.closed || !identity.established) return
    identity.closed = true
    if (target.identity === identity) target.identity = null
    if (!identity.retiring) {
      report.disconnected++
      if (identity.firstSentMs !== null) {
        report.timesToDisconnectMs.push(Math.round(hiResNow() - identity.firstSentMs))
      }
      // Same key first: a refused redial means the node banned it.
      if (phase !== 'baseline') replace(target, phase === 'invalid' ? null : identity.key)
    }
    void Promise.resolve(identity.node.stop()).catch(() => {})
  }

  function retire(identity: Identity): void {
    identity.retiring = true
    identity.closed = true
    void Promise.resolve(identity.node.stop()).catch(() => {})
  }

  function replace(target: TargetState, key: PrivateKey | null): void {
    if (target.connecting) return
    target.connecting = true
    setTimeout(
      () => {
        void (async () => {
          // A refused redial with the same key (a ban) counts in dialsFailed.
          const ok = await connect(target, key).catch(() => false)
          if (!ok && key !== null) await connect(target, null).catch(() => false)
        })().finally(() => {
          target.connecting = false
        })
      },
      key === null ? 0 : REDIAL_DELAY_MS,
    )
  }

  function writeRpc(identity: Identity, rpc: RPC): boolean {
    const stream = identity.stream
    if (stream === null || identity.blocked) return false
    try {
      if (!stream.send(lpEncode.single(RPC.encode(rpc)))) {
        identity.blocked = true
        stream
          .onDrain()
          .then(() => {
            identity.blocked = false
          })
          .catch(() => {})
      }
      return true
    } catch {
      return false
    }
  }

  /** One frame longer than the node accepts: it resets the stream, so a new one is opened. */
  function sendOversizeFrame(target: TargetState, identity: Identity): void {
    const stream = identity.stream
    if (stream === null || identity.blocked) return
    const prefix: number[] = []
    let n = MAX_GOSSIP_SIZE_BYTES * 2
    while (n >= 0x80) {
      prefix.push((n % 0x80) | 0x80)
      n = Math.floor(n / 0x80)
    }
    prefix.push(n)
    try {
      stream.send(Uint8Array.from([...prefix, ...new Uint8Array(1024)]))
    } catch {}
    identity.stream = null
    identity.node
      .dialProtocol(multiaddr(target.address), ATTACK_MESHSUB_PROTOCOL)
      .then((s) => {
        if (!identity.closed) {
          identity.stream = s
          identity.blocked = false
        }
      })
      .catch(() => onClosed(target, identity))
  }

  function craft(identity: Identity): AttackMessage | null {
    switch (phase) {
      case 'invalid':
        return source.invalid()
      case 'duplicate':
        return source.duplicate(latestHonest)
      case 'replay':
        return source.replay()
      case 'malformed':
        return source.malformed(identity.node.peerId.toMultihash().bytes)
      case 'baseline':
        return null
    }
  }

  /** Sends `count` messages to one target's current identity (the rest count as held back). */
  function floodTarget(target: TargetState, count: number): void {
    const identity = target.identity
    if (identity === null || identity.stream === null) {
      if (identity === null) replace(target, null)
      return
    }
    if (identity.blocked) {
      report.heldBack += count
      return
    }
    let left = count
    while (left > 0 && !identity.blocked && identity.stream !== null) {
      const batch = Math.min(left, MAX_MESSAGES_PER_RPC)
      const messages: RPC.Message[] = []
      for (let i = 0; i < batch; i++) {
        const m = craft(identity)
        if (m === null) break
        messages.push({ topic: m.topic, data: m.data, ...(m.from ? { from: m.from } : {}) })
      }
      if (messages.length === 0) return
      if (!writeRpc(identity, { subscriptions: [], messages })) break
      const t = hiResNow()
      identity.firstSentMs ??= t
      report.firstSentMs ??= t
      identity.sent += messages.length
      report.sent += messages.length
      left -= messages.length
      if (phase === 'malformed') {
        target.sinceOversize += messages.length
        if (target.sinceOversize >= OVERSIZE_FRAME_EVERY_MESSAGES) {
          target.sinceOversize = 0
          sendOversizeFrame(target, identity)
        }
      }
      if (phase === 'invalid' && identity.sent >= config.messagesPerIdentity) {
        target.identity = null
        retire(identity)
        replace(target, null)
        break
      }
    }
    report.heldBack += left
  }

  function tick(): void {
    const t = performance.now()
    budget += ((t - lastTickMs) / 1000) * config.ratePerSecond
    lastTickMs = t
    const count = Math.floor(budget)
    if (count === 0) return
    budget -= count
    // Spread over the targets, the remainder to the next ones in turn.
    const per = Math.floor(count / targets.length)
    let extra = count - per * targets.length
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(next + i) % targets.length] as TargetState
      const n = per + (extra > 0 ? 1 : 0)
      if (extra > 0) extra--
      if (n > 0) floodTarget(target, n)
    }
    next = (next + 1) % targets.length
  }

  return {
    /** Builds the phase templates and connects one identity per target. */
    async start(): Promise<void> {
      source.invalid()
      source.replay()
      await Promise.all(targets.map((t) => connect(t, null)))
    },
    startPhase(p: AttackPhase): void {
      phase = p
      report = emptyReport(p)
      // Identities carried over from the last phase count here too, timed from this phase on.
      for (const t of targets) {
        if (t.identity === null) continue
        t.identity.firstSentMs = null
        report.identities++
      }
      budget = 0
      lastTickMs = performance.now()
      if (p === 'baseline') return
      for (const t of targets) if (t.identity === null) replace(t, null)
      timer = setInterval(tick, ATTACK_TICK_MS)
    },
    endPhase(): AttackerPhaseReport {
      if (timer !== null) clearInterval(timer)
      timer = null
      const done = report
      phase = 'baseline'
      return done
    },
    async stop(): Promise<void> {
      if (timer !== null) clearInterval(timer)
      await Promise.all(
        targets.map((t) => (t.identity === null ? undefined : t.identity.node.stop())),
      ).catch(() => {})
    },
  }
}

function main(): void {
  if (process.send === undefined) {
    process.stderr.write('attackerChild.ts is started by `op-gossip bench attack` over IPC\n')
    process.exit(2)
  }
  let attacker: ReturnType<typeof createAttacker> | null = null
  let index = -1
  const exit = (code: number) => {
    void (attacker?.stop() ?? Promise.resolve()).finally(() => process.exit(code))
  }
  process.on('disconnect', () => exit(0))
  process.on('SIGINT', () => {}) // the parent stops us in order
  process.on('message', (raw: unknown) => {
    const msg = raw as AttackerCommand
    switch (msg.type) {
      case 'init':
        index = msg.config.index
        attacker = createAttacker(msg.config)
        attacker
          .start()
          .then(() => send({ type: 'ready', index, pid: process.pid }))
          .catch((err: unknown) =>
            send({ type: 'error', index, message: (err as Error)?.message ?? String(err) }),
          )
        return
      case 'start':
        attacker?.startPhase(msg.phase)
        send({ type: 'phase-started', index, phase: msg.phase })
        return
      case 'end': {
        const report = attacker?.endPhase()
        if (report !== undefined) send({ type: 'phase-report', index, ...report })
        return
      }
      case 'stop':
        exit(0)
        return
    }
  })
}

main()
