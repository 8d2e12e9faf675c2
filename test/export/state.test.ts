import {jobOutcome, jobPhase} from '../../src/export/state.js'

describe('job state machine', () => {
  it.each([
    ['created', 'pending'],
    ['processing', 'pending'],
    ['queued-for-export', 'pending'],
    ['', 'pending'],
    ['completed', 'completed'],
    ['COMPLETED', 'completed'],
    ['failed', 'failed'],
  ])('%s is %s', (state, phase) => {
    expect(jobPhase(state)).toBe(phase)
  })

  it('maps a completed job to its parts, or to "no usage" without links', () => {
    expect(jobOutcome({state: 'completed', downloadUrls: ['u1', 'u2']})).toEqual({kind: 'download', parts: 2})
    expect(jobOutcome({state: 'completed', downloadUrls: []})).toEqual({kind: 'empty'})
    expect(jobOutcome({state: 'processing', downloadUrls: []})).toEqual({kind: 'wait'})
  })

  it('carries the error_reason of a failed job', () => {
    expect(jobOutcome({state: 'failed', downloadUrls: [], errorReason: 'quota'})).toEqual({kind: 'failed', reason: 'quota'})
    expect(jobOutcome({state: 'failed', downloadUrls: []})).toEqual({kind: 'failed', reason: 'no error_reason given'})
  })
})
