/**
 * The tags dcaas puts on its EC2 instances, and how list() reads a host name back from them.
 *
 * Tags set at creation (same on every instance of one RunInstances call):
 *   dcaas:cluster, dcaas:resource, dcaas:launch-token, the config's extra tags, and the table of
 *   host names of that call in launch order, split over `dcaas:nodes:0`, `dcaas:nodes:1`, … (each
 *   value ≤ 256 characters, names separated by spaces).
 * Tags set right after creation, one CreateTags per instance: Name and dcaas:node (= host name).
 * A host name is therefore read from dcaas:node, else from the table at the instance's
 * AmiLaunchIndex — which is what the worker itself chose from its user data.
 */
import type {Tag} from '@aws-sdk/client-ec2'
import {CloudError} from '../provider.js'

/** Tag keys dcaas uses. */
export const TAG = {
  cluster: 'dcaas:cluster',
  resource: 'dcaas:resource',
  launchToken: 'dcaas:launch-token',
  node: 'dcaas:node',
  nodesPrefix: 'dcaas:nodes:',
  name: 'Name',
} as const

/** EC2 allows at most this many tags on one resource. */
export const MAX_TAGS = 50

/** EC2's longest tag value. */
const MAX_VALUE = 256

/** Splits the host names of one launch into `dcaas:nodes:<i>` tags of at most 256 characters each. */
export function nodeTableTags(names: string[]): Tag[] {
  const chunks: string[] = []
  let current = ''
  for (const name of names) {
    const next = current === '' ? name : `${current} ${name}`
    if (next.length > MAX_VALUE) {
      chunks.push(current)
      current = name
    } else {
      current = next
    }
  }
  if (current !== '') chunks.push(current)
  return chunks.map((value, i) => ({Key: `${TAG.nodesPrefix}${i}`, Value: value}))
}

/** Builds the tags every instance of one launch gets at creation; throws when EC2's 50-tag limit would be passed. */
export function creationTags(cluster: string, resource: string, token: string, names: string[], extra: Record<string, string>): Tag[] {
  const own: Tag[] = [
    {Key: TAG.cluster, Value: cluster},
    {Key: TAG.resource, Value: resource},
    {Key: TAG.launchToken, Value: token},
    ...nodeTableTags(names),
  ]
  const ownKeys = new Set(own.map((t) => t.Key))
  const user = Object.entries(extra)
    .filter(([key]) => !ownKeys.has(key) && !key.startsWith('dcaas:') && key !== TAG.name)
    .map(([Key, Value]) => ({Key, Value}))
  const tags = [...own, ...user]
  // Name and dcaas:node are added per instance afterwards.
  if (tags.length + 2 > MAX_TAGS) {
    throw new CloudError(`Launching ${names.length} workers needs ${tags.length + 2} tags per instance; EC2 allows ${MAX_TAGS}. Lower the launch size or the extra tags.`, 'TooManyTags')
  }
  return tags
}

/** Reads a tag list into a map. */
export function tagMap(tags: Tag[] | undefined): Map<string, string> {
  const map = new Map<string, string>()
  for (const tag of tags ?? []) if (tag.Key !== undefined) map.set(tag.Key, tag.Value ?? '')
  return map
}

/** Returns an instance's host name: dcaas:node, else the launch's name table at its launch index, else ''. */
export function hostNameOf(tags: Map<string, string>, launchIndex: number | undefined): string {
  const tagged = tags.get(TAG.node)
  if (tagged) return tagged
  if (launchIndex === undefined) return ''
  const table: string[] = []
  for (let i = 0; tags.has(`${TAG.nodesPrefix}${i}`); i++) table.push(...tags.get(`${TAG.nodesPrefix}${i}`)!.split(' ').filter(Boolean))
  return table[launchIndex] ?? ''
}
