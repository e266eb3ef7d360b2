import type { Command } from 'commander'
import { BUILTIN_CHAINS } from '../../chains/builtin.ts'
import { type ChainConfig, FORK_NAMES } from '../../chains/types.ts'
import { allBlocksTopics } from '../../wire/topics.ts'

/** One chain as `op-gossip chains --json` prints it. */
export function chainSummary(chain: ChainConfig) {
  return {
    name: chain.name,
    chainId: chain.chainId,
    l1ChainId: chain.l1ChainId ?? null,
    blockTime: chain.blockTime,
    topics: allBlocksTopics(chain.chainId),
    forks: Object.fromEntries(FORK_NAMES.map((f) => [f, chain.forks[f]])),
    unsafeBlockSigner: chain.unsafeBlockSigner ?? null,
    systemConfig: chain.systemConfig ?? null,
    genesis: chain.genesis ?? null,
    bootnodes: chain.bootnodes?.length ?? 0,
    unconfirmed: chain.unconfirmed ?? [],
    verificationWarning: chain.verificationWarning ?? null,
  }
}

function isoTime(seconds: number | null): string {
  return seconds === null
    ? 'not scheduled'
    : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}

function printText(): void {
  for (const chain of BUILTIN_CHAINS) {
    const unconfirmed = new Set(chain.unconfirmed ?? [])
    const mark = (field: string) => (unconfirmed.has(field) ? '  (unconfirmed)' : '')
    console.log(
      `${chain.name}  chain id ${chain.chainId}, block time ${chain.blockTime}s${mark('blockTime')}`,
    )
    console.log(`  topics        ${allBlocksTopics(chain.chainId).join(' ')}`)
    console.log(
      `  signer        ${chain.unsafeBlockSigner ?? 'none'} (last known; --l1 reads the live value)${mark('unsafeBlockSigner')}`,
    )
    console.log(`  SystemConfig  ${chain.systemConfig ?? 'unknown'}`)
    for (const fork of FORK_NAMES) {
      const t = chain.forks[fork]
      console.log(
        `  ${fork.padEnd(13)} ${t === null ? '' : `${t}  `}${isoTime(t)}${mark(`forks.${fork}`)}`,
      )
    }
    if (chain.verificationWarning !== undefined) {
      console.log(`  warning       ${chain.verificationWarning}`)
    }
    console.log('')
  }
}

export function register(program: Command): void {
  program
    .command('chains')
    .description('list the built-in chains (--network values) with topics, fork times and signer')
    .option('--json', 'print a JSON array')
    .action((opts: { json?: boolean }) => {
      if (opts.json === true) {
        console.log(JSON.stringify(BUILTIN_CHAINS.map(chainSummary), null, 2))
      } else {
        printText()
      }
    })
}
