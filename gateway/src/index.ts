import { createLogger, onShutdown, parseConfig, startTracing } from '@pos/kit';
import { startGateway } from './app';
import { gatewayEnvSchema } from './config';

const config = parseConfig(gatewayEnvSchema);
const logger = createLogger('gateway', config.LOG_LEVEL);
// OTLP export when OTEL_EXPORTER_OTLP_ENDPOINT is set; off (nothing registered) otherwise.
startTracing({ serviceName: 'gateway' })
  .then(async (tracing) => {
    const gateway = await startGateway(config, logger);
    onShutdown(logger, async () => {
      await gateway.close();
      await tracing?.shutdown();
    });
  })
  .catch((error: unknown) => {
    logger.fatal({ err: error }, 'gateway failed to start');
    process.exit(1);
  });
