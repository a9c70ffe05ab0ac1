import {execFileSync} from 'node:child_process'
import {expect} from 'chai'
import {couldNotStart, describeConnectError, parsePidMarker, remoteCommandLine} from '../../../src/exec/ssh.js'

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

describe('couldNotStart', () => {
  const table: Array<{name: string; code: number | null; stderr: string; expected: boolean}> = [
    {name: 'bash exec: not found', code: 127, stderr: 'bash: line 1: exec: qstat: not found\n', expected: true},
    {name: 'dash exec: not found', code: 127, stderr: 'sh: 1: exec: qstat: not found\n', expected: true},
    {name: 'not executable', code: 126, stderr: 'bash: line 1: exec: qstat: cannot execute: Permission denied\n', expected: true},
    {name: 'env, UTF-8 quotes', code: 127, stderr: 'env: \u2018qstat\u2019: No such file or directory\n', expected: true},
    {name: 'env, ASCII quotes', code: 127, stderr: "env: 'qstat': No such file or directory\n", expected: true},
    {name: 'another program missing', code: 127, stderr: "env: 'qconf': No such file or directory\n", expected: false},
    {name: 'name is only a prefix', code: 127, stderr: "env: 'qstatx': No such file or directory\n", expected: false},
    {name: 'the program itself exited 127', code: 127, stderr: 'error: no such queue\n', expected: false},
    {name: 'ordinary failure', code: 1, stderr: 'bash: line 1: exec: qstat: not found\n', expected: false},
  ]
  for (const {name, code, stderr, expected} of table) {
    it(name, () => expect(couldNotStart(code, stderr, 'qstat')).to.equal(expected))
  }
})
