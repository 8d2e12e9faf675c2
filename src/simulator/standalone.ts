/**
 * Run the simulator by hand: `node dist/simulator/standalone.js [file.csv.gz]`. Prints where it listens and the
 * token, then serves until interrupted.
 */
import {startSimulator} from './index.js'

const file = process.argv[2]
const simulator = await startSimulator({dataset: file ? {file} : 'demo'})
process.stdout.write(`${JSON.stringify({apiUrl: simulator.apiUrl, downloadOrigin: simulator.downloadOrigin,
  token: simulator.token, orgIds: simulator.datasetOrgIds}, null, 2)}\n`)
const stop = () => void simulator.close().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
