/**
 * Every reason code the planner gives, for an action or for something it did not do.
 * Each code has one sentence; the planner adds a detail sentence naming the specifics.
 */
export const REASONS = {
  // why an action is taken
  'pending-jobs': 'queued jobs need more capacity than the cluster has or is starting',
  'below-min': 'the resource has fewer workers than its min',
  'idle-timeout': 'the node has been idle longer than max idle time',
  'launch-timeout': 'the instance did not become a ready node within max launch time',
  'not-registered': 'the instance runs but the scheduler does not know its node yet',
  'unregistered-instance': 'an instance of this cluster unknown to the scheduler outlived max launch time',
  'instance-vanished': 'the node is in the scheduler but its instance is gone',
  'node-error-timeout': 'the node has been down or in error longer than max down time',
  'drain': 'the resource is draining: its nodes are held and removed as they empty',
  'admin': 'an admin asked for it',
  'resume-deleting': 'a removal begun by an earlier pass did not finish',
  // why something is not done
  'max-reached': 'the resource is at its max',
  'cluster-max-reached': 'the cluster is at its max nodes',
  'in-backoff': 'launches on the resource failed recently; it is backing off',
  'disabled': 'the resource stopped launching after repeated failed boots; an admin must restore it',
  'frozen': 'the resource is frozen: no automatic change',
  'draining': 'the resource is draining',
  'no-fit': 'the job is larger than one worker of the resource can ever hold',
  'reservation-mismatch': 'the resource is reserved for other jobs',
  'no-resource': 'no resource is configured',
  'node-busy': 'the node runs a job',
  'not-idle-long-enough': 'the node has not been idle for max idle time yet',
  'at-min': 'removing the node would take the resource below its min',
  'needed-by-pending-job': 'a queued job is expected to run on the node',
  'admin-hold': 'an admin holds the node',
  'observation-failed': 'observing the scheduler or the cloud failed or was partial: no scale-down this pass',
  'auto-off': 'automatic scaling is off',
  'capacity-covered': 'capacity already idle or starting will take the job',
} as const

export type Reason = keyof typeof REASONS
