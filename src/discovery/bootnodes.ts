/**
 * `--p2p.bootnodes`: comma-separated `enr:…` records or `enode://<128 hex>@<host>:<tcp>?discport=<udp>`
 * URLs (op-node's two forms, op-gossip.md §7). Without `discport` the UDP port is the given port;
 * host names are resolved with node:dns. An enode carries no signature, so it becomes an unsigned
 * "compat" record (like go-ethereum's v4 compat nodes): enough to start a discv5 handshake, after
 * which the node's real, signed ENR replaces it in the table.
 */
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { ENR } from '@chainsafe/enr'
import secp256k1 from 'secp256k1'
import { OP_NODE_DEFAULT_BOOTNODES } from '../chains/bootnodes.ts'
import { OpGossipError } from '../util/errors.ts'
import { ipToBytes } from './ipBytes.ts'

/** `--p2p.bootnodes default` selects op-node's built-in list. */
export const DEFAULT_BOOTNODES_KEYWORD = 'default'

/** An ENR text is at most 300 bytes of RLP (EIP-778), about 410 base64 characters. */
export const MAX_BOOTNODE_LENGTH_CHARS = 1024

const ENODE_PATTERN = /^enode:\/\/([0-9a-fA-F]{128})@([^:/?]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})(\?.*)?$/

/** A bootnode (`--p2p.bootnodes`, an `enr` argument) that cannot be used: a configuration problem. */
export class BootnodeError extends OpGossipError<'DISCOVERY_BAD_BOOTNODE'> {
  override readonly name = 'BootnodeError'
  readonly input: string
  constructor(input: string, reason: string, cause?: unknown) {
    super(
      'DISCOVERY_BAD_BOOTNODE',
      `bad bootnode ${input.length > 60 ? `${input.slice(0, 60)}…` : input}: ${reason}`,
      { kind: 'configuration', cause },
    )
    this.input = input
  }
}

/** Resolves a host name to one IP address (tests inject a stub). */
export type HostResolver = (host: string) => Promise<string>

const dnsResolver: HostResolver = async (host) => (await lookup(host)).address

export interface ParsedEnode {
  /** 64-byte uncompressed public key without the 0x04 prefix */
  publicKey: Uint8Array
  host: string
  tcp: number
  udp: number
}

function parsePort(text: string, what: string, input: string): number {
  const port = Number(text)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new BootnodeError(input, `${what} port ${text} is out of range`)
  }
  return port
}

/** Splits an enode URL into key, host and ports (no DNS). */
export function parseEnodeUrl(input: string): ParsedEnode {
  const m = ENODE_PATTERN.exec(input)
  if (m === null) {
    throw new BootnodeError(
      input,
      'expected enode://<128 hex chars>@<host>:<tcp port>[?discport=<udp port>]',
    )
  }
  const [, keyHex, rawHost, tcpText, query] = m as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
  ]
  const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost
  const tcp = parsePort(tcpText, 'TCP', input)
  let udp = tcp
  if (query !== undefined) {
    const discport = new URLSearchParams(query.slice(1)).get('discport')
    if (discport !== null) udp = parsePort(discport, 'discovery (UDP)', input)
  }
  if (udp === 0) throw new BootnodeError(input, 'no UDP port (discport=0)')
  const publicKey = new Uint8Array(Buffer.from(keyHex, 'hex'))
  if (!secp256k1.publicKeyVerify(Uint8Array.of(4, ...publicKey))) {
    throw new BootnodeError(input, 'the node key is not a point on secp256k1')
  }
  return { publicKey, host, tcp, udp }
}

function portBytes(port: number): Uint8Array {
  return Uint8Array.of(port >> 8, port & 0xff)
}

