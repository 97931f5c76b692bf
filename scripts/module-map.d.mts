export declare const root: string
export declare const page: string
export declare const packages: ReadonlyArray<string>
export declare const actualModules: () => Array<{ readonly module: string; readonly lines: number }>
export declare const documentedModules: (
  text: string
) => Array<{ readonly module: string; readonly lines: number; readonly index: number }>
export declare const compare: (text: string) => {
  readonly missing: Array<string>
  readonly unlisted: Array<string>
  readonly twice: Array<string>
  readonly stale: Array<{ readonly module: string; readonly listed: number; readonly actual: number | undefined }>
}
export declare const withCounts: (text: string) => string
