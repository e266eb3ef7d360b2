/**
 * The shape every library patch shares: what it changes, in which package, for which pinned
 * version, and the upstream issue or PR it stands in for. package.json `overrides` pins each
 * patched package to `writtenForVersion`, so the process holds exactly one copy of it;
 * test/unit/patches checks both, so a dependency bump that breaks a patch fails a test.
 */

export interface LibraryPatch {
  /** Short name, as installLibraryPatches reports it */
  readonly name: string
  /** The npm package whose behaviour it changes */
  readonly packageName: string
  /** The package version it was written and tested against */
  readonly writtenForVersion: string
  /**
   * 'process': changes a prototype or export once per process; 'connection': applied to each
   * connection of the transport that wraps it (coalescingTcp), nothing global to install;
   * 'router': used by the host on its gossipsub router (unvalidatedNotSeen), nothing global
   */
  readonly scope: 'process' | 'connection' | 'router'
  /** The upstream issue or PR it stands in for (or the issue still to be filed) */
  readonly upstream: string
  /** True when the library still has what the patch changes */
  applies(): boolean
  /** Installs it (idempotent); false when it does not apply and the library is left as it is */
  install(): boolean
}
