/**
 * Recognises secret keys (passwords, tokens, secret keys, AWS access keys) and replaces their
 * values, so no error message, `config show` or import report ever echoes a secret.
 */

/** The text that stands in for a secret value. */
export const REDACTED = '***'

const SECRET_KEY = /(secret|password|passwd|token|access[-_]?key)/i

/** Tells whether a key (in any spelling: camelCase, snake_case, kebab-case) names a secret. */
export function isSecretKey(key: string | number): boolean {
  return typeof key === 'string' && SECRET_KEY.test(key)
}

/** Tells whether any key along a path names a secret (so the value there must not be shown). */
export function isSecretPath(path: readonly (string | number)[]): boolean {
  return path.some((key) => isSecretKey(key))
}

/** Returns a deep copy of a JSON-like value with the value of every secret key replaced by '***'. */
export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item)) as T
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      copy[key] = isSecretKey(key) && item !== undefined && item !== null ? REDACTED : redactSecrets(item)
    }
    return copy as T
  }
  return value
}
