// A `node --import` preload for servers that listen on every interface (`app.listen(PORT)`), such as
// @modelcontextprotocol/server-everything: every `listen` binds 127.0.0.1 instead, on PORT (0, any
// free port, when unset), and the port it got is printed to stderr as "loopback-listening <address> <port>"
// so that the test harness can connect. Never exposes a test server beyond this machine.
import net from "node:net"

const listen = net.Server.prototype.listen
net.Server.prototype.listen = function(...args) {
  const callback = typeof args[args.length - 1] === "function" ? args.pop() : undefined
  const given = typeof args[0] === "object" && args[0] !== null ? args[0] : {}
  const port = Number(process.env.PORT ?? 0)
  this.once("listening", () => {
    const address = this.address()
    if (address !== null && typeof address === "object") {
      process.stderr.write(`loopback-listening ${address.address} ${address.port}\n`)
    }
  })
  return listen.call(this, { ...given, host: "127.0.0.1", port: Number.isFinite(port) ? port : 0 }, callback)
}
