#!/usr/bin/env node
import {execute} from '@oclif/core'

import {handleSignalsAlways} from '../dist/core/exit-cleanup.js'

// The process, not a command, owns the signals: Ctrl-C and `docker stop` end any phase at once with 130 or 143,
// also as a container's PID 1, where node's default would ignore them (exit-cleanup.ts).
handleSignalsAlways()

await execute({dir: import.meta.url})
