/**
 * The SGE scheduler module: SgeScheduler and the pure parsers of qhost, qstat and qconf output.
 */
export {SgeScheduler, type SgeOptions} from './sge-scheduler.js'
export {parseQhostXml, toSchedulerNodes, type QhostHost, type HostJob} from './qhost.js'
export {parseQstatXml, parseQstatProjects, toJobs, jobState, parseSgeTime, type QstatEntry, type ToJobsOptions} from './qstat.js'
export {parseConf, parsePe, parseAllocationRule, parseHostgroup, parseQueue, parseSlotsAttribute, parseMemoryMiB, countTasks, expandTasks, splitList, type AllocationRule} from './conf.js'
