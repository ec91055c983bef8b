/** GET /health: liveness for load balancers and the local stack; touches no dependency. */
import { httpEndpoint } from '../shared/http.js';

export const handler = httpEndpoint({ routes: ['GET /health'] }, async () => ({ status: 200, body: { status: 'ok', service: 'tollgate' } }));
