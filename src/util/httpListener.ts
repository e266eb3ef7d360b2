/**
 * Listen / close helpers shared by the metrics endpoint and the status RPC server: resolve once
 * the socket is bound (port 0 picks a free port), and close without waiting for idle
 * keep-alive connections.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface BoundAddress {
  host: string
  port: number
}

export function listenHttp(server: Server, host: string, port: number): Promise<BoundAddress> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      const addr = server.address() as AddressInfo
      resolve({ host: addr.address, port: addr.port })
    })
  })
}

export function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve()
      return
    }
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** `http://host:port` with IPv6 hosts bracketed. */
export function httpUrl(addr: BoundAddress): string {
  return addr.host.includes(':')
    ? `http://[${addr.host}]:${addr.port}`
    : `http://${addr.host}:${addr.port}`
}
