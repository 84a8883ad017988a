import { runSubgraphProcess } from '@pos/kit';
import { checks } from './app';

void runSubgraphProcess(checks);
