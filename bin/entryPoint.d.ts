/** The CLI module bin/op-gossip.js imports for the package at `root` (see entryPoint.js). */
export declare function chooseEntryPoint(root: URL): URL
