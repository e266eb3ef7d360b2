/**
 * The devnet directory (default `.devnet/`): what an external node needs to join a running
 * devnet, written once all nodes are up.
 *
 * ```
 * rollup.json              op-node-compatible rollup config (genesis = this run's start)
 * devnet.json              chain id, signer, bootnode, topic, every node (peer ID, address, pid)
 * peers.txt                one multiaddr per line, the sequencer (bootnode) first
 * unsafe-block-signer.txt  the sequencer's address (what validators check signatures against)
 * keys/sequencer.key       the unsafe-block signer's private key (a well-known dev key)
 * keys/node-<i>.key        each node's libp2p key as hex (Ed25519, libp2p's raw seed + public
 *                          key; `op-gossip run --p2p.priv.path` reads it)
 * keys/jwt.hex             the el-sims' Engine API secret (with --with-el)
 * JOIN.md                  how to join with op-gossip or op-node
 * logs/                    one log file per node process
 * ```
 * Key files are written with mode 0600. Every file is rewritten on each start (the genesis and
 * the peer IDs change per run).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { serializeRollupConfig } from '../chains/rollupConfig.ts'
import type { ChainConfig } from '../chains/types.ts'
import { blocksTopic, blockVersionAt } from '../wire/topics.ts'

const KEY_FILE_MODE = 0o600

export interface DevnetDirectoryNode {
  index: number
  role: 'sequencer' | 'follower'
  peerId: string
  /** Multiaddr with /p2p/<peerId> */
  address: string
  pid: number
  /** 32 bytes */
  peerKey: Uint8Array
  elUrl: string | null
}

export interface DevnetDirectoryContents {
  chain: ChainConfig
  /** 0x address */
  signer: string
  /** 32 bytes */
  signerKey: Uint8Array
  bootnode: string
  nodes: readonly DevnetDirectoryNode[]
  /** 0x-hex, when the devnet runs el-sims */
  jwtSecret: string | null
}

/** What devnet.json holds (no keys). */
export interface DevnetManifest {
  chainId: number
  blockTime: number
  genesis: ChainConfig['genesis']
  unsafeBlockSigner: string
  bootnode: string
  topic: string
  startedAt: string
  nodes: Array<Omit<DevnetDirectoryNode, 'peerKey'>>
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

/** Characters a shell word may hold unquoted. */
const SHELL_SAFE = /^[\w@%+=:,./-]+$/

/** `path` as one shell word (single-quoted when it needs quoting). */
export function shellWord(path: string): string {
  return SHELL_SAFE.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`
}

/**
 * JOIN.md: commands that work when pasted, with this directory's real (absolute) path, and the
 * status RPC on any free port (`--rpc.port 0`): the devnet's own nodes may hold the default.
 */
export function joinText(dir: string, c: DevnetDirectoryContents): string {
  const at = (file: string) => shellWord(join(resolve(dir), file))
  return `# Join this devnet

Chain id ${c.chain.chainId}, ${c.chain.blockTime} s blocks, unsafe-block signer \`${c.signer}\`.
Bootnode (the sequencer, also the DHT bootstrap node):

    ${c.bootnode}

## With op-gossip (gossip only, DHT discovery)

    op-gossip run --rollup.config ${at('rollup.json')} \\
      --p2p.unsafe-block-signer ${c.signer} \\
      --p2p.bootnodes ${c.bootnode} \\
      --p2p.dht --p2p.no-discovery --p2p.scoring.ip-colocation false \\
      --p2p.listen.ip 127.0.0.1 --p2p.listen.tcp 0 --p2p.priv.path ${at('keys/external.key')} \\
      --p2p.peerstore.path memory --rpc.port 0

(Every devnet node runs on 127.0.0.1, so the IP-colocation penalty is off, as on the devnet's own
nodes. \`--rpc.port 0\` picks a free port for the status RPC; the bound address is logged.)

## With op-node

op-node finds peers with discv5, which this devnet does not run: give it the nodes as static
peers and turn discovery off:

    op-node --rollup.config ${at('rollup.json')} --p2p.no-discovery \\
      --p2p.static ${c.bootnode} ...

op-node reads the unsafe-block signer from L1 (SystemConfig); this devnet has no L1, so
op-node will not accept its blocks unless its signer source is pointed at \`${c.signer}\`.
All nodes: \`${at('peers.txt')}\`.
`
}

/** Writes the directory (creating it); returns the paths written. */
export function writeDevnetDirectory(dir: string, c: DevnetDirectoryContents): string[] {
  const keysDir = join(dir, 'keys')
  mkdirSync(keysDir, { recursive: true })
  const written: string[] = []
  const write = (path: string, text: string, mode?: number) => {
    writeFileSync(path, text, mode === undefined ? {} : { mode })
    // mode only applies when the file is created: tighten a file left by an earlier run too
    if (mode !== undefined) chmodSync(path, mode)
    written.push(path)
  }
  const nowSeconds = Math.floor(Date.now() / 1000)
  const manifest: DevnetManifest = {
    chainId: c.chain.chainId,
    blockTime: c.chain.blockTime,
    genesis: c.chain.genesis,
    unsafeBlockSigner: c.signer,
    bootnode: c.bootnode,
    topic: blocksTopic(c.chain.chainId, blockVersionAt(c.chain, nowSeconds)),
    startedAt: new Date().toISOString(),
    nodes: c.nodes.map(({ peerKey: _k, ...rest }) => rest),
  }
  write(join(dir, 'rollup.json'), serializeRollupConfig(c.chain))
  write(join(dir, 'devnet.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  write(join(dir, 'peers.txt'), `${c.nodes.map((n) => n.address).join('\n')}\n`)
  write(join(dir, 'unsafe-block-signer.txt'), `${c.signer}\n`)
  write(join(dir, 'JOIN.md'), joinText(dir, c))
  write(join(keysDir, 'sequencer.key'), hex(c.signerKey), KEY_FILE_MODE)
  for (const n of c.nodes) {
    const name = n.role === 'sequencer' ? 'node-0.key' : `node-${n.index}.key`
    write(join(keysDir, name), hex(n.peerKey), KEY_FILE_MODE)
  }
  if (c.jwtSecret !== null)
    write(join(keysDir, 'jwt.hex'), c.jwtSecret.replace(/^0x/, ''), KEY_FILE_MODE)
  return written
}
