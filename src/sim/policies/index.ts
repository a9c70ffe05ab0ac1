/**
 * The policies `dcaas simulate --policy` accepts: `dcaas` is the real planner, the others are
 * baselines modelled on the systems dcaas is compared with.
 */
import {plan} from '../../core/plan.js'
import type {Policy} from '../../core/policy.js'
import {createDynamicClusterPolicy} from './dynamiccluster.js'
import {createStarClusterPolicy} from './starcluster.js'
import {createStaticPolicy} from './static.js'

/** Every policy name, in the order they are reported. */
export const POLICY_NAMES = ['dcaas', 'dynamiccluster', 'starcluster', 'static'] as const

/** A policy name. */
export type PolicyName = (typeof POLICY_NAMES)[number]

/** Creates a fresh policy by name (baselines keep memory, so each run needs its own). */
export function createPolicy(name: PolicyName): Policy {
  switch (name) {
    case 'dcaas':
      return plan
    case 'dynamiccluster':
      return createDynamicClusterPolicy()
    case 'starcluster':
      return createStarClusterPolicy()
    case 'static':
      return createStaticPolicy()
  }
}

/** Tells whether a string names a policy. */
export function isPolicyName(name: string): name is PolicyName {
  return (POLICY_NAMES as readonly string[]).includes(name)
}
