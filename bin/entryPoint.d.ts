/** The CLI module bin/op-gossip.js imports for the package at `root` (see entryPoint.js). */
export declare function chooseEntryPoint(root: URL): URL
/** True for a package installed by npm (some folder above `root` is node_modules). */
export declare function isInstalledPackage(root: URL): boolean
