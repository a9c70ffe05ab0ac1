/**
 * Worker host names: `<cluster>-<resource>-<NNN>`. The planner picks the lowest free index,
 * so names stay short, deterministic, and unique even after the state file is lost.
 */

/** Builds the host name of worker `index` of a resource. */
export function nodeName(cluster: string, resource: string, index: number): string {
  return `${cluster}-${resource}-${String(index).padStart(3, '0')}`
}

/** Returns the resource name if `name` is a worker name of this cluster for one of `resources`, else undefined. */
export function resourceOfName(cluster: string, resources: readonly string[], name: string): string | undefined {
  const prefix = `${cluster}-`
  if (!name.startsWith(prefix)) return undefined
  const rest = name.slice(prefix.length)
  const dash = rest.lastIndexOf('-')
  if (dash <= 0 || !/^\d+$/.test(rest.slice(dash + 1))) return undefined
  const resource = rest.slice(0, dash)
  return resources.includes(resource) ? resource : undefined
}

/** Allocates `count` new names for a resource, skipping every name in `taken`; adds them to `taken`. */
export function allocateNames(cluster: string, resource: string, count: number, taken: Set<string>): string[] {
  const names: string[] = []
  for (let i = 1; names.length < count; i++) {
    const name = nodeName(cluster, resource, i)
    if (!taken.has(name)) {
      names.push(name)
      taken.add(name)
    }
  }
  return names
}

/** Tells whether a host name is safe to pass to a scheduler command or a cloud API (RFC 1123 label rules, dots allowed). */
export function isValidHostName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/.test(name)
}
