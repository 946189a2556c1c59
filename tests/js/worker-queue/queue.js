// The example Worker, unchanged, plus a consumer of its audit Queue for the test.
import broker from '../../../examples/worker-broker/src/worker.js';

const received = [];

export default {
  fetch(request, env) {
    if (new URL(request.url).pathname === '/test/audit-queue') return Response.json(received);
    return broker.fetch(request, env);
  },
  async queue(batch) {
    for (const m of batch.messages) { received.push(m.body); m.ack(); }
  },
};
