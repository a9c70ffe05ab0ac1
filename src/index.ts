/** Library entry: the domain model, the planner and the module interfaces. */
export * from './core/model.js'
export type * from './config/types.js'
export * from './cloud/provider.js'
export * from './scheduler/scheduler.js'
export * from './exec/runner.js'
export * from './errors.js'
