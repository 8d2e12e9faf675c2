/** The resource-class chart names how many classes its "other" bar holds, counted from the data. */
import {join} from 'node:path'

import {renderCharts} from '../../src/charts/index.js'
import {generateReport} from '../../src/report/index.js'
import {exportCsv, job, tempDir, writeFixture} from '../report/fixtures.js'

const clock = () => new Date('2024-11-20T00:00:00Z')
const CLASSES = ['xlarge', 'large', 'medium', 'small', 'arm.large', 'arm.medium', 'docker.small', 'macos.m1.medium.gen1']

async function summaryWithClasses(top: number) {
  const dir = tempDir()
  const rows = CLASSES.map((resourceClass, index) => job({RESOURCE_CLASS: resourceClass, TOTAL_CREDITS: (CLASSES.length - index) * 10}))
  const input = writeFixture(dir, 'usage.csv', exportCsv(rows))
  return (await generateReport({inputs: [input], outDir: join(dir, 'out'), top}, {clock})).summary
}

function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((match) => match[1])
}

describe('resource-class chart roll-up label', () => {
  it('counts the classes inside the summary\'s "other" bucket (8 classes, top 3: other holds 5)', async () => {
    const summary = await summaryWithClasses(3)
    expect(summary.breakdowns.resourceClass.at(-1)).toMatchObject({key: '(other)', members: 5})
    const svg = renderCharts(summary, {top: 3}).find((chart) => chart.name === 'credits-by-resource-class.svg')!.svg
    expect(svgTexts(svg)).toContain('other (5 classes)')
    expect(svg).toContain('8 classes')
  })

  it('adds the classes past a smaller chart top to those already rolled up (top 5, chart top 2: 6 classes)', async () => {
    const summary = await summaryWithClasses(5)
    const svg = renderCharts(summary, {top: 2}).find((chart) => chart.name === 'credits-by-resource-class.svg')!.svg
    expect(svgTexts(svg)).toContain('other (6 classes)')
  })

  it('says "1 class" only when one class is rolled up', async () => {
    const summary = await summaryWithClasses(7)
    const svg = renderCharts(summary, {top: 7}).find((chart) => chart.name === 'credits-by-resource-class.svg')!.svg
    expect(svgTexts(svg)).toContain('other (1 class)')
  })
})
