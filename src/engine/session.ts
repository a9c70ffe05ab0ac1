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

/** Opens the backends and the state store of a loaded config, runs fn, and always closes the backends. */
export async function withSession<T>(loaded: LoadedConfig, fn: (session: Session) => Promise<T>): Promise<T> {
  const backends = await openBackends(loaded.config)
  try {
    return await fn({...loaded, backends, store: openStateStore(loaded.config.stateDir)})
  } finally {
    await backends.close()
  }
}
