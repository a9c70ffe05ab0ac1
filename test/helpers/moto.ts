/**
 * Starts a real EC2 API emulator (moto_server) on 127.0.0.1 for tests, and an optional
 * fault proxy in front of it that answers chosen EC2 actions with a real EC2 error response
 * (moto cannot be told to run out of capacity) or rewrites moto's answers.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {createServer, type Server} from 'node:http'
import {createServer as createNetServer} from 'node:net'

/** A running moto_server. */
export interface Moto {
  endpoint: string
  port: number
  /** Clears every emulated resource (POST /moto-api/reset). */
  reset(): Promise<void>
  /** Turns moto's IAM authentication on (0 = from the next request) or off (Infinity). */
  setAuth(initialNoAuthActions: number): Promise<void>
  stop(): Promise<void>
}

/** Environment the AWS SDK reads: fake credentials, region, no shared files, no instance metadata. */
export const MOTO_ENV: Record<string, string> = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SESSION_TOKEN: 'testing',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/dcaas-test-credentials',
  AWS_CONFIG_FILE: '/nonexistent/dcaas-test-config',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
}

/** Puts MOTO_ENV into process.env and returns a function that restores the previous values. */
export function useMotoEnv(): () => void {
  const saved = new Map<string, string | undefined>()
  for (const [key, value] of Object.entries(MOTO_ENV)) {
    saved.set(key, process.env[key])
    process.env[key] = value
  }
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }
}

/** Finds a free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Starts moto_server on a free port of 127.0.0.1 and waits until it answers. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  let child: ChildProcess
  try {
    child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env}})
  } catch (error) {
    throw new Error(`cannot start moto_server (pip install 'moto[server]'): ${String(error)}`)
  }
  let stderr = ''
  let exited: string | undefined
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  child.on('error', (error) => {
    exited = `moto_server could not start (is it installed? pip install 'moto[server]'): ${error.message}`
  })
  child.on('exit', (code) => {
    exited ??= `moto_server exited with code ${code}: ${stderr}`
  })
  const deadline = Date.now() + 30_000
  for (;;) {
    if (exited) throw new Error(exited)
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`)
      if (response.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`moto_server did not answer on ${endpoint} within 30s: ${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    endpoint,
    port,
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, {method: 'POST'})
    },
    async setAuth(initialNoAuthActions: number) {
      await fetch(`${endpoint}/moto-api/reset-auth`, {method: 'POST', body: Number.isFinite(initialNoAuthActions) ? String(initialNoAuthActions) : 'inf'})
    },
    async stop() {
      if (child.exitCode !== null) return
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 3000).unref()
      })
    },
  }
}

/** An EC2 error the proxy answers with instead of forwarding. */
export interface InjectedError {
  code: string
  message: string
  /** HTTP status (default 400). */
  status?: number
}

/** Decides, per request, whether the proxy fails it, and how it rewrites moto's answer. */
export interface FaultRules {
  /** Returns an error to answer the EC2 action with, or undefined to forward it to moto. */
  fail?: (action: string, params: URLSearchParams) => InjectedError | undefined
  /** Rewrites moto's response body for an action. */
  rewrite?: (action: string, body: string) => string
}

/** A running fault proxy. */
export interface FaultProxy {
  endpoint: string
  /** EC2 actions seen, in order. */
  actions: string[]
  rules: FaultRules
  stop(): Promise<void>
}

/** Starts an HTTP proxy on 127.0.0.1 in front of `target` that applies `rules` to EC2 query-API requests. */
export async function startFaultProxy(target: string, rules: FaultRules = {}): Promise<FaultProxy> {
  const actions: string[] = []
  const proxy: FaultProxy = {endpoint: '', actions, rules, stop: async () => {}}
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const params = new URLSearchParams(body.toString('utf8'))
    const action = params.get('Action') ?? ''
    actions.push(action)
    const injected = proxy.rules.fail?.(action, params)
    if (injected) {
      res.writeHead(injected.status ?? 400, {'content-type': 'text/xml'})
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${injected.code}</Code><Message>${injected.message}</Message></Error></Errors><RequestID>dcaas-test</RequestID></Response>`,
      )
      return
    }
    try {
      const headers: Record<string, string> = {}
      for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string' && key !== 'host' && key !== 'content-length') headers[key] = value
      const upstream = await fetch(`${target}${req.url ?? '/'}`, {method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body})
      let text = await upstream.text()
      if (proxy.rules.rewrite) text = proxy.rules.rewrite(action, text)
      res.writeHead(upstream.status, {'content-type': upstream.headers.get('content-type') ?? 'text/xml'})
      res.end(text)
    } catch (error) {
      res.writeHead(502)
      res.end(String(error))
    }
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  proxy.endpoint = `http://127.0.0.1:${port}`
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return proxy
}
