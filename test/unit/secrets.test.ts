import {forgetSecrets, redact, registerSecret} from '../../src/core/secrets.js'

describe('redact', () => {
  afterEach(() => forgetSecrets())

  it('replaces registered tokens wherever they appear', () => {
    registerSecret('CCIPAT_abcdef123456')
    expect(redact('token CCIPAT_abcdef123456 was refused')).toBe('token [redacted] was refused')
  })

  it('replaces presigned URLs even when they were never registered', () => {
    const line = 'GET https://bucket.s3.amazonaws.com/part-1.csv.gz?X-Amz-Signature=abc&X-Amz-Expires=60 failed'
    expect(redact(line)).toBe('GET [redacted-url] failed')
  })

  it('ignores values too short to be secrets', () => {
    registerSecret('abc')
    expect(redact('abc def')).toBe('abc def')
  })
})
