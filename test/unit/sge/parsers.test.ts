import {readFileSync} from 'node:fs'
import {expect} from 'chai'
import {SchedulerUnavailableError} from '../../../src/scheduler/scheduler.js'
import {
  countTasks,
  expandTasks,
  jobState,
  parseAllocationRule,
  parseConf,
  parseHostgroup,
  parseMemoryMiB,
  parsePe,
  parseQhostXml,
  parseQstatProjects,
  parseQstatXml,
  parseQueue,
  parseSgeTime,
  parseSlotsAttribute,
  toJobs,
  toSchedulerNodes,
} from '../../../src/scheduler/sge/index.js'

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/sge/${name}`, import.meta.url), 'utf8')
const pes = {smp: parsePe(fixture('pe-smp.txt'))!.allocationRule, mpi: parsePe(fixture('pe-mpi.txt'))!.allocationRule}

describe('sge parsers (captured SGE 8.1.9 output)', () => {
  describe('qhost -q -j -xml', () => {
    it('reads a busy host: slots, used slots, memory, jobs incl. slave entries and array tasks', () => {
      const nodes = toSchedulerNodes(parseQhostXml(fixture('qhost-busy.xml')), [])
      expect(nodes).to.have.length(1)
      const [node] = nodes
      expect(node).to.include({name: 'dcw-t1', status: 'up', held: false, slots: 4, slotsUsed: 4, memoryMiB: 24064})
      expect(node.jobs).to.deep.equal(['1', '2', '4.2'])
    })

    it('maps the d state to held', () => {
      const [node] = toSchedulerNodes(parseQhostXml(fixture('qhost-disabled.xml')), ['all.q'])
      expect(node.held).to.equal(true)
      expect(node.status).to.equal('up')
      expect(node.rawState).to.equal('d')
    })

    it('maps u (execd not reporting yet) to down and keeps a reporting host up', () => {
      const nodes = toSchedulerNodes(parseQhostXml(fixture('qhost-unheard.xml')), [])
      const byName = Object.fromEntries(nodes.map((n) => [n.name, n]))
      expect(byName['dcw-t2']).to.include({status: 'down', held: false, slots: 3, slotsUsed: 0})
      expect(byName['dcw-t2'].memoryMiB).to.equal(undefined)
      expect(byName['dcw-t1'].status).to.equal('up')
    })

    it('leaves out hosts without an instance of a monitored queue', () => {
      expect(toSchedulerNodes(parseQhostXml(fixture('qhost-busy.xml')), ['other.q'])).to.deep.equal([])
    })

    const states = [
      {state: 'E', status: 'error', held: false},
      {state: 'au', status: 'down', held: false},
      {state: 'dE', status: 'error', held: true},
      {state: 'c', status: 'error', held: false},
      {state: 'o', status: 'down', held: false},
      {state: 'a', status: 'up', held: false},
    ] as const
    for (const {state, status, held} of states) {
      it(`maps queue-instance state "${state}" to ${status}${held ? ', held' : ''}`, () => {
        const [node] = toSchedulerNodes([{name: 'h', queues: [{name: 'all.q', slots: 2, slotsUsed: 0, state}], jobs: []}], [])
        expect(node).to.include({status, held})
      })
    }

    it('rejects truncated and malformed XML', () => {
      const xml = fixture('qhost-busy.xml')
      expect(() => parseQhostXml(xml.slice(0, Math.floor(xml.length / 2)))).to.throw(SchedulerUnavailableError)
      expect(() => parseQhostXml(xml.replace("</host>", '</hots>'))).to.throw(SchedulerUnavailableError, /malformed/)
      expect(() => parseQhostXml('')).to.throw(SchedulerUnavailableError)
      expect(() => parseQhostXml("<?xml version='1.0'?><job_info></job_info>")).to.throw(SchedulerUnavailableError, /qhost/)
    })
  })

  describe('qstat -u * -xml -r / -ext', () => {
    const entries = parseQstatXml(fixture('qstat-r-mixed.xml'))
    const projects = parseQstatProjects(fixture('qstat-ext-mixed.xml'))
    const hosts = {'2': ['dcw-t1']}
    const {jobs, warnings} = toJobs(entries, {queues: [], pes, projects, hosts})
    const byId = Object.fromEntries(jobs.map((j) => [j.id, j]))

    it('reads projects from -ext', () => {
      expect(projects).to.deep.equal({'6': 'proja'})
    })

    it('reads a running serial job with its host and start time', () => {
      expect(byId['1']).to.include({state: 'running', cores: 1, owner: 'dcaastest', queue: 'all.q', rawState: 'r'})
      expect(byId['1'].hosts).to.deep.equal(['dcw-t1'])
      expect(byId['1'].startedAt).to.equal(parseSgeTime('2026-11-28T21:18:09'))
    })

    it('reads an smp job: cores = slots, one node ($pe_slots), h_vmem per core', () => {
      expect(byId['2']).to.include({cores: 2, memoryMiBPerCore: 1024})
      expect(byId['2'].perNode).to.equal(undefined)
      expect(byId['2'].spread).to.equal(undefined)
    })

    it('reads an mpi ($fill_up) job as spread', () => {
      expect(byId['3']).to.include({state: 'queued', cores: 6, spread: true})
    })

    it('expands a pending task range into one job per task', () => {
      const tasks = jobs.filter((j) => j.id.startsWith('4.') && j.state === 'queued').map((j) => j.id)
      expect(tasks).to.deep.equal(['4.3', '4.4', '4.5', '4.6', '4.7', '4.8', '4.9', '4.10'])
      expect(byId['4.2']).to.include({state: 'running'})
    })

    it('reads held jobs, project, queue request, mem_free and priority', () => {
      expect(byId['5']).to.include({state: 'held', rawState: 'hqw'})
      expect(byId['6']).to.include({account: 'proja', queue: 'all.q', memoryMiBPerCore: 512, priority: 0.25})
      expect(byId['6'].submittedAt).to.equal(parseSgeTime('2026-11-28T21:18:14'))
      expect(warnings).to.deep.equal([])
    })

    it('reads Eqw as error', () => {
      const eqw = toJobs(parseQstatXml(fixture('qstat-r-eqw.xml')), {queues: [], pes})
      expect(eqw.jobs.find((j) => j.id === '7')).to.include({state: 'error', rawState: 'Eqw'})
    })

    it('leaves out jobs that asked for or run in an unmonitored queue', () => {
      const other = toJobs(entries, {queues: ['other.q'], pes})
      expect(other.jobs.map((j) => j.id)).to.not.include('1')
      expect(other.jobs.map((j) => j.id)).to.not.include('6')
      expect(other.jobs.map((j) => j.id)).to.include('3')
    })

    it('treats an unknown PE as spread and warns', () => {
      const result = toJobs(entries, {queues: [], pes: {}})
      expect(result.jobs.find((j) => j.id === '2')?.spread).to.equal(true)
      expect(result.warnings.join(' ')).to.match(/smp/)
    })

    it('caps huge task ranges and says so', () => {
      const entry = {...entries.find((e) => e.tasks === '3-10:1')!, tasks: '1-75000:1'}
      const result = toJobs([entry], {queues: [], pes, maxTasksPerRange: 100})
      expect(result.jobs).to.have.length(100)
      expect(result.warnings[0]).to.match(/100 of 75000/)
    })

    it('rejects truncated XML', () => {
      const xml = fixture('qstat-r-mixed.xml')
      expect(() => parseQstatXml(xml.slice(0, xml.length - 40))).to.throw(SchedulerUnavailableError)
    })
  })

  describe('qconf text and units', () => {
    it('reads PEs and allocation rules', () => {
      expect(parsePe(fixture('pe-smp.txt'))).to.deep.equal({name: 'smp', allocationRule: {kind: 'pe_slots'}})
      expect(parsePe(fixture('pe-mpi.txt'))).to.deep.equal({name: 'mpi', allocationRule: {kind: 'fill_up'}})
      expect(parseAllocationRule('$round_robin')).to.deep.equal({kind: 'round_robin'})
      expect(parseAllocationRule('4')).to.deep.equal({kind: 'fixed', perNode: 4})
      expect(parseAllocationRule('0')).to.equal(undefined)
      expect(parsePe('nope is not a parallel environment')).to.equal(undefined)
    })

    it('maps a fixed allocation rule to perNode', () => {
      const entry = {...parseQstatXml(fixture('qstat-r-mixed.xml')).find((e) => e.pe === 'mpi')!}
      const {jobs} = toJobs([entry], {queues: [], pes: {mpi: {kind: 'fixed', perNode: 2}}})
      expect(jobs[0]).to.include({cores: 6, perNode: 2})
    })

    it('reads a queue, its slots overrides and a hostgroup', () => {
      const queue = parseQueue(fixture('queue-all.q.txt'))
      expect(queue.name).to.equal('all.q')
      expect(queue.hostlist).to.deep.equal(['@allhosts'])
      expect(queue.slots.overrides).to.deep.equal({'dcw-t1': 4})
      expect(parseHostgroup(fixture('hostgroup.txt'))).to.deep.equal({name: '@allhosts', hosts: ['dcw-t1']})
      expect(parseConf(fixture('exechost.txt')).hostname).to.equal('dcw-t1')
      expect(parseSlotsAttribute('1,[a=4],[@g=2]')).to.deep.equal({default: 1, overrides: {a: 4, '@g': 2}})
    })

    it('joins continued lines', () => {
      expect(parseConf('reporting_params accounting=true \\\n      flush_time=00:00:15\nx 1\n')).to.deep.equal({reporting_params: 'accounting=true flush_time=00:00:15', x: '1'})
    })

    const memory = [
      ['1G', 1024],
      ['512M', 512],
      ['1g', 1e9 / 1048576],
      ['2048K', 2],
      ['1048576', 1],
      ['INFINITY', undefined],
    ] as const
    for (const [text, mib] of memory) it(`converts ${text} to ${mib} MiB`, () => expect(parseMemoryMiB(text)).to.equal(mib))

    it('counts task ranges', () => {
      expect(countTasks('1-10:1')).to.equal(10)
      expect(countTasks('1-10:3')).to.equal(4)
      expect(countTasks('3,5,7-9:2')).to.equal(4)
      expect(expandTasks('1-10:3', 10).ids).to.deep.equal([1, 4, 7, 10])
    })

    it('maps state letters', () => {
      expect(['qw', 'hqw', 'r', 'Rr', 't', 'Eqw', 'dr', 'hRwq'].map(jobState)).to.deep.equal(['queued', 'held', 'running', 'running', 'running', 'error', 'running', 'held'])
    })

    it('reads epoch and ISO times', () => {
      expect(parseSgeTime('1795900689')).to.equal(1795900689)
      expect(parseSgeTime('2026-11-28T21:18:09')).to.equal(Math.floor(new Date(2026, 10, 28, 21, 18, 9).getTime() / 1000))
      expect(parseSgeTime('')).to.equal(undefined)
    })
  })
})
