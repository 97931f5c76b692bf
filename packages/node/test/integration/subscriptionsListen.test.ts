// `subscriptions/listen` (2026-07-28) behind the client's usual API (`subscribeResource`,
// `notifications`), against the test kit's server in its stateless mode over real HTTP on
// 127.0.0.1: the acknowledgement awaited, a dropped stream listened to again, a graceful end
// respected, the stream closed with the client.
import { describe, expect, it } from "@effect/vitest"
import type { McpClient, McpSchema } from "@mcp-effect/core"
import { McpTestServer } from "@mcp-effect/core/testing"
import { NodeMcpTestServer } from "@mcp-effect/node/testing"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { vi } from "vitest"
import { bounded, connect, connectClosable, eventually } from "../support/live.js"

vi.setConfig({ testTimeout: 30_000 })

const options = { era: "stateless", reconnect: Schedule.spaced("10 millis") } as const

/** Every notification from now on, in a queue. */
const collect = (client: McpClient.Service) =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<McpSchema.ServerNotification>()
    const started = yield* Queue.unbounded<void>()
    yield* client.notifications.pipe(
      Stream.onStart(Queue.offer(started, undefined)),
      Stream.runForEach((n) => Queue.offer(queue, n)),
      Effect.forkScoped
    )
    yield* Queue.take(started)
    return queue
  })

const listens = (server: McpTestServer.Handle) =>
  Effect.map(server.log, (log) => log.filter((entry) => entry.rpcMethod === "subscriptions/listen"))

const listenStreams = (streams: ReadonlyArray<McpTestServer.OpenStream>) =>
  streams.filter((s) => s.kind === "listen").length

describe("subscriptions/listen (stateless era)", () => {
  it.live("subscribeResource returns once acknowledged; updates and list changes arrive; nothing unasked", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ era: "stateless" })
      const client = yield* connect({ url, ...options })
      const notifications = yield* collect(client)
      // The list-changed listen opens with the session (the server declares listChanged).
      yield* server.awaitStreams((s) => listenStreams(s) === 1)
      yield* client.subscribeResource("test://hello")
      // Acknowledged before subscribeResource returned: the new stream is open, the old one closed.
      yield* server.awaitStreams((s) => listenStreams(s) === 1)
      const sent = yield* listens(server)
      expect(sent).toHaveLength(2)
      expect(sent[1]?.message).toMatchObject({
        params: {
          notifications: {
            toolsListChanged: true,
            promptsListChanged: true,
            resourcesListChanged: true,
            resourceSubscriptions: ["test://hello"]
          }
        }
      })
      expect(sent[0]?.requestId).not.toEqual(sent[1]?.requestId)
      yield* server.updateResource("test://not-subscribed")
      yield* server.updateResource("test://hello")
      yield* server.setTools(McpTestServer.defaultTools)
      const first = yield* Queue.take(notifications)
      const second = yield* Queue.take(notifications)
      expect([first.method, second.method]).toEqual([
        "notifications/resources/updated",
        "notifications/tools/list_changed"
      ])
      expect(first.params).toMatchObject({
        uri: "test://hello",
        _meta: { "io.modelcontextprotocol/subscriptionId": sent[1]?.requestId }
      })
      // No acknowledgement reaches the app, nor the update nobody asked for.
      expect(yield* Queue.size(notifications)).toBe(0)
      yield* client.unsubscribeResource("test://hello")
      const last = yield* listens(server)
      expect(last).toHaveLength(3)
      expect(last[2]?.message).toMatchObject({ params: { notifications: { toolsListChanged: true } } })
      expect(JSON.stringify(last[2]?.message)).not.toContain("resourceSubscriptions")
    }).pipe(Effect.scoped, bounded("listen, subscribe, notifications")))

  it.live("a server that does not honour resource subscriptions: subscribeResource fails, typed", () =>
    Effect.gen(function*() {
      const { url } = yield* NodeMcpTestServer.make({
        era: "stateless",
        capabilities: { tools: {}, resources: { listChanged: true } }
      })
      const client = yield* connect({ url, ...options })
      const error = yield* Effect.flip(client.subscribeResource("test://hello"))
      expect(error._tag).toBe("JsonRpcError")
      expect(error).toMatchObject({ code: -32601, method: "resources/subscribe" })
    }).pipe(Effect.scoped, bounded("an unhonoured subscription")))

  it.live("a stream dropped without a final result is listened to again (new id), and the app told to re-read", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ era: "stateless" })
      const client = yield* connect({ url, ...options })
      const notifications = yield* collect(client)
      yield* client.subscribeResource("test://hello")
      // The next listen stream (the re-listen after this drop) is cut right after its acknowledgement.
      yield* server.inject(McpTestServer.Fault.CloseStream({ afterEvents: 0 }), { rpcMethod: "subscriptions/listen" })
      yield* server.setTools(McpTestServer.defaultTools)
      expect((yield* Queue.take(notifications)).method).toBe("notifications/tools/list_changed")
      yield* client.subscribeResource("test://greeting/Ada") // opens the stream the fault cuts
      yield* eventually("listened again after the drop", Effect.map(listens(server), (l) => l.length >= 4))
      // What may have been missed meanwhile: every acknowledged list and resource, once.
      const missed = new Set<string>()
      for (let i = 0; i < 5; i++) {
        const n = yield* Queue.take(notifications)
        missed.add(n.method === "notifications/resources/updated" ? `updated ${JSON.stringify(n.params)}` : n.method)
      }
      expect(missed).toEqual(
        new Set([
          "notifications/tools/list_changed",
          "notifications/prompts/list_changed",
          "notifications/resources/list_changed",
          `updated ${JSON.stringify({ uri: "test://hello" })}`,
          `updated ${JSON.stringify({ uri: "test://greeting/Ada" })}`
        ])
      )
      yield* server.awaitStreams((s) => listenStreams(s) === 1)
      const ids = (yield* listens(server)).map((entry) => entry.requestId)
      expect(new Set(ids).size).toBe(ids.length)
      yield* server.updateResource("test://greeting/Ada")
      expect((yield* Queue.take(notifications)).params).toMatchObject({ uri: "test://greeting/Ada" })
    }).pipe(Effect.scoped, bounded("a dropped listen stream")))

  it.live("a graceful end (the final result) is not listened to again; closing the client closes the stream", () =>
    Effect.gen(function*() {
      const { server, url } = yield* NodeMcpTestServer.make({ era: "stateless" })
      const first = yield* connectClosable({ url, ...options })
      yield* first.client.subscribeResource("test://hello")
      yield* server.awaitStreams((s) => listenStreams(s) === 1)
      yield* first.close
      yield* server.awaitStreams((s) => listenStreams(s) === 0)
      const second = yield* connect({ url, ...options })
      yield* second.subscribeResource("test://hello")
      yield* server.awaitStreams((s) => listenStreams(s) === 1)
      const before = (yield* listens(server)).length
      yield* server.restart
      yield* server.awaitStreams((s) => listenStreams(s) === 0)
      // A later request still works (nothing stateful was lost); no listen was sent after the end.
      expect((yield* second.callTool("echo", { text: "after" })).content).toEqual([{ type: "text", text: "after" }])
      expect((yield* listens(server)).length).toBe(before)
    }).pipe(Effect.scoped, bounded("graceful end and close")))
})
