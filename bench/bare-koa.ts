// The baseline for bench/run.ts: the least a Koa app can do per request. The app's figures are
// reported as ratios to this server, measured in the same run on the same machine.
import { createServer } from 'node:http';
import Koa from 'koa';

const app = new Koa({ env: 'production' });
app.use((ctx) => {
  ctx.body = 'Hello World';
});

// Same transport as src/server.ts (node:http with app.callback()), so only the middleware differs.
createServer(app.callback()).listen(
  Number(process.env.PORT ?? 3000),
  process.env.HOST ?? '127.0.0.1',
);
