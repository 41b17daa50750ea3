import { createRequire } from 'node:module';
import type KoaRouter from '@koa/router';

// @koa/router's CommonJS build, for every router in the app. Its ES build imports node:http as an
// ES module, and Node then evaluates every export of node:http, WebSocket included, which loads
// Node's bundled fetch and WebSocket client (undici): 13 MB of memory in a process that uses
// neither. For the same reason nothing here imports node:http as an ES module
// (tests/unit/imports.test.ts); `process.getBuiltinModule('node:http')` reads it without that.
export const Router: typeof KoaRouter = createRequire(import.meta.url)('@koa/router');
export type Router = KoaRouter;
