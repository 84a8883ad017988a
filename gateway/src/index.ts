import { createLogger, onShutdown, parseConfig } from '@pos/kit';
import { startGateway } from './app';
import { gatewayEnvSchema } from './config';

const config = parseConfig(gatewayEnvSchema);
const logger = createLogger('gateway', config.LOG_LEVEL);
startGateway(config, logger).then(
  (gateway) => onShutdown(logger, () => gateway.close()),
  (error: unknown) => {
    logger.fatal({ err: error }, 'gateway failed to start');
    process.exit(1);
  },
);
