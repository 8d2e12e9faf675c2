/** Jest in ESM mode: run with `node --experimental-vm-modules` (see the npm test script). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {'^(\\.{1,2}/.*)\\.js$': '$1'},
  transform: {
    '^.+\\.ts$': ['ts-jest', {useESM: true, tsconfig: 'tsconfig.test.json', diagnostics: {ignoreCodes: [151002]}}],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
  // @oclif/test needs verbose output to capture command stdout
  verbose: true,
}
