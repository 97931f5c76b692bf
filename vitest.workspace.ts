// The list of test projects (the design card keeps this file). vitest 3.2 deprecates
// reading it directly, so `vitest.config.ts` imports it into `test.projects`.
export default ["packages/*"]
