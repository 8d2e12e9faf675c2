/** Walks a payload and lists every Block Kit limit it breaks, so tests can assert an empty list. */
import {SLACK_LIMITS} from '../../src/slack/limits.js'

type TextObject = {type: string; text: string}
type AnyBlock = {type: string; text?: TextObject; fields?: TextObject[]; elements?: TextObject[]}

export function blockKitViolations(payload: {text: string; blocks: object[]}): string[] {
  const problems: string[] = []
  const blocks = payload.blocks as AnyBlock[]
  if (payload.text.length === 0) problems.push('fallback text is empty')
  if (payload.text.length > SLACK_LIMITS.fallbackText) problems.push(`fallback text has ${payload.text.length} chars`)
  if (blocks.length > SLACK_LIMITS.blocksPerMessage) problems.push(`${blocks.length} blocks`)
  blocks.forEach((block, index) => {
    const at = `block ${index} (${block.type})`
    if (block.type === 'header') {
      if (block.text?.type !== 'plain_text') problems.push(`${at}: header must be plain_text`)
      if ((block.text?.text.length ?? 0) > SLACK_LIMITS.headerText) problems.push(`${at}: header has ${block.text?.text.length} chars`)
    }
    if (block.type === 'section') {
      if (!block.text && !block.fields) problems.push(`${at}: section without text or fields`)
      if (block.text && block.text.text.length > SLACK_LIMITS.sectionText) problems.push(`${at}: section text has ${block.text.text.length} chars`)
      if (block.fields && block.fields.length > SLACK_LIMITS.fieldsPerSection) problems.push(`${at}: ${block.fields.length} fields`)
      for (const field of block.fields ?? []) {
        if (field.text.length > SLACK_LIMITS.fieldText) problems.push(`${at}: field has ${field.text.length} chars`)
      }
    }
    if (block.type === 'context') {
      if ((block.elements?.length ?? 0) > SLACK_LIMITS.contextElements) problems.push(`${at}: ${block.elements?.length} elements`)
      for (const element of block.elements ?? []) {
        if (element.text.length > SLACK_LIMITS.contextElementText) problems.push(`${at}: element has ${element.text.length} chars`)
      }
    }
  })
  return problems
}

/** Every text string of the payload (fallback, header, section text, fields, context elements). */
export function allTexts(payload: {text: string; blocks: object[]}): string[] {
  const texts = [payload.text]
  for (const block of payload.blocks as AnyBlock[]) {
    if (block.text) texts.push(block.text.text)
    for (const field of block.fields ?? []) texts.push(field.text)
    for (const element of block.elements ?? []) texts.push(element.text)
  }
  return texts
}
