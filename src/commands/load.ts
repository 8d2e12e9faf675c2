import {Flags} from '@oclif/core'

import {BaseCommand} from '../core/base-command.js'
import {BadInputError} from '../core/errors.js'
import {parseDdlDialect, printableDdl} from '../load/ddl.js'
import {describeLoad, loadExport, parseTarget, type LoadResult} from '../load/index.js'
import {LOAD_TO_VARIABLE, registerTargetSecrets} from '../load/target.js'
import {parsePrice} from '../report/flags.js'

export default class Load extends BaseCommand {
  static override summary = 'Load a usage export into Postgres, a Parquet lake or FOCUS cost rows, exactly once per row.'

  static override description = `Targets (--to, or the CCI_USAGE_LOAD_TO environment variable, since a database URL carries a password):
  postgres://user:password@host:5432/db?sslmode=verify-full&schema=public&table=circleci_usage
      A table with every export column, typed, plus loaded_at (created if missing). One transaction: the days the input covers whole are replaced per organization and day, rows of partly covered days replace the rows with the same JOB_ID, then COPY. A failure rolls back.
  parquet:DIR   Parquet (zstd) partitioned month=YYYY-MM/; each month the load touches is rebuilt (files it replaces nothing of are kept) and swapped in whole.
  focus:DIR     FOCUS 1.2 cost rows as Parquet, one per export row and credit kind; --credit-price gives the costs.

sslmode has libpq's meaning: require encrypts without checking the certificate (with sslrootcert, checks its chain), verify-ca checks the chain against sslrootcert, verify-full the chain and the host name, prefer falls back to a plain connection.

The password never appears in output. --print-ddl prints the table definition for postgres, bigquery, snowflake, athena or redshift, from the same column list the loader uses.

An existing table the load would fail on (a NOT NULL export column, a type narrower than the loader's, a varchar(n) shorter than the input's values) is refused before anything is deleted, with the ALTER TABLE that fixes it.

Exit codes: 0 done, 2 bad input (file, flag, malformed target, a table the load would fail on), 3 the database refused the login, 4 the database could not be reached or failed the load.`

  static override examples = [
    {description: 'Load the weekly export into Postgres (URL in the environment)', command: 'CCI_USAGE_LOAD_TO=postgres://etl:***@db:5432/finops <%= config.bin %> <%= command.id %> --input usage-report/usage.csv'},
    {description: 'Add an export to a Parquet lake for BigQuery, Snowflake or Athena', command: '<%= config.bin %> <%= command.id %> --input usage.csv --to parquet:./lake'},
    {description: 'FOCUS cost rows in dollars, with teams', command: '<%= config.bin %> <%= command.id %> --input usage.csv --to focus:./focus --credit-price 0.0006 --teams teams.yml'},
    {description: 'The BigQuery table definition', command: '<%= config.bin %> <%= command.id %> --print-ddl bigquery'},
  ]

  static override flags = {
    input: Flags.string({char: 'i', multiple: true, description: 'Usage export: .csv, .csv.gz, export parts or a folder of them (repeatable; a JOB_ID in several is loaded once, from the last).'}),
    to: Flags.string({env: LOAD_TO_VARIABLE, description: 'Target: postgres://..., parquet:DIR or focus:DIR (or CCI_USAGE_LOAD_TO).'}),
    'print-ddl': Flags.string({description: 'Print the table definition for postgres, bigquery, snowflake, athena or redshift, and exit.'}),
    'credit-price': Flags.string({description: 'USD per credit, for the FOCUS costs (without it they are 0).'}),
    teams: Flags.string({description: 'YAML, JSON or CSV file mapping projects to teams, for the FOCUS Tags.'}),
  }

  public async run(): Promise<LoadResult | {ddl: string}> {
    registerTargetSecrets(this.argv, process.env, LOAD_TO_VARIABLE)
    const {flags} = await this.parse(Load)
    if (flags['print-ddl'] !== undefined) {
      const ddl = printableDdl(parseDdlDialect(flags['print-ddl']))
      if (!this.jsonEnabled()) process.stdout.write(ddl)
      return {ddl}
    }
    if (flags.to === undefined || flags.to.trim() === '') {
      throw new BadInputError('E_NO_TARGET', 'No target: pass --to postgres://..., parquet:DIR or focus:DIR, or set CCI_USAGE_LOAD_TO.')
    }
    const target = parseTarget(flags.to, this.argv.some((arg) => arg === '--to' || arg.startsWith('--to=')) ? '--to' : LOAD_TO_VARIABLE)
    if (!flags.input || flags.input.length === 0) {
      throw new BadInputError('E_NO_INPUT', 'No input: pass --input with a usage export (.csv, .csv.gz, the parts or a folder of them).')
    }
    const result = await loadExport(
      target,
      {
        inputs: flags.input,
        creditPrice: flags['credit-price'] === undefined ? null : parsePrice(flags['credit-price']),
        teamsFile: flags.teams,
      },
      {log: (line) => this.info(line), warn: (line) => this.warning(line)},
    )
    if (!this.jsonEnabled()) process.stdout.write(describeLoad(result) + '\n')
    return result
  }
}
