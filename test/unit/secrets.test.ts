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

  it('replaces the signature of a presigned URL quoted without its scheme and host (an echoed path and query)', () => {
    const echoed = 'has column {"url":"/exports/j1/part-1.csv.gz?X-Amz-Date=20261202T133123Z&X-Amz-Signature=9f8e7d6c5b4a&X-Amz-Expires=60"}'
    expect(redact(echoed)).toBe('has column {"url":"/exports/j1/part-1.csv.gz?X-Amz-Date=20261202T133123Z&X-Amz-Signature=[redacted]&X-Amz-Expires=60"}')
    expect(redact('/p?X-Amz-Security-Token=FwoGZX1 /q?sv=2021&sig=AbC%2Bd /r?X-Goog-Signature=0a1b')).toBe('/p?X-Amz-Security-Token=[redacted] /q?sv=2021&sig=[redacted] /r?X-Goog-Signature=[redacted]')
  })

  it('replaces a short value (a 4-6 character password) only as a whole token, never inside a longer word or number', () => {
    registerSecret('Pw9x')
    registerSecret('abc')
    registerSecret('4711')
    expect(redact('database "Pw9x" does not exist; Pw9x.')).toBe('database "[redacted]" does not exist; [redacted].')
    expect(redact('abc def abcdef xabc abc_1 4711 47110 14711 4711ms')).toBe('[redacted] def abcdef xabc [redacted]_1 [redacted] 47110 14711 4711ms')
    expect(redact('Pw9xPw9x and Pw9x')).toBe('Pw9xPw9x and [redacted]')
  })

  it('replaces the password of any scheme://user:password@ URL and password= values, registered or not', () => {
    expect(redact('connect postgres://etl:s3@host:5432/db failed')).toBe('connect postgres://etl:[redacted]@host:5432/db failed')
    expect(redact('postgresql://:x@h/db mysql://u:p%40ss@h')).toBe('postgresql://:[redacted]@h/db mysql://u:[redacted]@h')
    expect(redact('host=h user=u password=hunter2 dbname=d')).toBe('host=h user=u password=[redacted] dbname=d')
    expect(redact('{"user":"u","password":"hunter2"} PGPASSWORD=xyz passwd: q1')).toBe('{"user":"u","password":"[redacted]"} PGPASSWORD=[redacted] passwd: [redacted]')
  })

  it('leaves usage hints, ports, paths and ordinary words alone', () => {
    const hint = 'give postgres://user:password@host:5432/db?sslmode=require, parquet:DIR or focus:DIR'
    expect(redact(hint)).toBe(hint)
    const line = 'https://host:443/path@x: password authentication failed for user "etl": check the user and password in the target'
    expect(redact(line)).toBe(line)
  })
})

describe('redact: tokens by their shape', () => {
  it('replaces CircleCI and Slack tokens and Slack webhook URLs never registered, but not the usage hints that name them', () => {
    expect(redact('Unexpected argument: CCIPAT_Lj8VWRtg_4c2d CCIPRJ_abc_12')).toBe('Unexpected argument: [redacted] [redacted]')
    expect(redact('got xoxb-1234-5678-AbCd and xoxp-99')).toBe('got [redacted] and [redacted]')
    expect(redact('post https://hooks.slack.com/services/T0/B0/XyZ failed')).toBe('post [redacted-url] failed')
    const hint = "holds the app's bot token (xoxb-...); SLACK_ACCESS_TOKEN=xoxb-... cci-usage notify"
    expect(redact(hint)).toBe(hint)
  })
})
