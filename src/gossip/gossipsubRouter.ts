/**
 * The part of @libp2p/gossipsub's router the host uses (the package's exported interface omits
 * some of it), checked once at start so a library change fails loudly rather than mid-run.
 */
import { type GossipsubMessage, TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import type { Verdict } from '../wire/errors.ts'

export interface GossipsubRouter {
  subscribe(topic: string): void
  publish(topic: string, data: Uint8Array): Promise<{ recipients: PeerId[] }>
  reportMessageValidationResult(
    msgId: string,
    propagationSource: string,
    acceptance: TopicValidatorResult,
  ): void
  getMeshPeers(topic: string): string[]
  /** The mesh per topic (read per message: no copy, unlike getMeshPeers) */
  readonly mesh: ReadonlyMap<string, ReadonlySet<string>>
  getScore(peerId: string): number
  addEventListener(
    type: 'gossipsub:message',
    listener: (evt: CustomEvent<GossipsubMessage>) => void,
  ): void
  readonly opts: Record<string, unknown>
  readonly globalSignaturePolicy: string
  readonly protocols: string[]
}

const ROUTER_METHODS = [
  'subscribe',
  'publish',
  'reportMessageValidationResult',
  'getMeshPeers',
  'getScore',
] as const

export function asGossipsubRouter(service: unknown): GossipsubRouter {
  for (const method of ROUTER_METHODS) {
    if (typeof (service as Record<string, unknown>)[method] !== 'function') {
      throw new Error(
        `@libp2p/gossipsub lacks ${method}(): the host needs updating for this version`,
      )
    }
  }
  return service as GossipsubRouter
}

/** Our verdict → the result gossipsub forwards (accept) or scores (reject) by. */
export const ROUTER_RESULT: Record<Verdict, TopicValidatorResult> = {
  accept: TopicValidatorResult.Accept,
  reject: TopicValidatorResult.Reject,
  ignore: TopicValidatorResult.Ignore,
}
