/**
 * Replays 36,000 synthetic jobs over one year of virtual time through SimWorld, calling
 * advanceTo() every 60 s (and observe() after each call, as `dcaas simulate` does), and prints
 * the CPU and wall-clock time. Run: npx tsx bench/sim-world.ts [nodes] [coresPerNode]
 * (NO_OBSERVE=1 skips the observe() calls).
 */
import {SimWorld} from '../src/sim/world.js'
import {nextRandom} from '../src/sim/rng.js'

const nodes = Number(process.argv[2] ?? 700)
const coresPerNode = Number(process.argv[3] ?? 8)
const jobs = 36_000
const year = 365 * 86_400
let rng = 42
const rand = (): number => {
  const r = nextRandom(rng)
  rng = r.state
  return r.value
}

const world = new SimWorld()
const names = Array.from({length: nodes}, (_, i) => `w${i}`)
world.launch({resource: 'r1', names, cores: coresPerNode, memoryMiB: coresPerNode * 4096, bootTime: 0, bootFails: names.map(() => false)})
for (const name of names) world.addNode({name, slots: coresPerNode, memoryMiB: coresPerNode * 4096})
const capacity = nodes * coresPerNode
let demand = 0
for (let i = 0; i < jobs; i++) {
  const kind = rand()
  const cores = kind < 0.6 ? 1 : kind < 0.8 ? 2 ** Math.floor(rand() * 4) : coresPerNode * (1 + Math.floor(rand() * 4))
  const runTime = Math.floor(60 + rand() * rand() * 200_000)
  demand += cores * runTime
  world.submit({
    cores,
    perNode: kind >= 0.8 && kind < 0.9 ? coresPerNode : undefined,
    spread: kind >= 0.9 ? true : undefined,
    memoryMiBPerCore: rand() < 0.3 ? 2048 : undefined,
    runTime,
    walltime: Math.floor(runTime * (1 + rand() * 2)),
    submitAt: Math.floor((i / jobs) * year),
  })
}
const started = process.hrtime.bigint()
const cpu0 = process.cpuUsage()
let calls = 0
let observed = 0
for (let t = 0; t <= year + 400_000 && world.pendingJobs > 0; t += 60) {
  world.advanceTo(t)
  if (!process.env.NO_OBSERVE) observed += world.observe().jobs.length
  calls++
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9
const cpu = process.cpuUsage(cpu0)
const cpuSeconds = (cpu.user + cpu.system) / 1e6
const d = world.done
let wait = 0
for (let i = 0; i < d.id.length; i++) wait += d.startAt[i] - d.submitAt[i]
console.log(
  `${nodes} nodes x ${coresPerNode} cores, offered load ${(demand / (capacity * year)).toFixed(2)}: ` +
    `${calls} advanceTo+observe calls, ${d.id.length} jobs done, mean wait ${(wait / d.id.length / 60).toFixed(1)} min, ` +
    `${cpuSeconds.toFixed(2)} s CPU, ${seconds.toFixed(2)} s wall (${observed} observed job rows)`,
)
