/**
 * Reads SGE's `-xml` output: validates it (truncated or malformed output is an error, never
 * half a picture) and returns a tree in which repeated elements are always arrays.
 */
import {XMLParser, XMLValidator} from 'fast-xml-parser'
import {SchedulerUnavailableError} from '../scheduler.js'

/** Elements that may repeat in qhost / qstat XML, so they always parse as arrays. */
const REPEATED = new Set(['host', 'hostvalue', 'queue', 'queuevalue', 'job', 'jobvalue', 'job_list', 'requested_pe', 'granted_pe', 'hard_request', 'soft_request', 'hard_req_queue', 'predecessor_jobs', 'predecessor_jobs_req'])

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => REPEATED.has(name),
})

/** A parsed XML element: attributes as `@name`, text as `#text`, children by tag name. */
export type XmlNode = Record<string, unknown>

/** Parses SGE XML whose root element must be `root`; throws SchedulerUnavailableError on anything else. */
export function parseSgeXml(xml: string, root: string, what: string): XmlNode {
  const text = xml.trim()
  if (text === '') throw new SchedulerUnavailableError(`${what} printed no XML`)
  const valid = XMLValidator.validate(text)
  if (valid !== true) {
    throw new SchedulerUnavailableError(`${what} printed malformed XML: ${valid.err.msg} (line ${valid.err.line})`, text.slice(0, 500))
  }
  const tree = parser.parse(text) as XmlNode
  const top = tree[root]
  if (top === undefined) throw new SchedulerUnavailableError(`${what} printed XML without a <${root}> element`, text.slice(0, 500))
  return typeof top === 'object' && top !== null ? (top as XmlNode) : {}
}

/** Returns the text of an element (or of `#text` inside an element with attributes). */
export function textOf(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'object') return textOf((value as XmlNode)['#text'])
  return String(value)
}

/** Returns a child that may be absent, one element or an array, as an array. */
export function listOf(value: unknown): XmlNode[] {
  if (value === undefined || value === null || value === '') return []
  return (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'object' && v !== null ? (v as XmlNode) : {'#text': v}))
}

/** Returns the attribute `name` of an element. */
export function attr(node: XmlNode, name: string): string {
  const value = node[`@${name}`]
  return value === undefined ? '' : String(value)
}
