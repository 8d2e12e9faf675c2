/** Injected wherever the current time matters, so pure code and tests control it. */
export type Clock = () => Date

export const systemClock: Clock = () => new Date()
