import {execFileSync} from 'node:child_process'
import {expect} from 'chai'
import {describeConnectError, parsePidMarker, remoteCommandLine} from '../../../src/exec/ssh.js'

describe('remoteCommandLine', () => {
  it('reports the pid on stderr, then execs the quoted argv in the same process', () => {
    const line = remoteCommandLine(['sh', '-c', 'echo "$$"; printf %s "$1"', 'sh', "x'$HOME"])
    const out = execFileSync('sh', ['-c', `exec 2>&1; ${line}`], {encoding: 'utf8'})
    const [marker, pid, arg] = out.split('\n')
    expect(marker).to.equal(`dcaas-pid:${pid}`)
    expect(arg).to.equal("x'$HOME")
  })

  it('puts env words after exec', () => {
    expect(remoteCommandLine(['qstat'], {SGE_CELL: 'default'})).to.match(/; exec 'env' 'SGE_CELL=default' 'qstat'$/)
  })
})

describe('parsePidMarker', () => {
  const table: Array<{name: string; input: string; pid: number | undefined; rest: string}> = [
    {name: 'marker then output', input: 'dcaas-pid:123\nerror: x\n', pid: 123, rest: 'error: x\n'},
    {name: 'marker only', input: 'dcaas-pid:7\n', pid: 7, rest: ''},
    {name: 'login-shell noise before the marker', input: 'motd\ndcaas-pid:42\nboom', pid: 42, rest: 'motd\nboom'},
    {name: 'incomplete marker line', input: 'dcaas-pid:12', pid: undefined, rest: ''},
    {name: 'no marker', input: 'plain stderr', pid: undefined, rest: 'plain stderr'},
    {name: 'marker text inside a line is not a marker', input: 'say dcaas-pid:9\n', pid: undefined, rest: 'say dcaas-pid:9\n'},
    {name: 'non-numeric pid', input: 'dcaas-pid:1;x\nrest', pid: undefined, rest: 'rest'},
  ]
  for (const {name, input, pid, rest} of table) {
    it(name, () => {
      const parsed = parsePidMarker(Buffer.from(input))
      expect(parsed.pid).to.equal(pid)
      expect(parsed.rest.toString()).to.equal(rest)
    })
  }
})

describe('describeConnectError', () => {
  const table: Array<{name: string; error: object; expected: RegExp}> = [
    {name: 'refused', error: {code: 'ECONNREFUSED', message: 'connect ECONNREFUSED'}, expected: /connection refused/},
    {name: 'unknown host', error: {code: 'ENOTFOUND'}, expected: /host name not found/},
    {name: 'unreachable', error: {code: 'EHOSTUNREACH'}, expected: /host unreachable/},
    {name: 'auth', error: {level: 'client-authentication', message: 'All configured authentication methods failed'}, expected: /authentication failed/},
    {name: 'handshake timeout', error: {level: 'client-timeout', message: 'Timed out'}, expected: /within 7s/},
    {name: 'key parse', error: {message: 'Cannot parse privateKey: Unsupported key format'}, expected: /private key could not be used \(Cannot parse/},
  ]
  for (const {name, error, expected} of table) {
    it(name, () => expect(describeConnectError(error, 7)).to.match(expected))
  }

  it('never repeats key material found in a message', () => {
    const message = `bad key -----BEGIN OPENSSH PRIVATE KEY-----\n${'A'.repeat(70)}`
    const text = describeConnectError({message}, 5)
    expect(text).not.to.contain('AAAA')
    expect(text).not.to.contain('BEGIN')
  })
})
