/**
 * What a command needs to act on a cluster: the loaded config, its backends and its state
 * store, opened together and closed together.
 */
import type {LoadedConfig} from '../config/types.js'
import type {Backends} from './backends.js'
import {openBackends} from './open-backends.js'
import {openStateStore, type StateStore} from './state-store.js'

/** An open cluster session. */
export interface Session extends LoadedConfig {
  backends: Backends
  store: StateStore
}

/**
 * Opens the state store and the backends of a loaded config, runs fn, and always closes them.
 * With `lock`, the pass lock is taken first — before the backends are opened — so that of two
 * commands that change the cluster, the second exits at once (code 7) instead of queueing.
 */
export async function withSession<T>(loaded: LoadedConfig, fn: (session: Session) => Promise<T>, options: {lock?: boolean} = {}): Promise<T> {
  const store = openStateStore(loaded.config.stateDir)
  const release = options.lock ? await store.lock() : undefined
  try {
    const backends = await openBackends(loaded.config)
    try {
      return await fn({...loaded, backends, store})
    } finally {
      await backends.close()
    }
  } finally {
    await release?.()
  }
}
