/** Text from the data or an API must not move the cursor or recolour the terminal: control characters become '?'. */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
}
