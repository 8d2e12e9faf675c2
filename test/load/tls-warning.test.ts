/**
 * The one-line warning when a Postgres target's TLS leaves the server's certificate unchecked: from the URL's
 * sslmode, or, for a URL without TLS parameters, from the PGSSLMODE that pg then reads.
 */
import {uncheckedTlsWarning} from '../../src/load/postgres.js'
import {parseTarget} from '../../src/load/target.js'

function postgres(url: string) {
  const target = parseTarget(url)
  if (target.kind !== 'postgres') throw new Error('not a postgres target')
  return target
}

describe('uncheckedTlsWarning', () => {
  it('warns for PGSSLMODE=no-verify when the URL has no sslmode: pg then connects with TLS and checks nothing', () => {
    expect(uncheckedTlsWarning(postgres('postgres://u:pw@db.internal/finops'), {PGSSLMODE: 'no-verify'})).toMatch(
      /^PGSSLMODE=no-verify \(the target has no sslmode\) does not check the database server's certificate: whoever answers in its place would be sent the password\./,
    )
  })

  it('stays quiet when pg verifies (any other PGSSLMODE, or none) and when the URL sets the mode itself', () => {
    for (const env of [{}, {PGSSLMODE: 'require'}, {PGSSLMODE: 'verify-full'}, {PGSSLMODE: 'disable'}]) {
      expect(uncheckedTlsWarning(postgres('postgres://u:pw@db.internal/finops'), env)).toBeNull()
    }
    expect(uncheckedTlsWarning(postgres('postgres://u:pw@db.internal/finops?sslmode=verify-full'), {PGSSLMODE: 'no-verify'})).toBeNull()
    expect(uncheckedTlsWarning(postgres('postgres://u:pw@db.internal/finops?sslmode=require'), {})).toMatch(/^sslmode=require does not check/)
  })
})
