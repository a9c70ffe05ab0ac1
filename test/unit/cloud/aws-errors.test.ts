/** Error mapping of the AWS provider, on errors shaped like the SDK's (EC2ServiceException and credential errors). */
import {expect} from 'chai'
import {EC2ServiceException} from '@aws-sdk/client-ec2'
import {mapAwsError, awsErrorCode} from '../../../src/cloud/aws/errors.js'
import {AuthError, CapacityError, CloudError, QuotaError, isLaunchRefusal} from '../../../src/cloud/provider.js'

function serviceError(name: string, message = `${name} happened`, status = 400): EC2ServiceException {
  return new EC2ServiceException({name, message, $fault: 'client', $metadata: {httpStatusCode: status, attempts: 1}})
}

describe('mapAwsError', () => {
  const context = {action: 'RunInstances', region: 'eu-west-1', profile: 'hpc'}
  const table: {code: string; type: typeof CloudError; refusal: boolean}[] = [
    {code: 'InsufficientInstanceCapacity', type: CapacityError, refusal: true},
    {code: 'InsufficientHostCapacity', type: CapacityError, refusal: true},
    {code: 'Unsupported', type: CapacityError, refusal: true},
    {code: 'SpotMaxPriceTooLow', type: CapacityError, refusal: true},
    {code: 'InstanceLimitExceeded', type: QuotaError, refusal: true},
    {code: 'VcpuLimitExceeded', type: QuotaError, refusal: true},
    {code: 'MaxSpotInstanceCountExceeded', type: QuotaError, refusal: true},
    {code: 'InsufficientFreeAddressesInSubnet', type: QuotaError, refusal: true},
    {code: 'AuthFailure', type: AuthError, refusal: false},
    {code: 'UnauthorizedOperation', type: AuthError, refusal: false},
    {code: 'InvalidClientTokenId', type: AuthError, refusal: false},
    {code: 'SignatureDoesNotMatch', type: AuthError, refusal: false},
    {code: 'ExpiredToken', type: AuthError, refusal: false},
    {code: 'InvalidAMIID.NotFound', type: CloudError, refusal: false},
    {code: 'RequestLimitExceeded', type: CloudError, refusal: false},
  ]
  for (const {code, type, refusal} of table) {
    it(`maps ${code} to ${type.name}`, () => {
      const mapped = mapAwsError(serviceError(code), context)
      expect(mapped.constructor).to.equal(type)
      expect(mapped.code).to.equal(code)
      expect(isLaunchRefusal(mapped)).to.equal(refusal)
      expect(mapped.retryable).to.equal(type !== AuthError)
    })
  }

  it('names the action, region and profile in one line for a permission error, without the encoded blob', () => {
    const mapped = mapAwsError(serviceError('UnauthorizedOperation', 'You are not authorized to perform this operation.\nEncoded authorization failure message: AAAA'), context)
    expect(mapped.message).to.contain('not allowed to call RunInstances')
    expect(mapped.message).to.contain('region eu-west-1, profile hpc')
    expect(mapped.message).to.not.contain('AAAA')
  })

  it('maps the credential provider chain failing to an AuthError saying no credentials were found', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), {name: 'CredentialsProviderError'})
    const mapped = mapAwsError(error, {action: 'DescribeInstances'})
    expect(mapped).to.be.instanceOf(AuthError)
    expect(mapped.message).to.match(/^no AWS credentials were found: /)
  })

  it('maps a missing region to a non-retryable error naming the settings', () => {
    const mapped = mapAwsError(new Error('Region is missing'), {action: 'DescribeInstances'})
    expect(mapped.retryable).to.equal(false)
    expect(mapped.message).to.contain('AWS_REGION')
  })

  it('maps network errors to a retryable CloudError with their code', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {code: 'ECONNREFUSED'})
    const mapped = mapAwsError(error, {action: 'DescribeInstances'})
    expect(mapped.constructor).to.equal(CloudError)
    expect(mapped.code).to.equal('ECONNREFUSED')
    expect(mapped.message).to.equal('EC2 DescribeInstances failed (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:1')
  })

  it('keeps errors that are already typed', () => {
    const typed = new QuotaError('limit', 'VcpuLimitExceeded')
    expect(mapAwsError(typed, context)).to.equal(typed)
  })

  it('reads the code from name, Code or code', () => {
    expect(awsErrorCode(serviceError('AuthFailure'))).to.equal('AuthFailure')
    expect(awsErrorCode({Code: 'X'})).to.equal('X')
    expect(awsErrorCode(Object.assign(new Error('x'), {code: 'ETIMEDOUT'}))).to.equal('ETIMEDOUT')
    expect(awsErrorCode('text')).to.equal('Unknown')
  })
})
