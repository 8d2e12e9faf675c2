#!/usr/bin/env node
import {handleSignalsAlways} from '../dist/core/exit-cleanup.js'

// The process, not a command, owns the signals: Ctrl-C and `docker stop` end any phase at once with 130 or 143,
// also as a container's PID 1, where node's default would ignore them (exit-cleanup.ts). Before oclif loads
// (a dynamic import: static ones would all load first): that takes a few hundred milliseconds, in which a
// signal ended the CLI by node's default (no 143, and as PID 1 not at all).
handleSignalsAlways()

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
