// A client on a transport of the application's own, through the public seam: the same engine
// (requests, notifications, session recovery) whatever the wire. The transport here is in memory
// and names its sessions itself, as a stdio transport does; its "process" can be declared dead.
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as JsonRpc from "../src/JsonRpc.js"
import * as McpError from "../src/McpError.js"
import * as McpTransport from "../src/McpTransport.js"

interface Fake {
  readonly log: Array<string>
  readonly dead: Set<string>
  inbox: McpTransport.Inbox | undefined
  readonly make: McpTransport.Make
}

const isBatch = (
  u: JsonRpc.JsonRpcMessage | ReadonlyArray<JsonRpc.JsonRpcMessage>
): u is ReadonlyArray<JsonRpc.JsonRpcMessage> => Array.isArray(u)

const exit: McpError.ProcessExit = { code: 1, description: "exited with code 1", stderr: ["boom"] }

/** Answers `initialize` and `tools/call` (echo); a session in `dead` is gone, like a process that ended. */
const fake = (): Fake => {
  const self: Fake = {
    log: [],
    dead: new Set(),
    inbox: undefined,
    make: (inbox) => {
      self.inbox = inbox
      let sessions = 0
      const parse = (body: string): JsonRpc.JsonRpcRequest => {
        const parsed = JsonRpc.parseMessage(body)
        const message = parsed._tag === "Right" ? parsed.right : undefined
        if (message === undefined || isBatch(message) || !JsonRpc.isRequest(message)) {
          throw new Error(`not a request: ${body}`)
        }
        return message
      }
      return {
        initialize: (_ctx, body, version) =>
          Effect.sync(() => {
            const sessionId = `fake-${++sessions}`
            self.log.push(`initialize ${sessionId}`)
            const response = JsonRpc.success(parse(body).id, {
              protocolVersion: version,
              capabilities: { tools: {} },
              serverInfo: { name: "fake", version: "1.0.0" }
            })
            return { response, target: { sessionId, protocolVersion: version } }
          }),
        request: (ctx, body, target) =>
          Effect.suspend(() => {
            const sessionId = target.sessionId ?? ""
            if (self.dead.has(sessionId)) {
              return Effect.fail(
                new McpError.SessionExpired({ method: ctx.method, sessionId, status: 0, accepted: false, exit })
              )
            }
            const request = parse(body)
            self.log.push(`${request.method} ${sessionId}`)
            const params = request.params
            const text = typeof params === "object" && params !== null && "arguments" in params
              ? JSON.stringify(params.arguments)
              : ""
            return Effect.succeed(JsonRpc.success(request.id, { content: [{ type: "text", text }] }))
          }),
        send: () => Effect.void,
        listen: () => Effect.void,
        end: (target) => Effect.sync(() => self.log.push(`end ${target.sessionId}`))
      }
    }
  }
  return self
}

describe("McpTransport: a client on a transport of one's own", () => {
  it.live("requests, notifications, a lost session replaced once, the session ended on close", () =>
    Effect.gen(function*() {
      const transport = fake()
      const scope = yield* Scope.make()
      const client = yield* McpTransport.makeClient({}).pipe(
        Effect.provideService(McpTransport.McpTransport, transport.make),
        Scope.extend(scope)
      )
      expect((yield* client.session).sessionId).toBe("fake-1")
      expect((yield* client.callTool("echo", { a: 1 })).content).toEqual([{ type: "text", text: "{\"a\":1}" }])

      // What the server pushes on its own reaches the application through the inbox.
      const listening = yield* Deferred.make<void>()
      const notes = yield* client.notifications.pipe(
        Stream.onStart(Deferred.succeed(listening, undefined)),
        Stream.take(1),
        Stream.runCollect,
        Effect.fork
      )
      yield* Deferred.await(listening)
      yield* Effect.flatMap(
        Effect.sync(() => transport.inbox),
        (inbox) =>
          inbox === undefined
            ? Effect.dieMessage("no inbox")
            : inbox.deliver(
              { sessionId: "fake-1", protocolVersion: undefined },
              JsonRpc.notification("notifications/tools/list_changed")
            )
      )
      expect([...(yield* notes.await.pipe(Effect.flatten))].map((n) => n._tag)).toEqual(["ToolListChanged"])

      // The "process" dies: the next calls meet the loss; one new session, the calls re-sent on it.
      const watching = yield* Deferred.make<void>()
      const expired = yield* client.sessionEvents.pipe(
        Stream.onStart(Deferred.succeed(watching, undefined)),
        Stream.filter((event) => event._tag === "Expired"),
        Stream.runHead,
        Effect.fork
      )
      yield* Deferred.await(watching)
      transport.dead.add("fake-1")
      const results = yield* Effect.all([client.callTool("echo", { b: 2 }), client.callTool("echo", { c: 3 })], {
        concurrency: "unbounded"
      })
      expect(results.map((r) => r.content)).toEqual([
        [{ type: "text", text: "{\"b\":2}" }],
        [{ type: "text", text: "{\"c\":3}" }]
      ])
      const event = yield* expired.await.pipe(Effect.flatten)
      expect(event._tag === "Some" && event.value._tag === "Expired" ? event.value.exit : undefined).toEqual(exit)
      expect((yield* client.session).sessionId).toBe("fake-2")
      expect(transport.log.filter((line) => line.startsWith("initialize"))).toEqual([
        "initialize fake-1",
        "initialize fake-2"
      ])

      yield* Scope.close(scope, Exit.void)
      expect(transport.log.at(-1)).toBe("end fake-2")
    }))

  it("SessionExpired says how a process ended, when it was one", () => {
    const error = new McpError.SessionExpired({
      method: "tools/call",
      sessionId: "stdio-7-1",
      status: 0,
      accepted: true,
      exit
    })
    expect(error.message).toBe(
      "tools/call: session stdio-7-1 ended: the server process exited with code 1; stderr: boom"
    )
  })
})
