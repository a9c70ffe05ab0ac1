import {expect} from 'chai'
import {Readable} from 'node:stream'
import {parseSwfLine, readSwf, readSwfStream, selectWindow} from '../../../src/sim/swf.js'

const FIXTURES = new URL('../../fixtures/swf/', import.meta.url).pathname

describe('SWF reader', () => {
  it('reads the header machine size', async () => {
    const w = await readSwf(`${FIXTURES}pitfalls.swf`)
    expect(w.header.maxProcs).to.equal(16)
    expect(w.header.maxNodes).to.equal(4)
    expect(w.header.unixStartTime).to.equal(1000000000)
    expect(w.header.fields.Computer).to.equal('hand-made test machine')
  })

  it('sorts unsorted submit times and says so', async () => {
    const w = await readSwf(`${FIXTURES}pitfalls.swf`)
    expect(w.unsorted).to.equal(true)
    expect(w.jobs.map((j) => j.id)).to.deep.equal(['1', '3', '2', '7'])
    expect(w.jobs.map((j) => j.submitAt)).to.deep.equal([100, 200, 300, 700])
  })

  it('skips and counts jobs without run time or processors', async () => {
    const w = await readSwf(`${FIXTURES}pitfalls.swf`)
    expect(w.skipped).to.deep.equal({noRunTime: 2, noCores: 1, malformed: 0})
  })

  it('uses allocated processors, else requested ones; -1 fields become absent', async () => {
    const w = await readSwf(`${FIXTURES}pitfalls.swf`)
    const byId = new Map(w.jobs.map((j) => [j.id, j]))
    expect(byId.get('1')).to.deep.equal({id: '1', submitAt: 100, runTime: 60, cores: 4, walltime: 120, memoryMiBPerCore: 2, owner: '7', queue: '1'})
    expect(byId.get('2')!.cores).to.equal(8) // allocated -1 → requested 8
    expect(byId.get('3')).to.deep.equal({id: '3', submitAt: 200, runTime: 30, cores: 2}) // requested missing
    expect(byId.get('7')!.cores).to.equal(16) // allocated wins over requested 32
    expect(byId.get('7')!.runTime).to.equal(12.5)
    expect(byId.get('2')!.walltime).to.equal(undefined)
  })

  it('reads gzip files the same as plain ones', async () => {
    const plain = await readSwf(`${FIXTURES}pitfalls.swf`)
    const gz = await readSwf(`${FIXTURES}pitfalls.swf.gz`)
    expect(gz).to.deep.equal(plain)
  })

  it('counts malformed lines', async () => {
    const w = await readSwfStream(Readable.from(['1 2 3\n', 'x abc 0 10 1\n', '2 5 0 10 1\n']))
    expect(w.skipped.malformed).to.equal(2)
    expect(w.jobs).to.have.length(1)
    expect(parseSwfLine('9 -1 0 10 1')).to.equal('malformed')
  })

  it('cuts a window and shifts submit times to start at 0', async () => {
    const w = await readSwf(`${FIXTURES}pitfalls.swf`)
    const win = selectWindow(w.jobs, {from: 100, to: 600})
    expect(win.map((j) => [j.id, j.submitAt])).to.deep.equal([['3', 0], ['2', 100]])
    expect(selectWindow(w.jobs, {jobs: 2}).map((j) => j.id)).to.deep.equal(['1', '3'])
  })
})
