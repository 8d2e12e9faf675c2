import {jest} from '@jest/globals'

import {haveSystemTool} from '../helpers/system-tools.js'

describe('haveSystemTool (how lint tests decide to skip)', () => {
  const saved = process.env.CI
  afterEach(() => {
    if (saved === undefined) delete process.env.CI
    else process.env.CI = saved
  })
  const missing = 'cci-usage-no-such-tool'

  it('skips with a note outside CI', () => {
    delete process.env.CI
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined)
    expect(haveSystemTool(missing, 'a check')).toBe(false)
    expect(log.mock.calls[0][0]).toContain(`Skipping a check: ${missing} is not installed`)
    log.mockRestore()
  })

  it('fails in CI, so a lint cannot be skipped there', () => {
    process.env.CI = 'true'
    expect(() => haveSystemTool(missing, 'a check')).toThrow(`${missing} is not installed but CI is set`)
  })

  it('runs when the tool is there', () => {
    process.env.CI = 'true'
    expect(haveSystemTool('node', 'a check')).toBe(true)
  })
})
