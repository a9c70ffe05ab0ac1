import {execFileSync} from 'node:child_process'
import {expect} from 'chai'
import {quoteArgv, quoteWord, withEnv} from '../../../src/exec/quote.js'
import {RunnerError} from '../../../src/exec/runner.js'

/** Words a shell would otherwise expand, split or execute. */
const NASTY = [
  '',
  'plain',
  'with space',
  "it's",
  "''",
  '"double"',
  '$HOME',
  '${PATH}',
  '`id`',
  '$(id)',
  'a;b',
  'a && b | c',
  'line1\nline2',
  '*',
  '~',
  'back\\slash',
  '-n',
  '\t tab',
  'é ü 漢字',
  "'; rm -rf / #",
]

describe('quoteWord', () => {
  const table: Array<{name: string; input: string; expected: string}> = [
    {name: 'plain word', input: 'qstat', expected: "'qstat'"},
    {name: 'empty word', input: '', expected: "''"},
    {name: 'single quote', input: "it's", expected: "'it'\\''s'"},
    {name: 'dollar is kept literal', input: '$HOME', expected: "'$HOME'"},
    {name: 'only quotes', input: "''", expected: "''\\'''\\'''"},
  ]
  for (const {name, input, expected} of table) {
    it(name, () => expect(quoteWord(input)).to.equal(expected))
  }

  it('rejects a NUL byte with a RunnerError', () => {
    expect(() => quoteWord('a\0b')).to.throw(RunnerError, /NUL/)
  })

  it('makes every nasty word arrive verbatim through a real POSIX shell', () => {
    const line = quoteArgv(['printf', '%s\\0', ...NASTY])
    const output = execFileSync('sh', ['-c', line], {encoding: 'utf8'})
    expect(output.split('\0').slice(0, -1)).to.deep.equal(NASTY)
  })
})

describe('quoteArgv', () => {
  it('joins quoted words with spaces', () => {
    expect(quoteArgv(['qconf', '-se', 'node 1'])).to.equal("'qconf' '-se' 'node 1'")
  })

  it('rejects an empty argv', () => {
    expect(() => quoteArgv([])).to.throw(RunnerError, /empty/)
  })
})

describe('withEnv', () => {
  it('returns argv unchanged without variables', () => {
    expect(withEnv(['qstat'], undefined)).to.deep.equal(['qstat'])
    expect(withEnv(['qstat'], {})).to.deep.equal(['qstat'])
  })

  it('prefixes env NAME=value words', () => {
    expect(withEnv(['qstat', '-f'], {SGE_ROOT: '/var/lib/gridengine', SGE_CELL: 'default'})).to.deep.equal([
      'env',
      'SGE_ROOT=/var/lib/gridengine',
      'SGE_CELL=default',
      'qstat',
      '-f',
    ])
  })

  for (const name of ['', '1X', 'A-B', 'A=B', 'A B', 'X;Y']) {
    it(`rejects the variable name ${JSON.stringify(name)}`, () => {
      expect(() => withEnv(['true'], {[name]: 'v'})).to.throw(RunnerError, /invalid environment variable name/)
    })
  }

  it('passes values with shell syntax verbatim through a real shell', () => {
    const value = "a b $HOME `id` ' \" ;"
    const output = execFileSync('sh', ['-c', quoteArgv(withEnv(['sh', '-c', 'printf %s "$V"'], {V: value}))], {
      encoding: 'utf8',
    })
    expect(output).to.equal(value)
  })
})
