/**
 * A small deterministic pseudo-random generator (mulberry32) whose whole state is one 32-bit
 * integer, so it can live in a JSON world file and reruns with the same seed are identical.
 */

/** Draws the next number in [0, 1) from a mulberry32 state; returns the value and the next state. */
export function nextRandom(state: number): {value: number; state: number} {
  const next = (state + 0x6d2b79f5) | 0
  let t = next
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return {value: ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296, state: next}
}

/** Turns any numeric seed into an initial generator state. */
export function seedState(seed: number): number {
  return Math.trunc(seed) | 0
}
