/**
 * A YAML (or JSON: a JSON document is YAML) configuration file read with the line of every node, so that each
 * problem is reported as one line naming the file and the line (exit 2).
 */
import {LineCounter, parseDocument, type Node as YamlNode} from 'yaml'

import {InputFileError} from './errors.js'

export interface YamlFile {
  root: YamlNode | null
  lineOf(node: YamlNode | null | undefined): number | null
  /** Throws `Label path, line N: problem.` */
  fail(node: YamlNode | null | undefined, problem: string): never
}

/** `label`: how messages name the file ("Budgets file"); `code`: the error code of every problem. */
export function readYamlFile(label: string, code: string, path: string, text: string): YamlFile {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, {lineCounter, prettyErrors: false})
  const lineOf = (node: YamlNode | null | undefined): number | null => (node?.range ? lineCounter.linePos(node.range[0]).line : null)
  const where = (line: number | null | undefined) => `${label} ${path}${line ? `, line ${line}` : ''}`
  if (document.errors.length > 0) {
    const error = document.errors[0]
    // Without prettyErrors the error has no line of its own: its offset gives it.
    const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line
    throw new InputFileError(code, `${where(line)}: not valid YAML/JSON (${error.message.split('\n')[0]}).`)
  }
  return {
    root: document.contents as YamlNode | null,
    lineOf,
    fail(node, problem) {
      throw new InputFileError(code, `${where(lineOf(node))}: ${problem}.`)
    },
  }
}
