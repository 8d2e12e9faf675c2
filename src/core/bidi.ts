/**
 * A name in a right-to-left script (Hebrew, Arabic, ...), or one holding a right-to-left mark, draws the
 * punctuation and numbers written after it into its own right-to-left run: in a left-to-right line,
 * "פרויקט: 2,476 credits" shows as "2,476 :פרויקט credits", and in a list of names with figures
 * ("(פרויקט 166,463, web 2,000)") a figure then stands beside the wrong name. No bidirectional control is
 * needed for that, so removing them from the data does not prevent it.
 */
const RIGHT_TO_LEFT = /[\u0590-\u08FF\u200F\uFB1D-\uFDFF\uFE70-\uFEFF\u{10800}-\u{10FFF}\u{1E800}-\u{1EFFF}]/u

/** A left-to-right mark: an invisible strong left-to-right character, not a control the escapers remove. */
const LEFT_TO_RIGHT_MARK = '\u200E'

/**
 * The name followed by a left-to-right mark when it holds right-to-left characters, so that what follows it on
 * the line keeps its place; any other name unchanged (no invisible character rides along when it is copied).
 * For names composed into a line of text: a table cell or an SVG text element of its own is isolated already.
 */
export function endRightToLeftRun(name: string): string {
  return RIGHT_TO_LEFT.test(name) ? name + LEFT_TO_RIGHT_MARK : name
}