/** An unsigned ENR (seq 0) carrying an enode's key, IP and ports. */
export function compatEnrFromEnode(enode: ParsedEnode, ip: string): ENR {
  const family = isIP(ip)
  if (family === 0) throw new BootnodeError(ip, 'not an IP address')
  const compressed = secp256k1.publicKeyConvert(Uint8Array.of(4, ...enode.publicKey), true)
  const kvs = new Map<string, Uint8Array>([
    ['id', new TextEncoder().encode('v4')],
    ['secp256k1', compressed],
  ])
  if (family === 4) {
    kvs.set('ip', ipToBytes(ip))
    kvs.set('udp', portBytes(enode.udp))
    if (enode.tcp !== 0) kvs.set('tcp', portBytes(enode.tcp))
  } else {
    kvs.set('ip6', ipToBytes(ip))
    kvs.set('udp6', portBytes(enode.udp))
    if (enode.tcp !== 0) kvs.set('tcp', portBytes(enode.tcp))
  }
  return new ENR(kvs, 0n, new Uint8Array(64))
}

/** True for records built by compatEnrFromEnode (never to be persisted or handed out). */
export function isCompatEnr(enr: ENR): boolean {
  return enr.seq === 0n && enr.signature.every((b) => b === 0)
}

/**
 * One bootnode string to an ENR: `enr:` records are decoded (their signature is checked);
 * `enode://` URLs are resolved and turned into compat records.
 * @throws BootnodeError naming the input
 */
export async function parseBootnode(
  input: string,
  resolve: HostResolver = dnsResolver,
): Promise<ENR> {
  const text = input.trim()
  if (text.length > MAX_BOOTNODE_LENGTH_CHARS) {
    throw new BootnodeError(text, `longer than ${MAX_BOOTNODE_LENGTH_CHARS} characters`)
  }
  if (text.startsWith('enr:')) {
    try {
      return ENR.decodeTxt(text)
    } catch (err) {
      throw new BootnodeError(text, (err as Error).message, err)
    }
  }
  if (text.startsWith('enode://')) {
    const enode = parseEnodeUrl(text)
    let ip = enode.host
    if (isIP(ip) === 0) {
      try {
        ip = await resolve(enode.host)
      } catch (err) {
        throw new BootnodeError(
          text,
          `cannot resolve ${enode.host}: ${(err as Error).message}`,
          err,
        )
      }
    }
    return compatEnrFromEnode(enode, ip)
  }
  throw new BootnodeError(text, 'must start with enr: or enode://')
}

/**
 * Splits a `--p2p.bootnodes` value (comma-separated; the word `default` = op-node's list) into
 * entries without resolving anything.
 */
export function splitBootnodes(list: string): string[] {
  const entries = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  return entries.flatMap((e) =>
    e === DEFAULT_BOOTNODES_KEYWORD ? [...OP_NODE_DEFAULT_BOOTNODES] : [e],
  )
}

export interface ParsedBootnodes {
  enrs: ENR[]
  /** Entries that could not be used (bad syntax or unresolvable host), with the reason */
  failed: BootnodeError[]
}

/**
 * Parses every bootnode. Syntax errors should be caught up front with `parseEnodeUrl`/`splitBootnodes`
 * by the CLI; here a failing entry (often a DNS hiccup) is reported and skipped, like op-node
 * skipping unresolvable bootnodes at run time.
 */
export async function parseBootnodes(
  entries: readonly string[],
  resolve: HostResolver = dnsResolver,
): Promise<ParsedBootnodes> {
  const results = await Promise.allSettled(entries.map((e) => parseBootnode(e, resolve)))
  const enrs: ENR[] = []
  const failed: BootnodeError[] = []
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') enrs.push(r.value)
    else
      failed.push(
        r.reason instanceof BootnodeError
          ? r.reason
          : new BootnodeError(entries[i] ?? '', String(r.reason)),
      )
  })
  return { enrs, failed }
}

/** Syntax check of one entry without DNS (for flag validation at start-up). */
export function checkBootnodeSyntax(input: string): void {
  const text = input.trim()
  if (text.length > MAX_BOOTNODE_LENGTH_CHARS) {
    throw new BootnodeError(text, `longer than ${MAX_BOOTNODE_LENGTH_CHARS} characters`)
  }
  if (text.startsWith('enr:')) {
    try {
      ENR.decodeTxt(text)
    } catch (err) {
      throw new BootnodeError(text, (err as Error).message, err)
    }
    return
  }
  if (text.startsWith('enode://')) {
    parseEnodeUrl(text)
    return
  }
  throw new BootnodeError(text, 'must start with enr: or enode://')
}
