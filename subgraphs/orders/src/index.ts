import { runSubgraphProcess } from '@pos/kit';
import { orders } from './app';

void runSubgraphProcess(orders);
