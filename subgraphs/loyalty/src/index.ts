import { runSubgraphProcess } from '@pos/kit';
import { loyalty } from './app';

void runSubgraphProcess(loyalty);
