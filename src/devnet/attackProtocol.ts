/**
 * Messages between `bench attack` (parent) and each attacker process (./attackerChild.ts) over
 * Node's IPC channel (JSON): plain data, times on the shared high-resolution wall clock
 * (ipcProtocol.ts hiResNow), so they compare with the nodes' reports.
 */
import type { ChainConfig } from '../chains/types.ts'
import type { AttackPhase } from './attackMessages.ts'

/** The attacker's configuration; the parent's first message. */
export interface AttackerConfig {
  index: number
  chain: ChainConfig
  /** Multiaddrs (with /p2p/<peerId>) of the followers this attacker floods */
  targets: string[]
  /** Messages a second this attacker sends, split over its targets */
  ratePerSecond: number
  /** Decompressed size of the crafted blocks */
  blockBytes: number
  /** Messages one identity sends before the invalid flood rotates to a fresh one */
  messagesPerIdentity: number
}

/** Parent → attacker. */
export type AttackerCommand =
  | { type: 'init'; config: AttackerConfig }
  /** Start flooding with `phase` (baseline: nothing); answered with `phase-started` */
  | { type: 'start'; phase: AttackPhase }
  /** Stop flooding; answered with `phase-report` */
  | { type: 'end' }
  | { type: 'stop' }

/** What one attacker did in one phase. */
export interface AttackerPhaseReport {
  phase: AttackPhase
  /** Messages handed to the streams (not counting those held back by backpressure) */
  sent: number
  /** Messages not sent because a stream's buffer was full (the node was not reading) */
  heldBack: number
  /** Peer identities used in the phase (the invalid flood rotates them) */
  identities: number
  /** Dials the node refused or that failed (a ban, the connection gater, a full node) */
  dialsFailed: number
  /** Identities whose connection the node closed while they attacked */
  disconnected: number
  /** Per identity the node disconnected: ms from its first message in the phase to the close */
  timesToDisconnectMs: number[]
  /** Honest blocks received from the nodes (the duplicate flood's material) */
  honestReceived: number
  /** Shared clock of the first message sent in the phase; null when none */
  firstSentMs: number | null
}

/** Attacker → parent. */
export type AttackerReport =
  | { type: 'ready'; index: number; pid: number }
  | { type: 'phase-started'; index: number; phase: AttackPhase }
  | ({ type: 'phase-report'; index: number } & AttackerPhaseReport)
  | { type: 'error'; index: number; message: string }
