import {expect} from 'chai'
import {formatDuration, parseDuration} from '../../../src/config/durations.js'

describe('config durations', () => {
  const valid: [unknown, number][] = [
    [600, 600],
    [0, 0],
    ['600', 600],
    ['600s', 600],
    ['10m', 600],
    ['1h30m', 5400],
    ['1h', 3600],
    ['2d', 172_800],
    ['1m30s', 90],
    ['1.5m', 90],
    [' 10M ', 600],
  ]
  for (const [input, seconds] of valid) {
    it(`parses ${JSON.stringify(input)} as ${seconds} s`, () => {
      expect(parseDuration(input)).to.equal(seconds)
    })
  }

  const invalid: unknown[] = ['ten minutes', '', '10 m', 'm10', '10x', '-5', -5, Number.NaN, Infinity, null, undefined, true, [], {}, '1h30']
  for (const input of invalid) {
    it(`rejects ${JSON.stringify(input) ?? String(input)}`, () => {
      expect(parseDuration(input)).to.equal(undefined)
    })
  }

  const formatted: [number, string][] = [
    [600, '10m'],
    [5400, '1h30m'],
    [90, '1m30s'],
    [45, '45s'],
    [0, '0s'],
    [86_400 + 60, '1d1m'],
    [1.5, '1.5s'],
  ]
  for (const [seconds, text] of formatted) {
    it(`formats ${seconds} s as ${text} and reads it back`, () => {
      expect(formatDuration(seconds)).to.equal(text)
      expect(parseDuration(text)).to.equal(seconds)
    })
  }
})
