/** Where time comes from, so that tests can move it (a PIN's 90 s, a launch link's 10 minutes) instead of waiting. */
export interface Clock {
  now(): Date;
}

/** The real clock; tests replace `now` on the instance a service was given. */
export const systemClock = (): Clock => ({ now: () => new Date() });
