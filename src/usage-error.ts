// The person at the terminal called bugserve wrongly (an unknown option, a
// missing argument, a bad value in a flag, the environment or config.json).
// The CLI prints the message and exits with USAGE_EXIT for every command.

export const USAGE_EXIT = 2;

export class UsageError extends Error {}
