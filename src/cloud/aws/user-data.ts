/**
 * One user data for all the instances of one RunInstances call.
 *
 * RunInstances gives every instance of a call the same user data, but each worker needs its own
 * host name. The engine renders the resource's template once per name; this module turns those
 * renders back into one template (the name replaced by a placeholder) and wraps it in a small
 * shell script that reads the instance's `ami-launch-index` from the instance metadata service
 * (IMDSv2, falling back to v1), picks its host name from the table of names in launch order, sets
 * the host name, puts the name back into the template and runs it.
 *
 * - Per-node user data (the renders differ) must be a shell script (`#!`); the wrapper execs it.
 * - User data that is the same for every node and is not a script (e.g. `#cloud-config`) is sent
 *   unchanged: the wrapper would break it, and it does not need the host name.
 * - No user data at all: the wrapper only sets the host name.
 */
import {CloudError} from '../provider.js'

/** The placeholder that stands for the host name inside the shared template. */
export const NODE_PLACEHOLDER = '__DCAAS_NODE__'

/** The largest user data EC2 accepts, in bytes, before base64. */
export const USER_DATA_MAX_BYTES = 16_384

/** A host name dcaas accepts from the planner (RFC 1123 labels), so it is safe inside a shell script. */
export const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i

/** Builds the single user data (plain text, not yet base64) for instances started with these names in this order. */
export function combineUserData(names: string[], userData: Record<string, string>): string {
  for (const name of names) {
    if (!HOST_NAME.test(name)) throw new CloudError(`Refusing to launch a worker with the invalid host name ${JSON.stringify(name)}.`, 'InvalidHostName')
  }
  const renders = names.map((name) => userData[name] ?? '')
  if (renders.some((text) => text.includes(NODE_PLACEHOLDER))) {
    throw new CloudError(`Worker user data must not contain ${NODE_PLACEHOLDER}.`, 'InvalidUserData')
  }
  const templates = renders.map((text, i) => text.replaceAll(names[i]!, NODE_PLACEHOLDER))
  const template = templates[0] ?? ''
  if (templates.some((t) => t !== template)) {
    throw new CloudError('The rendered user data of the workers differ in more than the host name; dcaas cannot start them in one call.', 'InvalidUserData')
  }
  let text: string
  if (template !== '' && !template.startsWith('#!')) {
    if (template.includes(NODE_PLACEHOLDER)) {
      throw new CloudError(
        'User data that names the node ({{node}}) must be a shell script starting with #! when several workers start in one call.',
        'InvalidUserData',
      )
    }
    text = template
  } else {
    text = wrapperScript(names, template)
  }
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > USER_DATA_MAX_BYTES) {
    throw new CloudError(`The user data for ${names.length} workers is ${bytes} bytes; EC2 accepts at most ${USER_DATA_MAX_BYTES}. Shorten the template or lower the launch size.`, 'InvalidUserData')
  }
  return text
}

/** Renders the shell wrapper: name table, metadata lookup, host name, then the template (if any). */
function wrapperScript(names: string[], template: string): string {
  const lines = [
    '#!/bin/sh',
    '# dcaas worker user data: one script for every instance of this launch; each instance picks',
    '# its host name from DCAAS_NODES by its ami-launch-index, then runs the resource user data.',
    `DCAAS_NODES="${names.join(' ')}"`,
    'DCAAS_DIR="${DCAAS_DIR:-/var/lib/dcaas}"',
    'IMDS="${DCAAS_IMDS:-http://169.254.169.254}"',
    'md() {',
    '  t=$(curl -s -m 5 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" "$IMDS/latest/api/token")',
    '  if [ -n "$t" ]; then curl -s -m 5 -H "X-aws-ec2-metadata-token: $t" "$IMDS/latest/meta-data/$1"; else curl -s -m 5 "$IMDS/latest/meta-data/$1"; fi',
    '}',
    'i=$(md ami-launch-index)',
    'case "$i" in ""|*[!0-9]*) echo "dcaas: cannot read ami-launch-index" >&2; exit 1;; esac',
    'set -- $DCAAS_NODES',
    'shift "$i" || exit 1',
    'DCAAS_NODE="$1"',
    'export DCAAS_NODE',
    'hostnamectl set-hostname "$DCAAS_NODE" 2>/dev/null || hostname "$DCAAS_NODE"',
    'mkdir -p "$DCAAS_DIR"',
    'echo "$DCAAS_NODE" > "$DCAAS_DIR/node"',
  ]
  if (template !== '') {
    lines.push(
      'base64 -d > "$DCAAS_DIR/user-data.template" <<\'DCAAS_EOF\'',
      ...(Buffer.from(template, 'utf8').toString('base64').match(/.{1,76}/g) ?? []),
      'DCAAS_EOF',
      `sed "s/${NODE_PLACEHOLDER}/$DCAAS_NODE/g" "$DCAAS_DIR/user-data.template" > "$DCAAS_DIR/user-data"`,
      'chmod 700 "$DCAAS_DIR/user-data"',
      'exec "$DCAAS_DIR/user-data"',
    )
  }
  return `${lines.join('\n')}\n`
}
