export interface App {
  readonly name: string
  readonly entry: string
}
export interface Bundle extends App {
  /** The minified ESM bundle. */
  readonly code: string
  /** Bytes, raw and gzipped (level 9). */
  readonly raw: number
  readonly gzip: number
  /** Minified bytes per package, largest first. */
  readonly packages: ReadonlyArray<readonly [string, number]>
  /** Every source file with bytes in the bundle (esbuild's metafile), relative to the repository. */
  readonly inputs: ReadonlyArray<string>
  /** Minified bytes per source file (package paths without their node_modules prefix), largest first. */
  readonly modules: ReadonlyArray<readonly [string, number]>
  /** esbuild's metafile of the bundle. */
  readonly metafile: unknown
}
export declare const apps: ReadonlyArray<App>
export declare const callToolApps: ReadonlyArray<App>
export declare const floorApp: App
export declare const bundleApp: (app: App) => Promise<Bundle>
export declare const bundleApps: () => Promise<ReadonlyArray<Bundle>>
/** The import chain from the app's entry to `module` (a path suffix), with each file's minified bytes. */
export declare const importChain: (
  metafile: unknown,
  module: string
) => ReadonlyArray<readonly [string, number]> | undefined
