import { runSubgraphProcess } from '@pos/kit';
import { payments } from './app';

void runSubgraphProcess(payments);
