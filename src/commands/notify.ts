import {dirname, join, resolve} from 'node:path'

import {Flags} from '@oclif/core'

import {BaseCommand} from '../core/base-command.js'
import {slackFlags, notifyOptionsFromFlags} from '../slack/flags.js'
import {deliverSlack, dryRunOutput, teamMessagesFromFiles, type TeamNotifyResult} from '../slack/delivery.js'
import type {NotifyResult} from '../slack/index.js'
import {readSummaryFile} from '../slack/read-summary.js'

export default class Notify extends BaseCommand {
  static override summary = 'Post the weekly usage summary (summary.json) to Slack.'

  static override description = `Reads the summary.json written by \`cci-usage report\` and posts a Block Kit message: total credits, change vs the previous window, top projects, failed-job cost and savings, with a link to the CircleCI job's artifacts. With a bot token the credits-by-project chart is added to the message's thread. When the report was made with a teams file, each team with a slack_channel also gets its own message (only its projects, its chart) in its channel; the thresholds apply to each message. Slack failures are warnings (exit 0) unless --strict-notify is given.

Exit codes: 0 done (a Slack failure is a warning unless --strict-notify), 2 bad input (flag, missing or malformed summary.json), 6 Slack failed with --strict-notify.`

  static override examples = [
    '<%= config.bin %> notify --dry-run',
    'SLACK_ACCESS_TOKEN=xoxb-... SLACK_DEFAULT_CHANNEL=C0123456789 <%= config.bin %> notify --out usage-report',
    '<%= config.bin %> notify --notify-if-change-over 20 --slack-webhook-url "$SLACK_WEBHOOK_URL"',
  ]

  static override flags = {
    out: Flags.string({description: 'Report directory (summary.json and the chart).', default: './usage-report'}),
    summary: Flags.string({description: 'summary.json to read [default: <out>/summary.json].'}),
    ...slackFlags,
  }

  public async run(): Promise<NotifyResult & {teams: TeamNotifyResult[]}> {
    const {flags} = await this.parse(Notify)
    const outDir = resolve(flags.out)
    const options = notifyOptionsFromFlags(flags, outDir)
    const summaryPath = flags.summary ? resolve(flags.summary) : join(outDir, 'summary.json')
    const summary = await readSummaryFile(summaryPath)
    // Team files are listed relative to summary.json, wherever it is.
    const teams = await teamMessagesFromFiles(dirname(summaryPath), summary)
    const delivery = await deliverSlack(summary, teams, options, (line) => this.info(line))
    for (const warning of delivery.warnings) this.warning(warning)
    if (delivery.organization.dryRun && !this.jsonEnabled()) process.stdout.write(JSON.stringify(dryRunOutput(delivery), null, 2) + '\n')
    return {...delivery.organization, teams: delivery.teams}
  }
}
