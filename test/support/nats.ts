/**
 * The NATS server the worker tests use: CAPSTAN_TEST_NATS_URL (a local nats-server with JetStream).
 * Without it the tests are skipped with a message; under CI=true a missing server is an error.
 */
export const natsUrlVariable = 'CAPSTAN_TEST_NATS_URL';

function natsSkipReason(): string | undefined {
  if (process.env[natsUrlVariable]) return undefined;
  if (process.env['CI'] === 'true') {
    throw new Error(
      `CI=true but ${natsUrlVariable} is not set: the NATS tests must run in CI (.ci/run sets it)`,
    );
  }
  return `NATS tests skipped: set ${natsUrlVariable}=nats://127.0.0.1:4222 to run them`;
}

export const natsSkip = natsSkipReason();
export const natsUrl = process.env[natsUrlVariable] ?? '';
