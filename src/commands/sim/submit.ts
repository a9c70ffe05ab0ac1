import {Flags} from '@oclif/core'
import {jobSpecs, jobSpecsFromFile} from '../../sim/job-spec.js'
import {openSimWorld, requireSimScheduler} from '../../sim/world-store.js'
import {BaseCommand} from '../../ui/base-command.js'
import {time} from '../../ui/format.js'

/** What `dcaas sim submit --json` prints. */
export interface SimSubmitResult {
  /** Simulated time of the submission (epoch seconds). */
  time: number
  submitted: string[]
}

const JOB_FLAGS = ['cores', 'count', 'runtime', 'walltime', 'queue', 'account', 'property', 'memory', 'per-node', 'spread', 'owner', 'name', 'priority', 'delay']

export default class SimSubmit extends BaseCommand {
  static override summary = 'Submit jobs to the simulated scheduler.'
  static override description =
    'Adds jobs to the built-in simulated cluster (configuration with `scheduler: {type: sim}`). A job runs for --runtime once started; ' +
    'the simulated scheduler starts jobs first-come-first-served with EASY backfilling (using --walltime when given). ' +
    'Give the job on the command line, or a YAML/JSON list of jobs with --file (fields: cores, count, runtime, walltime, queue, account, property, memory, perNode, spread, owner, name, priority, delay).'

  static override examples = [
    '<%= config.bin %> <%= command.id %> --cores 4 --runtime 30m',
    '<%= config.bin %> <%= command.id %> --count 20 --cores 1 --runtime 5m --memory 2G',
    '<%= config.bin %> <%= command.id %> --cores 16 --per-node 8 --runtime 1h --walltime 2h --queue mpi',
    '<%= config.bin %> <%= command.id %> --file jobs.yaml --json',
  ]

  static override flags = {
    cores: Flags.integer({min: 1, default: 1, summary: 'Cores per job.'}),
    count: Flags.integer({min: 1, default: 1, summary: 'Number of identical jobs.'}),
    runtime: Flags.string({default: '10m', summary: 'How long each job runs: seconds or a duration ("10m", "1h30m").'}),
    walltime: Flags.string({summary: 'Requested wall time (what the scheduler plans with); default: the run time.'}),
    queue: Flags.string({summary: 'Queue to submit to.'}),
    account: Flags.string({summary: 'Account / project charged.'}),
    property: Flags.string({summary: 'Node property the job needs.'}),
    memory: Flags.string({summary: 'Memory per core ("2G", "2048M").'}),
    'per-node': Flags.integer({min: 1, summary: 'Cores on each node: the job takes cores/per-node whole chunks on separate nodes.'}),
    spread: Flags.boolean({summary: 'Cores may be split over several nodes of one resource.', exclusive: ['per-node']}),
    owner: Flags.string({summary: 'User who owns the job.'}),
    name: Flags.string({summary: 'Job name.'}),
    priority: Flags.integer({summary: 'Higher runs first (default 0).'}),
    delay: Flags.string({summary: 'Arrive this long after now (duration).'}),
    file: Flags.string({char: 'f', summary: 'YAML or JSON file with a list of jobs.', exclusive: JOB_FLAGS}),
  }

  public async run(): Promise<SimSubmitResult> {
    const {flags} = await this.parse(SimSubmit)
    const {config} = await this.loadConfig(flags.config)
    requireSimScheduler(config)
    const sim = await openSimWorld(config.stateDir, config.sim)
    try {
      const now = sim.now()
      const specs = flags.file
        ? await jobSpecsFromFile(flags.file, now)
        : jobSpecs({...flags, perNode: flags['per-node'], spread: flags.spread || undefined}, now, 'sim submit')
      const submitted = specs.map((spec) => sim.world.submit(spec))
      await sim.save()
      if (!this.jsonEnabled()) this.log(`Submitted ${submitted.length} job(s) at ${time(now)}: ${submitted.join(' ')}`)
      return {time: now, submitted}
    } finally {
      await sim.release()
    }
  }
}
