/** The options of the `cors` middleware that the tests use. */
export interface CorsOptions {
  readonly origin: string
  readonly exposedHeaders?: ReadonlyArray<string>
  readonly allowedHeaders?: ReadonlyArray<string>
}

/** No `cors` middleware: the plain node:http CORS of docs/browser.md, for a page on this origin. */
export interface NodeHttpCors {
  readonly nodeHttp: string
}

export interface SdkCorsServer {
  /** `http://127.0.0.1:PORT/mcp` */
  readonly url: string
  /** `http://127.0.0.1:PORT/__control/state`: the server's counts and request log as JSON. */
  readonly stateUrl: string
  close(): Promise<void>
}

/**
 * Starts the official SDK server (stateful, one `echo` tool) behind express and `cors(corsOptions)`
 * (or the plain node:http CORS of docs/browser.md) on 127.0.0.1, port 0.
 */
export declare function startSdkCorsServer(corsOptions: CorsOptions | NodeHttpCors): Promise<SdkCorsServer>
