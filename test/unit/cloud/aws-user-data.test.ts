/** The one user data of a multi-instance launch, and the name table list() reads back — including running the wrapper script. */
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {combineUserData, NODE_PLACEHOLDER} from '../../../src/cloud/aws/user-data.js'
import {creationTags, hostNameOf, nodeTableTags, tagMap} from '../../../src/cloud/aws/tags.js'
import {CloudError} from '../../../src/cloud/provider.js'

function renders(names: string[], template: string): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, template.replaceAll('{{node}}', n)]))
}

function throws(fn: () => unknown): CloudError {
  try {
    fn()
  } catch (error) {
    if (error instanceof CloudError) return error
    throw error
  }
  throw new Error('expected a CloudError')
}

describe('combineUserData', () => {
  it('sends identical non-script user data (cloud-config) unchanged', () => {
    const text = '#cloud-config\npackages: [gridengine-exec]\n'
    expect(combineUserData(['a-1', 'a-2'], renders(['a-1', 'a-2'], text))).to.equal(text)
  })

  it('refuses per-node user data that is not a script', () => {
    const error = throws(() => combineUserData(['a-1', 'a-2'], renders(['a-1', 'a-2'], '#cloud-config\nhostname: {{node}}\n')))
    expect(error.message).to.contain('must be a shell script')
  })

  it('refuses host names that are not RFC 1123 names', () => {
    expect(throws(() => combineUserData(['ok-1', 'bad;rm -rf'], {})).code).to.equal('InvalidHostName')
  })

  it('refuses renders that differ in more than the host name, and user data over 16 KiB', () => {
    expect(throws(() => combineUserData(['a-1', 'a-2'], {'a-1': '#!/bin/sh\necho 1\n', 'a-2': '#!/bin/sh\necho 2\n'})).code).to.equal('InvalidUserData')
    expect(throws(() => combineUserData(['a-1'], {'a-1': `#!/bin/sh\n# ${'x'.repeat(20_000)}\n`})).message).to.contain('at most 16384')
    expect(throws(() => combineUserData(['a-1'], {'a-1': `#!/bin/sh\n${NODE_PLACEHOLDER}\n`})).code).to.equal('InvalidUserData')
  })

  for (const [index, expected] of [
    ['0', 'c1-w1'],
    ['2', 'c1-w3'],
  ] as const) {
    it(`runs as a shell script: launch index ${index} names itself ${expected} and runs its own user data`, () => {
      const names = ['c1-w1', 'c1-w2', 'c1-w3']
      const script = combineUserData(names, renders(names, "#!/bin/sh\necho \"node={{node}} head=10.0.0.5\" > \"$DCAAS_DIR/ran\"\n"))
      const dir = mkdtempSync(join(tmpdir(), 'dcaas-ud-'))
      try {
        const bin = join(dir, 'bin')
        execFileSync('mkdir', ['-p', bin])
        // Fake metadata service and hostname tools: no network, no change to this machine.
        writeFileSync(join(bin, 'curl'), `#!/bin/sh\ncase "$*" in *api/token*) echo tok;; *ami-launch-index*) echo ${index};; esac\n`)
        writeFileSync(join(bin, 'hostnamectl'), `#!/bin/sh\necho "$2" > "${dir}/hostname"\n`)
        chmodSync(join(bin, 'curl'), 0o755)
        chmodSync(join(bin, 'hostnamectl'), 0o755)
        writeFileSync(join(dir, 'user-data'), script)
        execFileSync('sh', [join(dir, 'user-data')], {env: {PATH: `${bin}:/usr/bin:/bin`, DCAAS_DIR: join(dir, 'state')}})
        expect(readFileSync(join(dir, 'hostname'), 'utf8').trim()).to.equal(expected)
        expect(readFileSync(join(dir, 'state', 'node'), 'utf8').trim()).to.equal(expected)
        expect(readFileSync(join(dir, 'state', 'ran'), 'utf8').trim()).to.equal(`node=${expected} head=10.0.0.5`)
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    })
  }
})

describe('AWS name table tags', () => {
  it('splits long tables over several tags of at most 256 characters and reads every index back', () => {
    const names = Array.from({length: 60}, (_, i) => `cluster-one-worker-${String(i).padStart(4, '0')}`)
    const tags = nodeTableTags(names)
    expect(tags.length).to.be.greaterThan(1)
    expect(tags.every((t) => t.Value!.length <= 256)).to.equal(true)
    const map = tagMap(tags)
    names.forEach((name, i) => expect(hostNameOf(map, i)).to.equal(name))
    expect(hostNameOf(map, 60)).to.equal('')
  })

  it('prefers the dcaas:node tag and has no name without a table or launch index', () => {
    const map = tagMap([...nodeTableTags(['a', 'b']), {Key: 'dcaas:node', Value: 'z'}])
    expect(hostNameOf(map, 0)).to.equal('z')
    expect(hostNameOf(tagMap([]), 0)).to.equal('')
    expect(hostNameOf(tagMap(nodeTableTags(['a'])), undefined)).to.equal('')
  })

  it('keeps dcaas tags out of the extra tags and refuses more than 50 tags', () => {
    const tags = creationTags('c1', 'r1', 'tok', ['a'], {'dcaas:cluster': 'evil', Name: 'x', team: 'hpc'})
    expect(tags.filter((t) => t.Key === 'dcaas:cluster')).to.deep.equal([{Key: 'dcaas:cluster', Value: 'c1'}])
    expect(tags.some((t) => t.Key === 'Name')).to.equal(false)
    expect(tags).to.deep.include({Key: 'team', Value: 'hpc'})
    const many = Object.fromEntries(Array.from({length: 45}, (_, i) => [`k${i}`, 'v']))
    expect(throws(() => creationTags('c1', 'r1', 'tok', ['a'], many)).code).to.equal('TooManyTags')
  })
})
