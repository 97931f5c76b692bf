// Session recovery for the clients that have none (the SDK clients, the floor), written the way a
// careful application would: a 404 for the session → one shared re-connect (single flight: the
// calls that fail together wait for the same new session) → the call is sent again, at most 3 times.
// Our client is used as is: recovery is its own job.
export async function withRecovery(client, url, options) {
  if (client.recoversItself) return client.connect(url, options)
  let current = await client.connect(url, options)
  let renewing
  const renew = (failed) => {
    if (current !== failed) return Promise.resolve()
    if (renewing?.from === failed) return renewing.promise
    const promise = client.connect(url, options).then((next) => {
      current = next
      // The dead session's DELETE can only meet a 404: not awaited, not on the call's path.
      failed.close().catch(() => {})
    })
    renewing = { from: failed, promise }
    return promise
  }
  return {
    call: async (name, args, onProgress) => {
      for (let attempt = 0;; attempt++) {
        const connection = current
        try {
          return await connection.call(name, args, onProgress)
        } catch (error) {
          // A call still in flight on a connection that has been replaced fails when the old one
          // is closed ("Connection closed"): its session was gone anyway, so it goes again too.
          const replaced = connection !== current
          if (attempt >= 3 || !(replaced || client.isSessionGone(error))) throw error
          if (!replaced) await renew(connection)
        }
      }
    },
    close: () => current.close()
  }
}
