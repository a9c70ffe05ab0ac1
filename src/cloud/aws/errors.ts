/**
 * Maps errors of the AWS SDK (EC2 service errors, credential-provider errors, network errors)
 * to the typed errors of src/cloud/provider.ts that the engine acts on:
 * capacity and quota → the resource backs off; credentials or permissions → one clear message, no retry;
 * anything else → CloudError (a later pass may try again). Throttling never gets here unless the
 * SDK's own retries (standard mode) were exhausted; it then is a plain CloudError.
 */
import {AuthError, CapacityError, CloudError, QuotaError} from '../provider.js'

/** EC2 error codes that mean "no capacity for this shape here now". */
export const CAPACITY_CODES: ReadonlySet<string> = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientHostCapacity',
  'InsufficientReservedInstanceCapacity',
  'InsufficientCapacity',
  'InsufficientCapacityOnHost',
  'Unsupported',
  'SpotMaxPriceTooLow',
  'capacity-not-available',
  'capacity-oversubscribed',
  'price-too-low',
])

/** EC2 error codes that mean "an account limit was reached". */
export const QUOTA_CODES: ReadonlySet<string> = new Set([
  'InstanceLimitExceeded',
  'VcpuLimitExceeded',
  'MaxSpotInstanceCountExceeded',
  'InsufficientFreeAddressesInSubnet',
  'AddressLimitExceeded',
  'VolumeLimitExceeded',
  'MaxIOPSLimitExceeded',
  'ResourceLimitExceeded',
  'NetworkInterfaceLimitExceeded',
])

/** EC2 / STS / SDK error codes that mean "credentials missing, wrong, expired or not allowed". */
export const AUTH_CODES: ReadonlySet<string> = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'RequestExpired',
  'OptInRequired',
  'Blocked',
  'CredentialsProviderError',
  'TokenProviderError',
])

/** Where a failed call was going, for messages. */
export interface AwsCallContext {
  /** EC2 action, e.g. RunInstances. */
  action: string
  region?: string
  profile?: string
}

/** Returns the error code of an SDK error: its `name` (service errors), else `Code`, else `code` (network). */
export function awsErrorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'Unknown'
  const e = error as {name?: unknown; Code?: unknown; code?: unknown}
  if (typeof e.Code === 'string' && e.Code !== '') return e.Code
  if (typeof e.name === 'string' && e.name !== '' && e.name !== 'Error') return e.name
  if (typeof e.code === 'string' && e.code !== '') return e.code
  return 'Unknown'
}

/** Turns any error from an EC2 call into a CapacityError, QuotaError, AuthError or CloudError. */
export function mapAwsError(error: unknown, context: AwsCallContext): CloudError {
  if (error instanceof CloudError) return error
  const code = awsErrorCode(error)
  const message = error instanceof Error ? firstLine(error.message) : String(error)
  if (CAPACITY_CODES.has(code)) return new CapacityError(`EC2 has no capacity (${code}): ${message}`, code)
  if (QUOTA_CODES.has(code)) return new QuotaError(`AWS account limit reached (${code}): ${message}`, code)
  if (AUTH_CODES.has(code)) return new AuthError(authMessage(code, message, context), code)
  if (/region is missing/i.test(message)) {
    return new AuthError('No AWS region is set: set `region` in the resource\'s cloud section, AWS_REGION, or `region` in the shared config profile.', 'RegionMissing')
  }
  return new CloudError(`EC2 ${context.action} failed (${code}): ${message}`, code)
}

/** The one message shown when AWS refuses or cannot find the credentials. */
function authMessage(code: string, message: string, context: AwsCallContext): string {
  const where = [context.region ? `region ${context.region}` : undefined, context.profile ? `profile ${context.profile}` : undefined]
    .filter(Boolean)
    .join(', ')
  const what =
    code === 'UnauthorizedOperation'
      ? `the credentials are not allowed to call ${context.action}`
      : code === 'CredentialsProviderError' || code === 'TokenProviderError'
        ? 'no AWS credentials were found'
        : 'AWS refused the credentials'
  const hint =
    code === 'UnauthorizedOperation'
      ? 'Grant the IAM identity ec2:RunInstances, ec2:CreateTags, ec2:DescribeInstances, ec2:DescribeInstanceTypes and ec2:TerminateInstances.'
      : 'Provide credentials via AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws/credentials with the `profile` setting, or an instance role.'
  return `${what}${where ? ` (${where})` : ''}: ${code}: ${message} ${hint}`
}

/** Keeps the first line of a message (UnauthorizedOperation carries a long encoded blob after it). */
function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? ''
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}
